import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { MemberSpec } from '../../shared/drivers/federation/federation.ts';
import type { KarmadaFederation } from '../../shared/drivers/federation/karmada.ts';
import { DriverError } from '../../shared/errors.ts';
import { CONTRACT_SERVICES, runFederationContract } from '../support/contracts/federation.ts';
import {
  type FederationSetup,
  karmadaHomeCluster,
  startKarmadaSetup,
} from '../support/federation-harness.ts';
import {
  allowedBy,
  deniedRequests,
  type KubeEmulator,
  type KubeObject,
  type PolicyRule,
  requestAttributes,
} from '../support/kube-emulator/index.ts';
import { burstId } from '../support/records.ts';
import { createTemplates, playMember, templatesFor } from '../support/site-services.ts';

const tick = () => new Promise<void>((r) => setTimeout(r, 20));

runFederationContract('karmada (emulator)', async () => {
  const s = await startKarmadaSetup();
  // The site's templates of the contract's services; members play kubelet and a cloud LB.
  createTemplates(
    s.controlPlane,
    CONTRACT_SERVICES.flatMap((service) => templatesFor(service, 2)),
  );
  const players: (() => void)[] = [];
  players.push(playMember(await karmadaHomeCluster(s, 'home-1'), '198.51.100.7'));
  return {
    federation: s.federation,
    member: async () => {
      const { credentials, emulator } = await s.member();
      players.push(playMember(emulator, `203.0.113.${players.length + 1}`));
      return { credentials, remove: () => emulator.stop() };
    },
    tick,
    leftovers: (name) => s.leftovers(name),
    cleanup: async () => {
      for (const stop of players) stop();
      await s.stop();
    },
  };
});

const RBAC = parseAllDocuments(
  readFileSync(new URL('../../deploy/rbac/clusterburst.yaml', import.meta.url), 'utf8'),
).map((d) => d.toJSON() as KubeObject);
const rulesOf = (kind: string, name: string) =>
  RBAC.find((d) => d.kind === kind && d.metadata.name === name)!.rules as PolicyRule[];

