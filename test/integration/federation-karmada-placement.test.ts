import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ownedServerPrefix, ownershipLabels } from '../../shared/domain/names.ts';
import type { MemberSpec } from '../../shared/drivers/federation/federation.ts';
import type { KarmadaFederation } from '../../shared/drivers/federation/karmada.ts';
import {
  type FederationSetup,
  karmadaHomeCluster,
  karmadaSitePolicy,
  startKarmadaSetup,
} from '../support/federation-harness.ts';
import {
  deniedRequests,
  type KubeEmulator,
  type KubeObject,
  type PolicyRule,
} from '../support/kube-emulator/index.ts';
import { until } from '../support/poll-until.ts';
import { burstId } from '../support/records.ts';
import { createTemplates, playMember, serviceSpec, serviceTemplates } from '../support/site-services.ts';

const OWNER = 'test-owner';
const NS = 'science';
const web = serviceSpec(NS, 'web');
const POLICY = { apiVersion: 'policy.karmada.io/v1alpha1', kind: 'PropagationPolicy' } as const;
const BINDING = { apiVersion: 'work.karmada.io/v1alpha2', kind: 'ResourceBinding', namespace: NS } as const;
const ourPolicy = { ...POLICY, namespace: NS, name: `${ownedServerPrefix(OWNER)}web` };

const replicasOn = (member: KubeEmulator) => {
  const d = member.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: NS, name: 'web' });
  return d ? Number((d.spec as { replicas: number }).replicas) : 0;
};
const readyOn = (member: KubeEmulator) => {
  const d = member.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: NS, name: 'web' });
  return Number((d?.status as { readyReplicas?: number } | undefined)?.readyReplicas ?? 0);
};
const assignment = (s: FederationSetup<KarmadaFederation>) =>
  ((s.controlPlane.get({ ...BINDING, name: 'web-deployment' })?.spec as { clusters?: unknown[] })?.clusters ??
    []) as { name: string; replicas: number }[];

