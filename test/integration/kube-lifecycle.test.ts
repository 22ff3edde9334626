import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../shared/config/load-config.ts';
import type { Deps } from '../../shared/core/deps.ts';
import { provision } from '../../shared/core/steps/provision.ts';
import { commit } from '../../shared/core/transition.ts';
import { KarmadaFederation } from '../../shared/drivers/federation/karmada.ts';
import { KarmadaOptionsSchema } from '../../shared/drivers/federation/karmada-options.ts';
import { ClusterApiProvider } from '../../shared/drivers/provider/clusterapi.ts';
import { ClusterApiOptionsSchema } from '../../shared/drivers/provider/clusterapi-options.ts';
import { KubernetesStore } from '../../shared/drivers/store/kubernetes.ts';
import { closeDeps, createDeps } from '../../shared/runtime/create-deps.ts';
import { type CapiController, startCapiController } from '../support/capi-controller.ts';
import { type KarmadaController, startKarmadaController } from '../support/karmada-controller.ts';
import { type KubeEmulator, type KubeObject, startKubeEmulator } from '../support/kube-emulator/index.ts';
import { leftovers } from '../support/kube-leftovers.ts';
import { startTestRuntime, type TestRuntime, testConfig } from '../support/local-runtime.ts';
import { makeRecord } from '../support/records.ts';
import { createTemplates, serviceTemplates } from '../support/site-services.ts';

const NS = 'clusterburst-system';
const CRD = parse(
  readFileSync(new URL('../../deploy/crds/burstclusters.clusterburst.io.yaml', import.meta.url), 'utf8'),
) as KubeObject;
/** The provider entry; its driver is an override, but the configuration still checks its options. */
const PROVIDERS = [
  {
    name: 'capi',
    driver: 'clusterapi' as const,
    regions: ['eu-1'],
    pricePerNodeHour: 0.2,
    options: { classRef: { name: 'burst' }, kubernetesVersion: 'v1.33.1' },
  },
];

/** Management cluster, Karmada control plane and store cluster, each an emulator, with fakes. */
interface Clusters {
  readonly management: KubeEmulator;
  readonly karmada: KubeEmulator;
  readonly storeCluster: KubeEmulator;
  /** The site's home cluster, joined to Karmada by the site; the default service `web` runs there. */
  readonly home: KubeEmulator;
  readonly capi: CapiController;
  readonly karmadaController: KarmadaController;
  provider(): ClusterApiProvider;
  federation(): KarmadaFederation;
  store(): KubernetesStore;
  stop(): Promise<void>;
}

async function startClusters(): Promise<Clusters> {
  const management = await startKubeEmulator({ name: 'management', namespaces: [NS] });
  const karmada = await startKubeEmulator({ name: 'karmada-apiserver' });
  const storeCluster = await startKubeEmulator({ name: 'store', namespaces: [NS] });
  storeCluster.create(CRD);
  const capi = startCapiController(management, {
    provisionDelayMs: 100,
    deleteDelayMs: 100,
    memberControllers: true,
  });
  const karmadaController = startKarmadaController(karmada, { releaseDelayMs: 100 });
  // The site: a home cluster joined by the site (no owner label) and the default service's
  // templates (Deployment + LoadBalancer Service `web` in the demo namespace) on Karmada.
  const home = await startKubeEmulator({ name: 'home', memberControllers: { readyAfterMs: 50 } });
  karmada.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'karmada-cluster' } });
  karmada.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'home', namespace: 'karmada-cluster' },
    data: { token: Buffer.from(home.token).toString('base64') },
  });
  karmada.create({
    apiVersion: 'cluster.karmada.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'home', labels: { 'site.example.org/home': 'true' } },
    spec: {
      syncMode: 'Push',
      apiEndpoint: home.url,
      secretRef: { namespace: 'karmada-cluster', name: 'home' },
    },
  });
  createTemplates(karmada, serviceTemplates('clusterburst-demo', 'web', 2));
  return {
    management,
    karmada,
    storeCluster,
    home,
    capi,
    karmadaController,
    provider: () =>
      new ClusterApiProvider(
        'capi',
        ClusterApiOptionsSchema.parse({
          kubeconfig: management.kubeconfig,
          namespace: NS,
          classRef: { name: 'burst' },
          kubernetesVersion: 'v1.33.1',
          regionVariable: 'region',
        }),
      ),
    federation: () => new KarmadaFederation(KarmadaOptionsSchema.parse({ kubeconfig: karmada.kubeconfig })),
    store: () => new KubernetesStore({ kubeConfig: storeCluster.kubeConfig(), namespace: NS }),
    async stop() {
      karmadaController.stop();
      await capi.stop();
      await Promise.all([management, karmada, storeCluster, home].map((e) => e.stop()));
    },
  };
}