describe('karmada driver on emulated clusters', () => {
  let s: FederationSetup<KarmadaFederation>;
  afterEach(async () => s?.stop());

  const memberSpec = async (options = {}): Promise<MemberSpec & { member: KubeEmulator }> => {
    const id = burstId();
    const { credentials, emulator } = await s.member(options);
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

  it('creates on the member and the control plane what karmadactl join creates', async () => {
    s = await startKarmadaSetup();
    const m = await memberSpec();
    await s.federation.join(m);
    const inMember = (kind: string, name: string, namespace?: string) =>
      m.member.get({
        apiVersion: kind.startsWith('Cluster') ? 'rbac.authorization.k8s.io/v1' : 'v1',
        kind,
        name,
        namespace,
      });
    const role = inMember('ClusterRole', `karmada-controller-manager:karmada-${m.name}`)!;
    expect(role.rules).toContainEqual({ apiGroups: ['*'], resources: ['*'], verbs: ['*'] });
    const binding = inMember('ClusterRoleBinding', `karmada-controller-manager:karmada-${m.name}`)!;
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: `karmada-${m.name}`, namespace: 'karmada-cluster' },
    ]);
    for (const sa of [`karmada-${m.name}`, 'karmada-impersonator']) {
      expect(inMember('ServiceAccount', sa, 'karmada-cluster')).toBeDefined();
      expect(inMember('Secret', sa, 'karmada-cluster')?.type).toBe('kubernetes.io/service-account-token');
    }
    // Everything but the ClusterRole is owned by it, so one DELETE with our own token revokes all.
    expect(binding.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'ClusterRole', uid: role.metadata.uid }),
    ]);

    const memberToken = (name: string) =>
      inMember('Secret', name, 'karmada-cluster')!.data as Record<string, string>;
    const cpSecret = (name: string) =>
      s.controlPlane.get({ apiVersion: 'v1', kind: 'Secret', namespace: 'karmada-cluster', name })!.data;
    expect(cpSecret(m.name)).toEqual({
      token: memberToken(`karmada-${m.name}`).token,
      caBundle: memberToken(`karmada-${m.name}`)['ca.crt'],
    });
    expect(cpSecret(`${m.name}-impersonator`)).toEqual({ token: memberToken('karmada-impersonator').token });
    const cluster = s.controlPlane.get({
      apiVersion: 'cluster.karmada.io/v1alpha1',
      kind: 'Cluster',
      name: m.name,
    })!;
    expect(cluster.spec).toEqual({
      id: m.member.get({ apiVersion: 'v1', kind: 'Namespace', name: 'kube-system' })!.metadata.uid,
      syncMode: 'Push',
      apiEndpoint: m.member.url,
      secretRef: { namespace: 'karmada-cluster', name: m.name },
      impersonatorSecretRef: { namespace: 'karmada-cluster', name: `${m.name}-impersonator` },
      provider: 'capi',
      region: 'eu-1',
    });
    expect(cluster.metadata.labels).toEqual(m.labels);
    const created = await s.leftovers(m.name, 0);
    expect(created).toEqual(
      expect.arrayContaining([
        `karmada-apiserver: Cluster ${m.name}`,
        `karmada-apiserver: Secret karmada-cluster/${m.name}`,
        `karmada-apiserver: Secret karmada-cluster/${m.name}-impersonator`,
        'member-1: Namespace karmada-cluster',
        'member-1: ServiceAccount karmada-cluster/karmada-impersonator',
        `member-1: ClusterRoleBinding karmada-controller-manager:karmada-${m.name}`,
      ]),
    );
  });

  it("keeps the member's admin token nowhere on the control plane, and out of its errors", async () => {
    s = await startKarmadaSetup();
    const m = await memberSpec();
    s.controlPlane.faults.failNext(1, { method: 'POST', path: /\/secrets$/ });
    const error = await s.federation.join(m).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DriverError);
    expect((error as DriverError).retryable).toBe(true);
    await s.federation.join(m);
    const admin = m.member.token;
    const everything = JSON.stringify(s.controlPlane.objects()) + String((error as Error).message);
    expect(everything).not.toContain(admin);
    expect(everything).not.toContain(Buffer.from(admin).toString('base64'));
  });

  it('cordons and evicts with clusterburst taints, keeping the taints Karmada set', async () => {
    s = await startKarmadaSetup();
    const m = await memberSpec();
    await s.federation.join(m);
    const ref = { apiVersion: 'cluster.karmada.io/v1alpha1', kind: 'Cluster', name: m.name };
    s.controlPlane.patch(ref, {
      spec: { taints: [{ key: 'cluster.karmada.io/not-ready', effect: 'NoSchedule' }] },
    });
    await s.federation.cordon(m.name);
    await s.federation.evict(m.name);
    const taints = (s.controlPlane.get(ref)!.spec as { taints: { key: string; effect: string }[] }).taints;
    expect(taints.map((t) => `${t.key}:${t.effect}`)).toEqual([
      'cluster.karmada.io/not-ready:NoSchedule',
      'clusterburst.io/draining:NoSchedule',
      'clusterburst.io/draining:NoExecute',
    ]);
  });

  it('reports pending while Karmada releases the Works, then revokes the member side', async () => {
    s = await startKarmadaSetup({ releaseDelayMs: 400 });
    const m = await memberSpec();
    await s.federation.join(m);
    await vi.waitFor(
      async () => {
        const value = await (() => s.federation.status(m.name))();
        if (!((st) => st?.ready === true)(value)) throw new Error(`not yet: ${String(value)}`);
        return value;
      },
      { timeout: 10_000, interval: 20 },
    ); // adopted by Karmada
    expect(await s.federation.leave(m.name)).toBe('pending');
    expect((await s.federation.status(m.name))?.message).toMatch(/^leaving/);
    expect(
      m.member.objects({ labelSelector: `clusterburst.io/burst-id=${m.burstId}` }).length,
    ).toBeGreaterThan(0);
    expect(
      await vi.waitFor(
        async () => {
          const value = await (() => s.federation.leave(m.name))();
          if (!((r) => r === 'left')(value)) throw new Error(`not yet: ${String(value)}`);
          return value;
        },
        { timeout: 10_000, interval: 20 },
      ),
    ).toBe('left');
    expect(await s.leftovers(m.name)).toEqual([]);
    // The member side went with one DELETE made with the federation's own token.
    const deletes = m.member.requests().filter((r) => r.method === 'DELETE');
    expect(deletes.map((r) => r.path)).toEqual([
      `/apis/rbac.authorization.k8s.io/v1/clusterroles/${encodeURIComponent(`karmada-controller-manager:karmada-${m.name}`)}`,
    ]);
  });

  it('leaves a member that is gone only with force, which skips the member side', async () => {
    s = await startKarmadaSetup();
    const m = await memberSpec();
    await s.federation.join(m);
    await m.member.stop();
    const refused = await vi.waitFor(
      async () => {
        const value = await (() => s.federation.leave(m.name).catch((e: unknown) => e))();
        if (!((r) => r instanceof Error)(value)) throw new Error(`not yet: ${String(value)}`);
        return value;
      },
      { timeout: 10_000, interval: 20 },
    );
    expect(refused).toBeInstanceOf(DriverError);
    expect((refused as DriverError).message).toContain('leave with force');
    expect(
      await vi.waitFor(
        async () => {
          const value = await (() => s.federation.leave(m.name, { force: true }))();
          if (!((r) => r === 'left')(value)) throw new Error(`not yet: ${String(value)}`);
          return value;
        },
        { timeout: 10_000, interval: 20 },
      ),
    ).toBe('left');
    expect(s.controlPlane.objects({ labelSelector: `clusterburst.io/burst-id=${m.burstId}` })).toEqual([]);
    // Untouched: the member's objects go with the member itself.
    expect(m.member.objects({ labelSelector: `clusterburst.io/burst-id=${m.burstId}` })).toHaveLength(7);
  });

  it('fails a leave that Karmada does not finish within the bound, naming the finalizer', async () => {
    s = await startKarmadaSetup({ releaseDelayMs: 60_000, leaveTimeoutSeconds: 1 });
    const m = await memberSpec();
    await s.federation.join(m);
    await vi.waitFor(
      async () => {
        const value = await (() => s.federation.status(m.name))();
        if (!((st) => st?.ready === true)(value)) throw new Error(`not yet: ${String(value)}`);
        return value;
      },
      { timeout: 10_000, interval: 20 },
    ); // adopted by Karmada
    expect(await s.federation.leave(m.name)).toBe('pending');
    const error = await vi.waitFor(
      async () => {
        const value = await (() => s.federation.leave(m.name).catch((e: unknown) => e))();
        if (!((r) => r instanceof Error)(value)) throw new Error(`not yet: ${String(value)}`);
        return value;
      },
      { timeout: 10_000, interval: 20 },
    );
    expect(error).toBeInstanceOf(DriverError);
    expect((error as Error).message).toMatch(/still deleting after \d+s.*karmada\.io\/cluster-controller/);
  });

  it("bounds the wait for the member's token controller", async () => {
    s = await startKarmadaSetup({ tokenTimeoutSeconds: 0.3 });
    const m = await memberSpec({ tokenDelayMs: 5000 });
    const error = await s.federation.join(m).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DriverError);
    expect((error as DriverError).retryable).toBe(true);
    expect((error as Error).message).toContain('were not filled within 300 ms');
  });

  it('grants no access to the Secrets of members clusterburst did not join', () => {
    // karmadactl join keeps every member's token Secret in karmada-cluster.
    const inKarmadaCluster = RBAC.filter(
      (d) => d.kind === 'Role' && d.metadata.namespace === 'karmada-cluster',
    );
    const other = { apiGroup: '', resource: 'secrets', namespace: 'karmada-cluster', name: 'member-a' };
    for (const verb of ['get', 'delete', 'list', 'update']) {
      const rules = inKarmadaCluster.flatMap((d) => d.rules as PolicyRule[]);
      expect(allowedBy(rules, { ...other, verb }), verb).toBe(false);
    }
    const clusterWide = rulesOf('ClusterRole', 'clusterburst-federation');
    expect(allowedBy(clusterWide, { ...other, verb: 'get' })).toBe(false);
  });

  it('needs on the control plane exactly what deploy/rbac grants it, in the namespace it grants it', async () => {
    const role = RBAC.find((d) => d.kind === 'Role' && d.metadata.name === 'clusterburst-karmada-secrets')!;
    const secretsNamespace = role.metadata.namespace!;
    s = await startKarmadaSetup({ clusterNamespace: secretsNamespace });
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
    const log = s.controlPlane.requests();
    const granted = [
      ...rulesOf('ClusterRole', 'clusterburst-federation'),
      ...rulesOf('Role', 'clusterburst-karmada-secrets'),
    ];
    expect(deniedRequests(log, granted)).toEqual([]);
    const secretCalls = log.map(requestAttributes).filter((a) => a?.resource === 'secrets');
    expect(new Set(secretCalls.map((a) => a?.namespace))).toEqual(new Set([secretsNamespace]));
    const used = new Set(log.map(requestAttributes).map((a) => a && `${a.apiGroup}/${a.resource}:${a.verb}`));
    const unused = granted
      .filter((r) => r.apiGroups?.includes('cluster.karmada.io') || r.resources?.includes('secrets'))
      .flatMap((r) => r.verbs.map((v) => `${r.apiGroups![0]}/${r.resources![0]}:${v}`))
      .filter((g) => !used.has(g));
    expect(unused).toEqual([]);
  });
});
