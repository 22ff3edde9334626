import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { MemberSpec } from '../../shared/drivers/federation/federation.ts';
import type { KubefedFederation } from '../../shared/drivers/federation/kubefed.ts';
import { CONTRACT_SERVICES, runFederationContract } from '../support/contracts/federation.ts';
import {
  type FederationSetup,
  kubefedSiteObjects,
  startKubefedSetup,
} from '../support/federation-harness.ts';
import {
  deniedRequests,
  type KubeEmulator,
  type KubeObject,
  type PolicyRule,
  requestAttributes,
} from '../support/kube-emulator/index.ts';
import { burstId } from '../support/records.ts';
import { playMember, templatesFor } from '../support/site-services.ts';

const tick = () => new Promise<void>((r) => setTimeout(r, 20));
const NS = 'kube-federation-system';

/** KubeFed schedules replicas of Deployments only: the contract's Deployment-backed service. */
const KUBEFED_SERVICES = CONTRACT_SERVICES.filter((c) => c.workloads.every((w) => w.kind === 'Deployment'));

runFederationContract('kubefed (emulator)', async () => {
  const s = await startKubefedSetup();
  // The site's federated objects of the contract's services; members play kubelet and a cloud LB.
  for (const ns of new Set(KUBEFED_SERVICES.map((c) => c.expose.namespace)))
    s.controlPlane.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  for (const o of kubefedSiteObjects(
    KUBEFED_SERVICES.flatMap((c) => templatesFor(c, 2)),
    [],
  ))
    s.controlPlane.create(o);
  const players: (() => void)[] = [];
  return {
    federation: s.federation,
    member: async () => {
      const { credentials, emulator } = await s.member();
      players.push(playMember(emulator, `203.0.113.${players.length + 1}`));
      return { credentials, remove: () => emulator.stop() };
    },
    tick,
    leftovers: (name) => s.leftovers(name),
    services: KUBEFED_SERVICES,
    cleanup: async () => {
      for (const stop of players) stop();
      await s.stop();
    },
  };
});

