/**
 * The `liqo` federation driver against Kubernetes emulators holding Liqo's upstream CRDs, with
 * the Liqo emulation (test/support/liqo-controller.ts) playing both clusters' Liqo: the
 * federation contract, the burst lifecycle at the driver level (peer with the cap, offload,
 * services on the virtual node, cordon, reclaim, unpeer), ownership, and every write checked
 * against the upstream schema.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { ServiceSpec } from '../../shared/domain/services.ts';
import type { MemberSpec } from '../../shared/drivers/federation/federation.ts';
import { runFederationContract } from '../support/contracts/federation.ts';
import {
  allowedBy,
  type KubeEmulator,
  type PolicyRule,
  requestAttributes,
} from '../support/kube-emulator/index.ts';
import { type LiqoSetup, startLiqoSetup, writeProblems } from '../support/liqo-harness.ts';
import { burstId } from '../support/records.ts';

/** The workloads and Services of the contract's services (contract-web, contract-queue) at home. */
function contractWorkloads(home: KubeEmulator): void {
  for (const [ns, kind, name, port] of [
    ['contract-web', 'Deployment', 'frontend', 80],
    ['contract-queue', 'StatefulSet', 'broker', 5672],
  ] as const) {
    home.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    home.create({
      apiVersion: 'apps/v1',
      kind,
      metadata: { name, namespace: ns },
      spec: { replicas: 1, selector: { matchLabels: { app: name } } },
    });
    home.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: ns },
      spec: { type: 'LoadBalancer', selector: { app: name }, ports: [{ port }] },
    });
  }
}

// The home is full (why it bursts): pods wait for a virtual node, and find room at home again
// once the offloading is gone (the load that filled it has subsided).
runFederationContract('liqo', async () => {
  const s = await startLiqoSetup({}, { homePods: 0, homePodsWhenReclaimed: 10 });
  contractWorkloads(s.home);
  return {
    federation: s.federation,
    member: async () => ({ credentials: (await s.member()).credentials }),
    leftovers: (name) => s.leftovers(name),
    cleanup: () => s.stop(),
  };
});

const OWNER = 'infn-cnaf';
const WEB: ServiceSpec = {
  name: 'web',
  hostname: 'web.example.org',
  protocol: 'http',
  burstable: true,
  workloads: [{ namespace: 'science', kind: 'Deployment', name: 'web' }],
  expose: { kind: 'Service', namespace: 'science', name: 'web', port: 80 },
  health: { type: 'http', path: '/healthz', expectStatus: 200 },
};

function deployWeb(home: KubeEmulator, replicas: number): void {
  home.create({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'science', labels: { team: 'astro' } },
  });
  home.create({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'science', labels: { app: 'web' } },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } } },
    },
  });
  const svc = home.create({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'science' },
    spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80 }] },
  });
  home.patch(
    { apiVersion: 'v1', kind: 'Service', namespace: 'science', name: svc.metadata.name ?? '' },
    { status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } } },
    { subresource: 'status' },
  );
}

async function joined(s: LiqoSetup): Promise<{ spec: MemberSpec; burst: KubeEmulator }> {
  const { credentials, emulator } = await s.member();
  const id = burstId();
  const spec: MemberSpec = {
    name: `cb-${id.slice(2)}`,
    burstId: id,
    owner: OWNER,
    provider: 'simulated',
    region: 'local',
    credentials,
    labels: {
      'clusterburst.io/burst': 'true',
      'clusterburst.io/burst-id': id,
      'clusterburst.io/owner': OWNER,
    },
  };
  await s.federation.join(spec);
  await expect.poll(() => s.federation.status(spec.name), { timeout: 5000 }).toMatchObject({ ready: true });
  return { spec, burst: emulator };
}

const nso = (home: KubeEmulator) =>
  home.get({
    apiVersion: 'offloading.liqo.io/v1beta1',
    kind: 'NamespaceOffloading',
    namespace: 'science',
    name: 'offloading',
  });

