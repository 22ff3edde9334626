import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ownershipLabels } from '../../shared/domain/names.ts';
import type { KubefedFederation } from '../../shared/drivers/federation/kubefed.ts';
import {
  type FederationSetup,
  kubefedHomeCluster,
  kubefedSiteObjects,
  startKubefedSetup,
} from '../support/federation-harness.ts';
import {
  deniedRequests,
  type KubeEmulator,
  type KubeObject,
  type PolicyRule,
} from '../support/kube-emulator/index.ts';
import { until } from '../support/poll-until.ts';
import { burstId } from '../support/records.ts';
import { playMember, serviceSpec, serviceTemplates } from '../support/site-services.ts';
import { type RecordedWrite, schemaProblems } from '../support/write-recorder.ts';

const OWNER = 'test-owner';
const NS = 'science';
const web = serviceSpec(NS, 'web');
const RSP = {
  apiVersion: 'scheduling.kubefed.io/v1alpha1',
  kind: 'ReplicaSchedulingPreference',
  namespace: NS,
} as const;

const deployment = (m: KubeEmulator) =>
  m.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: NS, name: 'web' });
const replicasOn = (m: KubeEmulator) =>
  Number((deployment(m)?.spec as { replicas?: number } | undefined)?.replicas ?? 0);
const readyOn = (m: KubeEmulator) =>
  Number((deployment(m)?.status as { readyReplicas?: number } | undefined)?.readyReplicas ?? 0);

describe('kubefed driver placing services on a burst member (emulated KubeFed)', () => {
  let s: FederationSetup<KubefedFederation>;
  const stops: (() => void)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) stop();
    await s?.stop();
  });

  async function world(record?: RecordedWrite[]) {
    s = await startKubefedSetup({ ...(record ? { record } : {}) });
    const homes = [await kubefedHomeCluster(s, 'home-1'), await kubefedHomeCluster(s, 'home-2')];
    const homeKubelets = homes.map((h) => playMember(h, '198.51.100.7'));
    stops.push(...homeKubelets);
    const templates = serviceTemplates(NS, 'web', 4);
    s.controlPlane.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    for (const o of kubefedSiteObjects(templates, ['home-1', 'home-2'])) s.controlPlane.create(o);
    await until('web on both home clusters', () => homes.every((h) => replicasOn(h) === 4) || undefined);
    const id = burstId();
    const { credentials, emulator: member } = await s.member();
    const name = `cb-${id.slice(2)}`;
    await s.federation.join({
      name,
      burstId: id,
      owner: OWNER,
      provider: 'gke',
      region: 'europe-west1',
      credentials,
      labels: ownershipLabels({ owner: OWNER, id }),
    });
    await until('the member ready', async () => (await s.federation.status(name))?.ready);
    return { homes, homeKubelets, member, name, credentials };
  }

  it('places replicas on the member at once through an owned ReplicaSchedulingPreference, reports them with the Service ingress, and brings them home', async () => {
    const { homes, homeKubelets, member, name, credentials } = await world();
    await s.federation.place(name, [web]);
    await until('replicas on the member', () => replicasOn(member) > 0 || undefined);
    stops.push(playMember(member, '203.0.113.20'));
    const ready = await until('ready with an ingress', async () => {
      const [st] = await s.federation.serviceStatus(name, [web]);
      return st && st.readyReplicas > 0 && st.ingress ? st : undefined;
    });
    expect(ready.ingress).toEqual({ host: '203.0.113.20', port: 80 });
    expect(ready.ingress?.host).not.toBe(new URL(credentials.endpoint).hostname);
    expect(ready.desiredReplicas).toBe(replicasOn(member));

    await until(
      'home divided and ready',
      () => homes.every((h) => replicasOn(h) > 0 && readyOn(h) === replicasOn(h)) || undefined,
    );
    for (const stop of homeKubelets) stop();
    const first = await s.federation.unplace(name, [web]);
    expect(first.done).toBe(false);
    await until('the member emptied', () => replicasOn(member) === 0 || undefined);
    const waiting = await s.federation.unplace(name, [web]);
    expect(waiting).toMatchObject({ done: false });
    expect(waiting.why).toMatch(/home clusters home-\d \d\/\d ready/);
    for (const h of homes) stops.push(playMember(h, '198.51.100.7'));
    await until('unplace done', async () => (await s.federation.unplace(name, [web])).done || undefined);
    expect(homes.map(replicasOn).reduce((a, b) => a + b, 0)).toBe(4);
    expect(s.controlPlane.objects(RSP)).toEqual([]);
    expect(await s.federation.unplace(name, [web])).toMatchObject({ done: true });
    await until('left', async () => (await s.federation.leave(name)) === 'left' || undefined);
    expect(await s.leftovers(name)).toEqual([]);
  });

  it('never modifies a ReplicaSchedulingPreference not labelled ours, and places twice as once', async () => {
    const { member, name } = await world();
    await Promise.all([s.federation.place(name, [web]), s.federation.place(name, [web])]);
    await s.federation.place(name, [web]);
    await until('replicas on the member', () => replicasOn(member) > 0 || undefined);
    expect(s.controlPlane.objects(RSP)).toHaveLength(1);
    s.controlPlane.remove({ ...RSP, name: 'web' });
    const foreign = s.controlPlane.create({
      ...RSP,
      metadata: { name: 'web', namespace: NS, labels: { team: 'astro' } },
      spec: { targetKind: 'FederatedDeployment', totalReplicas: 4 },
    });
    await expect(s.federation.place(name, [web])).rejects.toThrow(
      /refusing to touch .*clusterburst did not create it/,
    );
    await expect(s.federation.unplace(name, [web])).rejects.toThrow(/refusing to touch/);
    expect(s.controlPlane.get({ ...RSP, name: 'web' })?.metadata.resourceVersion).toBe(
      foreign.metadata.resourceVersion,
    );
  });

  it('writes only what the upstream schemas keep, nothing pruned or rejected, with only the access deploy/rbac grants, join to leave', async () => {
    const writes: RecordedWrite[] = [];
    const { member, name } = await world(writes);
    stops.push(playMember(member, '203.0.113.20'));
    await s.federation.place(name, [web]);
    await until('served', async () => (await s.federation.serviceStatus(name, [web]))[0]?.ingress);
    await s.federation.labels([web]);
    await s.federation.cordon(name);
    await s.federation.uncordon(name);
    await until('unplaced', async () => (await s.federation.unplace(name, [web])).done || undefined);
    await s.federation.evict(name);
    await until('left', async () => (await s.federation.leave(name)) === 'left' || undefined);
    const paths = writes.map((w) => w.path).join('\n');
    for (const r of [
      'kubefedclusters',
      'replicaschedulingpreferences',
      'secrets',
      'serviceaccounts',
      'clusterroles',
      'deployments',
    ])
      expect(paths, r).toContain(`/${r}`);
    expect(schemaProblems(writes)).toEqual([]);
    // And it needed on the host only what deploy/rbac grants it.
    const rbac = parseAllDocuments(
      readFileSync(new URL('../../deploy/rbac/clusterburst.yaml', import.meta.url), 'utf8'),
    ).map((d) => d.toJSON() as KubeObject);
    const granted = rbac
      .filter(
        (d) =>
          (d.kind === 'ClusterRole' && d.metadata.name === 'clusterburst-federation') ||
          (d.kind === 'Role' && d.metadata.name === 'clusterburst-kubefed'),
      )
      .flatMap((d) => d.rules as PolicyRule[]);
    expect(deniedRequests(s.controlPlane.requests(), granted)).toEqual([]);
  });
});