describe('karmada driver placing services on a burst member (emulated Karmada)', () => {
  let s: FederationSetup<KarmadaFederation>;
  const stops: (() => void)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) stop();
    await s?.stop();
  });

  /** Two home clusters serving web (4 replicas, 2 each, ready) and a joined, ready burst member. */
  async function world() {
    s = await startKarmadaSetup();
    const homes = [await karmadaHomeCluster(s, 'home-1'), await karmadaHomeCluster(s, 'home-2')];
    const homeKubelets = homes.map((h) => playMember(h, '198.51.100.7'));
    stops.push(...homeKubelets);
    createTemplates(s.controlPlane, serviceTemplates(NS, 'web', 4));
    s.controlPlane.create(karmadaSitePolicy(NS, 'web', ['home-1', 'home-2']));
    await until('web on both home clusters', () => homes.every((h) => replicasOn(h) === 2));
    const id = burstId();
    const { credentials, emulator: member } = await s.member();
    const spec: MemberSpec = {
      name: `cb-${id.slice(2)}`,
      burstId: id,
      owner: OWNER,
      provider: 'eks',
      region: 'eu-west-1',
      credentials,
      labels: ownershipLabels({ owner: OWNER, id }),
    };
    await s.federation.join(spec);
    await until('the member ready', async () => (await s.federation.status(spec.name))?.ready);
    return { homes, homeKubelets, member, name: spec.name, credentials };
  }

  it('gives the new member replicas at once, without a scale-up, and reports them ready with the Service ingress, not the API host', async () => {
    const { member, name, credentials } = await world();
    await s.federation.place(name, [web]);
    await until('replicas on the burst member', () => replicasOn(member) > 0, 3000);
    const template = s.controlPlane.get({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: NS,
      name: 'web',
    });
    expect(template?.spec).toMatchObject({ replicas: 4 }); // no scale-up was needed
    expect(assignment(s).reduce((n, c) => n + c.replicas, 0)).toBe(4);

    const [before] = await s.federation.serviceStatus(name, [web]);
    expect(before).toMatchObject({ service: 'web', readyReplicas: 0 });
    expect(before?.ingress).toBeUndefined();
    stops.push(playMember(member, '203.0.113.10'));
    const ready = await until('web ready with an ingress on the member', async () => {
      const [st] = await s.federation.serviceStatus(name, [web]);
      return st && st.readyReplicas > 0 && st.ingress ? st : undefined;
    });
    expect(ready.desiredReplicas).toBe(replicasOn(member));
    expect(ready.readyReplicas).toBe(replicasOn(member));
    expect(ready.ingress).toEqual({ host: '203.0.113.10', port: 80 });
    expect(ready.ingress?.host).not.toBe(new URL(credentials.endpoint).hostname);
  });

  it('takes the service off the member: done only once the home clusters report every replica ready, then nothing of ours is left', async () => {
    const { homes, homeKubelets, member, name } = await world();
    await s.federation.place(name, [web]);
    stops.push(playMember(member, '203.0.113.10'));
    await until('replicas divided over member and home, all ready', () =>
      homes.every((h) => replicasOn(h) === 1 && readyOn(h) === 1),
    );
    for (const stop of homeKubelets) stop(); // home pods now start slowly

    const first = await s.federation.unplace(name, [web]);
    expect(first.done).toBe(false);
    await until(
      'the member emptied',
      () => replicasOn(member) === 0 && !assignment(s).some((c) => c.name === name),
    );
    const waiting = await s.federation.unplace(name, [web]);
    expect(waiting.done).toBe(false);
    expect(waiting.why).toMatch(/home clusters home-\d \d\/\d ready/);

    for (const h of homes) stops.push(playMember(h, '198.51.100.7'));
    const done = await until('unplace done', async () => {
      const r = await s.federation.unplace(name, [web]);
      return r.done ? r : undefined;
    });
    expect(done.why).toContain('ready at home');
    expect(homes.map(replicasOn).reduce((a, b) => a + b, 0)).toBe(4);
    expect(member.get({ apiVersion: 'v1', kind: 'Service', namespace: NS, name: 'web' })).toBeUndefined();
    // Our policy is gone; the site's own policy holds the templates again.
    expect(s.controlPlane.get(ourPolicy)).toBeUndefined();
    await until(
      'the site policy claims web again',
      () =>
        s.controlPlane.get({ ...BINDING, name: 'web-deployment' })?.metadata.annotations?.[
          'propagationpolicy.karmada.io/name'
        ] === 'site-web' || undefined,
    );
    expect(
      s.controlPlane.objects({ apiVersion: 'apps.karmada.io/v1alpha1', kind: 'WorkloadRebalancer' }),
    ).toEqual([]);
    expect(await s.federation.leave(name)).toBe('pending');
    await until('left', async () => (await s.federation.leave(name)) === 'left');
    expect(await s.leftovers(name)).toEqual([]);
  });

  it('is idempotent: place and unplace twice, concurrently, give one policy, one division and the same result', async () => {
    const { member, name } = await world();
    stops.push(playMember(member, '203.0.113.10'));
    await Promise.all([s.federation.place(name, [web]), s.federation.place(name, [web])]);
    await s.federation.place(name, [web]);
    await until('replicas on the member', () => replicasOn(member) > 0);
    const after = JSON.stringify(assignment(s));
    expect(
      s.controlPlane
        .objects({ ...POLICY, namespace: NS })
        .map((p) => p.metadata.name)
        .sort(),
    ).toEqual([ourPolicy.name, 'site-web'].sort());
    expect(
      s.controlPlane.objects({ apiVersion: 'apps.karmada.io/v1alpha1', kind: 'WorkloadRebalancer' }),
    ).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(JSON.stringify(assignment(s))).toBe(after); // a second place did not divide again
    const results = await until('unplace done twice over', async () => {
      const both = await Promise.all([s.federation.unplace(name, [web]), s.federation.unplace(name, [web])]);
      return both.every((r) => r.done) ? both : undefined;
    });
    expect(results.map((r) => r.done)).toEqual([true, true]);
    expect(await s.federation.unplace(name, [web])).toMatchObject({ done: true });
    expect(replicasOn(member)).toBe(0);
  });

  it('never modifies a PropagationPolicy not labelled ours, even one named as ours', async () => {
    const { name } = await world();
    const foreign = s.controlPlane.create({
      ...POLICY,
      metadata: { name: ourPolicy.name, namespace: NS, labels: { team: 'astro' } },
      spec: { resourceSelectors: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'other' }] },
    });
    await expect(s.federation.place(name, [web])).rejects.toThrow(
      /refusing to touch .*clusterburst did not create it/,
    );
    await expect(s.federation.unplace(name, [web])).rejects.toThrow(/refusing to touch/);
    const now = s.controlPlane.get(ourPolicy);
    expect(now?.metadata.resourceVersion).toBe(foreign.metadata.resourceVersion);
    const site = s.controlPlane.get({ ...POLICY, namespace: NS, name: 'site-web' });
    expect(site?.metadata.generation).toBe(1);
  });

  it('needs on the control plane only what deploy/rbac grants it, for place, status, labels and unplace', async () => {
    const { member, name } = await world();
    stops.push(playMember(member, '203.0.113.10'));
    s.controlPlane.clearRequests();
    await s.federation.place(name, [web]);
    await s.federation.serviceStatus(name, [web]);
    await s.federation.labels([web]);
    await until('unplace done', async () => (await s.federation.unplace(name, [web])).done);
    const rbac = parseAllDocuments(
      readFileSync(new URL('../../deploy/rbac/clusterburst.yaml', import.meta.url), 'utf8'),
    ).map((d) => d.toJSON() as KubeObject);
    const granted = rbac
      .filter((d) => d.kind === 'ClusterRole' && d.metadata.name === 'clusterburst-federation')
      .flatMap((d) => d.rules as PolicyRule[]);
    expect(s.controlPlane.requests().length).toBeGreaterThan(10);
    expect(deniedRequests(s.controlPlane.requests(), granted)).toEqual([]);
  });

  it('uncordons: removes the NoSchedule taint cordon put and keeps the others', async () => {
    const { name } = await world();
    await s.federation.cordon(name);
    expect((await s.federation.status(name))?.cordoned).toBe(true);
    await s.federation.uncordon(name);
    await s.federation.uncordon(name);
    expect((await s.federation.status(name))?.cordoned).toBe(false);
  });
});