describe('liqo federation driver on emulated Liqo', () => {
  let s: LiqoSetup;
  afterEach(async () => {
    await s?.stop();
  });

  it('bursts a service onto the virtual node within the cap, cordons, brings it home and unpeers, leaving nothing of ours', async () => {
    s = await startLiqoSetup({ inClusterRouting: true }, { homePods: 2, networking: true }, OWNER);
    deployWeb(s.home, 4);
    const { spec, burst } = await joined(s);

    // Peering: the ResourceSlice asks for 3 burst nodes x the per-node figures; a virtual node appears.
    const slice = s.home.get({
      apiVersion: 'authentication.liqo.io/v1beta1',
      kind: 'ResourceSlice',
      namespace: 'liqo-tenant-burst-cluster-1',
      name: spec.name,
    });
    expect(slice?.spec).toMatchObject({
      resources: { cpu: '12', memory: '49152Mi', pods: '330' },
      providerClusterID: 'burst-cluster-1',
    });
    expect(slice?.metadata.annotations?.['liqo.io/create-virtual-node']).toBe('true');
    expect(
      s.home.get({ apiVersion: 'v1', kind: 'Node', name: spec.name })?.metadata.labels?.['liqo.io/type'],
    ).toBe('virtual-node');

    // Offloading: the namespace may now schedule on the burst's virtual node; the overflow lands there.
    await s.federation.place(spec.name, [WEB]);
    expect(nso(s.home)?.spec).toMatchObject({
      podOffloadingStrategy: 'LocalAndRemote',
      clusterSelector: {
        nodeSelectorTerms: [
          {
            matchExpressions: [
              { key: 'liqo.io/remote-cluster-id', operator: 'In', values: ['burst-cluster-1'] },
            ],
          },
        ],
      },
    });
    await expect
      .poll(async () => (await s.federation.serviceStatus(spec.name, [WEB]))[0], { timeout: 5000 })
      .toMatchObject({
        service: 'web',
        desiredReplicas: 2,
        readyReplicas: 2,
        ingress: { host: '192.0.2.10', port: 80 },
      });
    expect((await s.federation.serviceStatus(spec.name, [WEB]))[0]?.message).toMatch(/in-cluster routing/);

    // Drain: the tenant is cordoned on the burst cluster, and its virtual node with it.
    await s.federation.cordon(spec.name);
    expect(
      burst.get({
        apiVersion: 'authentication.liqo.io/v1beta1',
        kind: 'Tenant',
        namespace: 'liqo-tenant-home-cluster',
        name: 'home-cluster',
      })?.spec,
    ).toMatchObject({ tenantCondition: 'Cordoned' });
    expect(await s.federation.status(spec.name)).toMatchObject({ cordoned: true, evicted: false });
    await expect
      .poll(() => s.home.get({ apiVersion: 'v1', kind: 'Node', name: spec.name })?.spec)
      .toMatchObject({ unschedulable: true });

    // Reclaim: without home capacity the replicas cannot come back, and unplace says so.
    const first = await s.federation.unplace(spec.name, [WEB]);
    expect(first.done).toBe(false);
    expect(nso(s.home)).toBeUndefined();
    s.controllers[0]!.setHomePods(4);
    await expect
      .poll(async () => (await s.federation.unplace(spec.name, [WEB])).done, { timeout: 5000 })
      .toBe(true);
    expect((await s.federation.unplace(spec.name, [WEB])).why).toMatch(/web ready at home/);

    // Unpeer: nothing of ours left, by label or by name, on either cluster.
    await expect.poll(() => s.federation.leave(spec.name), { timeout: 5000, interval: 20 }).toBe('left');
    expect(await s.federation.status(spec.name)).toBeUndefined();
    expect(await s.leftovers(spec.name)).toEqual([]);
    expect(s.home.objects({ labelSelector: 'clusterburst.io/owner' })).toEqual([]);
    expect(burst.objects({ labelSelector: 'clusterburst.io/owner' })).toEqual([]);
    expect(await s.federation.list(OWNER)).toEqual([]);

    // Every object written to Liqo passed the upstream CRD, with nothing pruned.
    expect(s.writes.length).toBeGreaterThan(5);
    expect(writeProblems(s.writes)).toEqual([]);
  }, 30_000);

  it('reports a service on the burst by its reflected Service when routing goes through DNS and the gateway', async () => {
    s = await startLiqoSetup({ podOffloadingStrategy: 'Remote' }, { homePods: 2 }, OWNER);
    deployWeb(s.home, 2);
    const { spec } = await joined(s);
    await s.federation.place(spec.name, [WEB]);
    await expect
      .poll(async () => (await s.federation.serviceStatus(spec.name, [WEB]))[0], { timeout: 5000 })
      .toMatchObject({ readyReplicas: 0 }); // Remote: existing home pods stay where they are
    expect(s.federation.inClusterRouting).toBe(false);
    s.home.remove({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'science', name: 'web' });
    for (const p of s.home.objects({ apiVersion: 'v1', kind: 'Pod', namespace: 'science' }))
      s.home.remove({ apiVersion: 'v1', kind: 'Pod', namespace: 'science', name: p.metadata.name ?? '' });
    s.home.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'science' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } } },
    });
    await expect
      .poll(async () => (await s.federation.serviceStatus(spec.name, [WEB]))[0], { timeout: 5000 })
      .toMatchObject({ readyReplicas: 2, ingress: { host: '127.0.0.1', port: 80 } });
    expect(writeProblems(s.writes)).toEqual([]);
  }, 30_000);

  it('never changes a NamespaceOffloading it did not create, nor peers over a ForeignCluster someone else made', async () => {
    s = await startLiqoSetup({}, {}, OWNER);
    deployWeb(s.home, 1);
    const theirs = {
      apiVersion: 'offloading.liqo.io/v1beta1',
      kind: 'NamespaceOffloading',
      metadata: { name: 'offloading', namespace: 'science' },
      spec: { podOffloadingStrategy: 'Local', clusterSelector: { nodeSelectorTerms: [] } },
    };
    s.home.create(theirs);
    const { spec } = await joined(s);
    await expect(s.federation.place(spec.name, [WEB])).rejects.toThrow(
      /refusing to touch NamespaceOffloading science\/offloading/,
    );
    expect((await s.federation.unplace(spec.name, [WEB])).done).toBe(true);
    expect(nso(s.home)?.spec).toMatchObject({ podOffloadingStrategy: 'Local' });

    const { credentials } = await s.member();
    s.home.create({
      apiVersion: 'core.liqo.io/v1beta1',
      kind: 'ForeignCluster',
      metadata: { name: 'burst-cluster-2' },
      spec: { clusterID: 'burst-cluster-2' },
    });
    const other = { ...spec, name: 'cb-0000000000aa', credentials };
    await expect(s.federation.join(other)).rejects.toThrow(
      /refusing to touch ForeignCluster burst-cluster-2: clusterburst did not create it/,
    );
    expect(await s.federation.leave(other.name)).toBe('left');
    expect(
      s.home.get({ apiVersion: 'core.liqo.io/v1beta1', kind: 'ForeignCluster', name: 'burst-cluster-2' }),
    ).toBeDefined();
  }, 30_000);

  it('needs on the home cluster only what deploy/liqo/rbac.yaml grants, in the namespaces it grants it', async () => {
    const docs = parseAllDocuments(
      readFileSync(new URL('../../deploy/liqo/rbac.yaml', import.meta.url), 'utf8'),
    ).map((d) => d.toJS() as { kind: string; metadata: { namespace?: string }; rules?: PolicyRule[] });
    const rulesIn = (namespace: string | undefined) =>
      docs.flatMap((d) =>
        d.kind === 'ClusterRole' ||
        (d.kind === 'Role' && namespace !== undefined && d.metadata.namespace === namespace)
          ? (d.rules ?? [])
          : [],
      );
    s = await startLiqoSetup({ inClusterRouting: true }, { homePods: 1, networking: true }, OWNER);
    deployWeb(s.home, 2);
    s.home.clearRequests();
    const { spec } = await joined(s);
    await s.federation.place(spec.name, [WEB]);
    await s.federation.serviceStatus(spec.name, [WEB]);
    await s.federation.labels([WEB]);
    await s.federation.cordon(spec.name);
    await s.federation.uncordon(spec.name);
    await s.federation.evict(spec.name);
    s.controllers[0]!.setHomePods(2);
    await expect
      .poll(async () => (await s.federation.unplace(spec.name, [WEB])).done, { timeout: 5000 })
      .toBe(true);
    await s.federation.list(OWNER);
    await expect.poll(() => s.federation.leave(spec.name), { timeout: 5000, interval: 20 }).toBe('left');
    const denied = s.home
      .requests()
      .map(requestAttributes)
      .filter((a) => a !== undefined && !allowedBy(rulesIn(a.namespace), a))
      .map(
        (a) => `${a?.verb} ${a?.apiGroup || 'core'}/${a?.resource} ${a?.namespace ?? ''}/${a?.name ?? ''}`,
      );
    expect(denied).toEqual([]);
    expect(s.home.requests().length).toBeGreaterThan(20);
  }, 30_000);
});