describe('kubefed driver on emulated clusters', () => {
  let s: FederationSetup<KubefedFederation>;
  afterEach(async () => s?.stop());

  const memberSpec = async (): Promise<MemberSpec & { member: KubeEmulator }> => {
    const id = burstId();
    const { credentials, emulator } = await s.member();
    return {
      name: `cb-${id.slice(2)}`,
      burstId: id,
      owner: 'test-owner',
      provider: 'capi',
      region: 'eu-1',
      credentials,
      labels: {
        'clusterburst.io/owner': 'test-owner',
        'clusterburst.io/burst-id': id,
        'clusterburst.io/burst': 'true',
      },
      member: emulator,
    };
  };
  const kfc = (name: string) => ({
    apiVersion: 'core.kubefed.io/v1beta1',
    kind: 'KubeFedCluster',
    namespace: NS,
    name,
  });

  it('creates on the member and the host what kubefedctl join creates', async () => {
    s = await startKubefedSetup();
    const m = await memberSpec();
    await s.federation.join(m);
    const sa = `${m.name}-host`;
    const memberSecret = m.member.get({ apiVersion: 'v1', kind: 'Secret', namespace: NS, name: sa })!;
    expect(memberSecret.type).toBe('kubernetes.io/service-account-token');
    const binding = m.member.get({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      name: `kubefed-controller-manager:${sa}`,
    })!;
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: sa, namespace: NS }]);
    const data = memberSecret.data as Record<string, string>;
    const hostSecret = s.controlPlane.get({ apiVersion: 'v1', kind: 'Secret', namespace: NS, name: m.name })!;
    expect((hostSecret.data as Record<string, string>).token).toBe(data.token);
    const cluster = s.controlPlane.get(kfc(m.name))!;
    expect(cluster.spec).toEqual({
      apiEndpoint: m.member.url,
      caBundle: data['ca.crt'],
      secretRef: { name: m.name },
    });
    expect(cluster.metadata.labels).toEqual(m.labels);
    expect(JSON.stringify(s.controlPlane.objects())).not.toContain(m.member.token);
  });

  it('reads readiness from the Ready condition and explains Offline', async () => {
    s = await startKubefedSetup();
    const m = await memberSpec();
    await s.federation.join(m);
    expect(
      (
        await vi.waitFor(
          async () => {
            const value = await (() => s.federation.status(m.name))();
            if (!((st) => st?.ready === true)(value)) throw new Error(`not yet: ${String(value)}`);
            return value;
          },
          { timeout: 10_000, interval: 20 },
        )
      )?.message,
    ).toContain('Ready (ClusterReady)');
    s.controlPlane.patch(
      kfc(m.name),
      {
        status: {
          conditions: [
            { type: 'Ready', status: 'False', reason: 'ClusterNotReady' },
            {
              type: 'Offline',
              status: 'True',
              reason: 'ClusterNotReachable',
              message: 'cluster is not reachable',
            },
          ],
        },
      },
      { subresource: 'status' },
    );
    const offline = await s.federation.status(m.name);
    expect(offline).toMatchObject({
      ready: false,
      message: 'Offline (ClusterNotReachable): cluster is not reachable',
    });
  });

  it('records cordon as a label and evicts with the label placements exclude', async () => {
    s = await startKubefedSetup();
    const m = await memberSpec();
    await s.federation.join(m);
    await s.federation.cordon(m.name);
    expect(s.controlPlane.get(kfc(m.name))!.metadata.labels).toMatchObject({
      'clusterburst.io/cordoned': 'true',
    });
    expect(s.controlPlane.get(kfc(m.name))!.metadata.labels?.['clusterburst.io/evicted']).toBeUndefined();
    await s.federation.evict(m.name);
    expect(s.controlPlane.get(kfc(m.name))!.metadata.labels).toMatchObject({
      ...m.labels,
      'clusterburst.io/cordoned': 'true',
      'clusterburst.io/evicted': 'true',
    });
  });

  it('leaves a member that is gone with force, skipping the member side', async () => {
    s = await startKubefedSetup();
    const m = await memberSpec();
    await s.federation.join(m);
    await m.member.stop();
    expect(await s.federation.leave(m.name, { force: true })).toBe('left');
    expect(s.controlPlane.objects({ labelSelector: `clusterburst.io/burst-id=${m.burstId}` })).toEqual([]);
    expect(m.member.objects({ labelSelector: `clusterburst.io/burst-id=${m.burstId}` })).toHaveLength(5);
  });

  it('needs on the host exactly what deploy/rbac grants it', async () => {
    s = await startKubefedSetup();
    const m = await memberSpec();
    await s.federation.join(m);
    await vi.waitFor(
      async () => {
        const value = await (() => s.federation.status(m.name))();
        if (!((st) => st?.ready === true)(value)) throw new Error(`not yet: ${String(value)}`);
        return value;
      },
      { timeout: 10_000, interval: 20 },
    );
    await s.federation.cordon(m.name);
    await s.federation.evict(m.name);
    await s.federation.list(m.owner);
    await vi.waitFor(
      async () => {
        const value = await (() => s.federation.leave(m.name))();
        if (!((r) => r === 'left')(value)) throw new Error(`not yet: ${String(value)}`);
        return value;
      },
      { timeout: 10_000, interval: 20 },
    );
    const rbac = parseAllDocuments(
      readFileSync(new URL('../../deploy/rbac/clusterburst.yaml', import.meta.url), 'utf8'),
    ).map((d) => d.toJSON() as KubeObject);
    const role = rbac.find((d) => d.kind === 'Role' && d.metadata.name === 'clusterburst-kubefed')!;
    expect(role.metadata.namespace).toBe(NS);
    const rules = role.rules as PolicyRule[];
    const log = s.controlPlane.requests();
    expect(deniedRequests(log, rules)).toEqual([]);
    const calls = log.map(requestAttributes).filter((a) => a !== undefined);
    expect(new Set(calls.map((a) => a.namespace))).toEqual(new Set([NS]));
    const used = new Set(calls.map((a) => `${a.resource}:${a.verb}`));
    expect(
      rules.flatMap((r) => r.verbs.map((v) => `${r.resources![0]}:${v}`)).filter((g) => !used.has(g)),
    ).toEqual([]);
  });
});