describe('local runtime on clusterapi + karmada + the kubernetes store', () => {
  let c: Clusters;
  let rt: TestRuntime;
  afterEach(async () => {
    await rt?.close();
    await c?.stop();
  });

  it('takes a burst from Requested to Active to Deleted and leaves no object of ours behind', async () => {
    c = await startClusters();
    const [provider, federation, store] = [c.provider(), c.federation(), c.store()];
    rt = await startTestRuntime(
      { providers: PROVIDERS, policy: { drainTimeoutSeconds: 5 } },
      { overrides: { providers: new Map([['capi', provider]]), federation, store } },
    );
    const { status, body } = await rt.request('POST', '/bursts', { reason: 'conference week', nodes: 2 });
    expect(status).toBe(202);
    const id: string = body.burstId;
    const active = await rt.waitForPhase(id, 'Active', 30_000);
    const name: string = active.name;
    const member = c.capi.members.get(name)!;
    expect(active.apiEndpoint).toBe(member.url);
    // Users are sent to the service's load balancer on the burst cluster, never its API server.
    const [web] = active.services;
    expect(web).toMatchObject({ name: 'web', routed: true });
    expect(web.ingress.split(':')[0]).not.toBe(new URL(member.url).hostname);
    expect(web.ingress).toBe(`${member.members!.addressOf('clusterburst-demo', 'web')}:80`);
    const karmadaCluster = c.karmada.get({
      apiVersion: 'cluster.karmada.io/v1alpha1',
      kind: 'Cluster',
      name,
    });
    expect(karmadaCluster?.metadata.labels).toMatchObject({
      'clusterburst.io/burst': 'true',
      'clusterburst.io/burst-id': id,
    });
    expect(member.objects({ labelSelector: `clusterburst.io/burst-id=${id}` }).length).toBeGreaterThan(0);
    const stored = c.storeCluster.get({
      apiVersion: 'clusterburst.io/v1alpha1',
      kind: 'BurstCluster',
      namespace: NS,
      name: id,
    });
    expect(stored?.status).toMatchObject({ phase: 'Active', provider: 'capi' });
    // The record holds a reference to the credentials, never the credentials.
    expect(JSON.stringify(stored)).not.toContain(member.token);

    expect((await rt.request('DELETE', `/bursts/${id}`)).status).toBe(202);
    const deleted = await rt.waitForPhase(id, 'Deleted', 30_000);
    expect(deleted.history.map((h: { phase: string }) => h.phase).slice(-4)).toEqual([
      'Draining',
      'Leaving',
      'Deleting',
      'Deleted',
    ]);
    const named = (e: KubeEmulator) =>
      e === c.management
        ? [
            { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster', namespace: NS, name },
            { apiVersion: 'v1', kind: 'Secret', namespace: NS, name: `${name}-kubeconfig` },
          ]
        : e === c.karmada
          ? [
              { apiVersion: 'cluster.karmada.io/v1alpha1', kind: 'Cluster', name },
              { apiVersion: 'v1', kind: 'Secret', namespace: 'karmada-cluster', name },
              {
                apiVersion: 'v1',
                kind: 'Secret',
                namespace: 'karmada-cluster',
                name: `${name}-impersonator`,
              },
              { apiVersion: 'v1', kind: 'Namespace', name: `karmada-es-${name}` },
            ]
          : e === member
            ? [{ apiVersion: 'v1', kind: 'Namespace', name: 'karmada-cluster' }]
            : [];
    expect(leftovers([c.management, c.karmada, member], id, named)).toEqual([]);
    // The service moved home before the unjoin: the home cluster runs every replica again, and
    // no PropagationPolicy of ours is left to keep claiming the templates.
    const homeWeb = c.home.get({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'clusterburst-demo',
      name: 'web',
    });
    expect(homeWeb?.spec).toMatchObject({ replicas: 2 });
    expect(
      c.karmada
        .objects({ apiVersion: 'policy.karmada.io/v1alpha1', kind: 'PropagationPolicy' })
        .filter((p) => p.metadata.labels?.['clusterburst.io/owner']),
    ).toEqual([]);
    // The store keeps the closed record (that is its job) and nothing else of this burst.
    const kept = c.storeCluster.objects({ labelSelector: `clusterburst.io/burst-id=${id}` });
    expect(kept.map((o) => `${o.kind} ${o.metadata.name} ${(o.status as { phase: string }).phase}`)).toEqual([
      `BurstCluster ${id} Deleted`,
    ]);
  }, 90_000);
});

describe('concurrent transitions on the kubernetes store', () => {
  let c: Clusters;
  let dir: string;
  const deps: Deps[] = [];
  afterEach(async () => {
    for (const d of deps.splice(0)) await closeDeps(d);
    await c?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One worker: its own store client and drivers, as a second function instance would have. */
  const worker = async () => {
    const config = loadConfig({ value: testConfig(dir, { providers: PROVIDERS }) });
    const d = await createDeps(config, {
      overrides: {
        store: c.store(),
        federation: c.federation(),
        providers: new Map([['capi', c.provider()]]),
      },
    });
    deps.push(d);
    return d;
  };

  it('lets exactly one of two commits win; the other is a no-op, and neither reports an error', async () => {
    c = await startClusters();
    dir = mkdtempSync(join(tmpdir(), 'cb-conflict-'));
    const [a, b] = [await worker(), await worker()];
    const admitted = await a.store.admit('manual:conflict', () => ({
      admit: true,
      record: makeRecord({ provider: 'capi' }),
      events: [],
    }));
    if (!admitted.admitted) throw new Error(admitted.why);
    const [seenByA, seenByB] = [await a.store.get(admitted.record.id), await b.store.get(admitted.record.id)];
    const results = await Promise.all([
      commit(a, seenByA!, 'Provisioning', 'worker a'),
      commit(b, seenByB!, 'Provisioning', 'worker b'),
    ]);
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    const winner = results.find((r) => r !== undefined)!;
    const final = await a.store.get(admitted.record.id);
    expect(final?.version).toBe(2);
    expect(final?.history.map((h) => h.why)).toEqual(['test record', winner.history.at(-1)!.why]);
  });

  it('lets two workers run the same provision step at once: one moves the burst, one finds nothing to do', async () => {
    c = await startClusters();
    dir = mkdtempSync(join(tmpdir(), 'cb-conflict-'));
    const [a, b] = [await worker(), await worker()];
    // Admitted now: a record past the provisioning deadline would be failed rather than provisioned.
    const record = makeRecord({
      provider: 'capi',
      region: 'eu-1',
      owner: 'local',
      createdAt: new Date().toISOString(),
    });
    const admitted = await a.store.admit(record.reason.signalKey, () => ({
      admit: true,
      record,
      events: [],
    }));
    if (!admitted.admitted) throw new Error(admitted.why);
    const results = await Promise.all([provision(a, record.id), provision(b, record.id)]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['moved', 'noop']);
    expect((await a.store.get(record.id))?.phase).toBe('Provisioning');
    expect(
      c.management.objects({ kind: 'Cluster', labelSelector: `clusterburst.io/burst-id=${record.id}` }),
    ).toHaveLength(1);
  });
});
