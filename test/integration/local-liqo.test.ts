/**
 * The local runtime with the `liqo` federation (emulated Liqo on a home and a burst Kubernetes
 * emulator) runs a burst Requested -> Active -> Deleted: peering with the configured cap, the
 * service's namespace offloaded, its replicas ready on the virtual node, routed in-cluster
 * (DNS and gateway untouched), then cordon, offloading removed, unpeered, nothing of ours left.
 * The provider is a test double whose clusters are Kubernetes emulators with Liqo installed.
 * Needs h-svc's route step and service configuration (issue 11): it fails on h-liqo alone and
 * passed on h-svc (9224bc4) with h-liqo's changes applied.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type {
  ClusterCredentials,
  ClusterSpec,
  ProviderCluster,
  ProviderDriver,
} from '../../shared/drivers/provider/provider.ts';
import type { KubeEmulator } from '../support/kube-emulator/index.ts';
import { type LiqoSetup, startLiqoSetup, writeProblems } from '../support/liqo-harness.ts';
import { startTestRuntime, type TestRuntime } from '../support/local-runtime.ts';

/** A provider whose clusters are Liqo-ready Kubernetes emulators of the harness. */
class LiqoClusters implements ProviderDriver {
  readonly name = 'simulated';
  readonly #clusters = new Map<
    string,
    { spec: ClusterSpec; credentials: ClusterCredentials; emulator: KubeEmulator; deleted: boolean }
  >();
  constructor(readonly setup: LiqoSetup) {}
  async create(spec: ClusterSpec): Promise<ProviderCluster> {
    if (!this.#clusters.has(spec.name)) {
      const { credentials, emulator } = await this.setup.member();
      this.#clusters.set(spec.name, { spec, credentials, emulator, deleted: false });
    }
    return (await this.describe(spec.name))!;
  }
  async describe(name: string): Promise<ProviderCluster | undefined> {
    const c = this.#clusters.get(name);
    if (!c || c.deleted) return undefined;
    return { name, state: 'ready', endpoint: c.credentials.endpoint, region: 'local', labels: c.spec.labels };
  }
  async delete(name: string): Promise<void> {
    const c = this.#clusters.get(name);
    if (c) c.deleted = true;
  }
  async credentials(name: string): Promise<ClusterCredentials> {
    return this.#clusters.get(name)!.credentials;
  }
  async resize(name: string): Promise<ProviderCluster> {
    return (await this.describe(name))!;
  }
  async list(owner: string): Promise<ProviderCluster[]> {
    const all = await Promise.all([...this.#clusters.keys()].map((n) => this.describe(n)));
    return all.filter((c): c is ProviderCluster => c?.labels['clusterburst.io/owner'] === owner);
  }
  emulatorOf(name: string): KubeEmulator | undefined {
    return this.#clusters.get(name)?.emulator;
  }
}

/** The home Service's data plane: what users reach through the home ingress (answers /healthz). */
async function homeService(): Promise<Server> {
  const server = createServer((req, res) => {
    res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'text/plain' });
    res.end('web at home\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return server;
}

describe('local runtime with the liqo federation', () => {
  let rt: TestRuntime | undefined;
  let s: LiqoSetup | undefined;
  let web: Server | undefined;
  afterEach(async () => {
    await rt?.close();
    await s?.stop();
    await new Promise((r) => web?.close(r));
  });

  it('peers with the cap, offloads the namespace, routes in-cluster, then cordons, brings the service home and unpeers, leaving nothing of ours', async () => {
    // The home is full (one pod of three fits): the reason to burst; room returns once it is over.
    s = await startLiqoSetup({}, { homePods: 1, homePodsWhenReclaimed: 3, networking: true });
    web = await homeService();
    const port = (web.address() as AddressInfo).port;
    const home = s.home;
    home.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'science' } });
    home.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'science' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } } },
    });
    const svc = home.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'science' },
      spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port }] },
    });
    home.patch(
      { apiVersion: 'v1', kind: 'Service', namespace: 'science', name: svc.metadata.name ?? '' },
      { status: { loadBalancer: { ingress: [{ ip: '127.0.0.1' }] } } },
      { subresource: 'status' },
    );
    const clusters = new LiqoClusters(s);
    rt = await startTestRuntime(
      {
        providers: [{ name: 'simulated', driver: 'simulated', regions: ['local'], pricePerNodeHour: 0.1 }],
        federation: {
          driver: 'liqo',
          options: {
            kubeconfig: s.homeKubeconfig,
            inClusterRouting: true,
            resources: { cpu: '8', memory: '32Gi', pods: '40' },
            handshakeTimeoutSeconds: 5,
          },
        },
        protection: { allowedNamespaces: ['science'] },
        services: [
          {
            name: 'web',
            hostname: 'web.example.org',
            protocol: 'http',
            burstable: true,
            namespace: 'science',
            workloads: [{ kind: 'Deployment', name: 'web' }],
            expose: { kind: 'Service', name: 'web', port },
            health: { type: 'http', path: '/healthz', expectStatus: 200 },
          },
        ],
        policy: { drainTimeoutSeconds: 1 },
      },
      { overrides: { providers: new Map([['simulated', clusters]]) } },
    );

    const { body } = await rt.request('POST', '/bursts', { reason: 'liqo cycle' });
    const active = await rt.waitForPhase(body.burstId, 'Active', 30_000);
    const name: string = active.name;
    expect(active.history.map((h: { phase: string }) => h.phase)).toEqual([
      'Requested',
      'Provisioning',
      'Ready',
      'Joined',
      'Active',
    ]);
    expect(active.history.at(-1).why).toMatch(/liqo routes in-cluster: DNS and gateway left alone/);
    expect(active.services).toEqual([
      expect.objectContaining({ name: 'web', ingress: `127.0.0.1:${port}`, readyReplicas: 2, routed: true }),
    ]);

    // Peering with the configured cap; the namespace offloaded to the burst's virtual node.
    const tenantNs = 'liqo-tenant-burst-cluster-1';
    const slice = home.get({
      apiVersion: 'authentication.liqo.io/v1beta1',
      kind: 'ResourceSlice',
      namespace: tenantNs,
      name,
    });
    expect(slice?.spec).toMatchObject({ resources: { cpu: '8', memory: '32Gi', pods: '40' } });
    const offloading = {
      apiVersion: 'offloading.liqo.io/v1beta1',
      kind: 'NamespaceOffloading',
      namespace: 'science',
      name: 'offloading',
    };
    expect(home.get(offloading)?.spec).toMatchObject({ podOffloadingStrategy: 'LocalAndRemote' });
    const onVirtualNode = home
      .objects({ apiVersion: 'v1', kind: 'Pod', namespace: 'science' })
      .filter((p) => (p.spec as { nodeName?: string }).nodeName === name);
    expect(onVirtualNode).toHaveLength(2);

    // Teardown: cordon, offloading removed (pods home), unpeer, cluster deleted.
    const burst = clusters.emulatorOf(name)!;
    expect((await rt.request('DELETE', `/bursts/${body.burstId}`)).status).toBe(202);
    await expect
      .poll(
        () =>
          burst.get({
            apiVersion: 'authentication.liqo.io/v1beta1',
            kind: 'Tenant',
            namespace: 'liqo-tenant-home-cluster',
            name: 'home-cluster',
          })?.spec,
        { timeout: 15_000 },
      )
      .toMatchObject({ tenantCondition: 'Cordoned' });
    const deleted = await rt.waitForPhase(body.burstId, 'Deleted', 30_000);
    const whys = deleted.history.map((h: { why: string }) => h.why).join('\n');
    expect(whys).toMatch(/offloading removed; web ready at home/);
    expect(home.get(offloading)).toBeUndefined();
    expect(
      home
        .objects({ apiVersion: 'v1', kind: 'Pod', namespace: 'science' })
        .map((p) => (p.spec as { nodeName?: string }).nodeName),
    ).toEqual(['home-node-1', 'home-node-1', 'home-node-1']);

    // Nothing of ours left, by label and by name, on either cluster; every Liqo write valid.
    expect(await s.leftovers(name)).toEqual([]);
    expect(home.objects({ labelSelector: 'clusterburst.io/owner' })).toEqual([]);
    expect(burst.objects({ labelSelector: 'clusterburst.io/owner' })).toEqual([]);
    expect(writeProblems(s.writes)).toEqual([]);
  }, 90_000);
});
