import { connect as netConnect } from 'node:net';
import { rootCertificates, connect as tlsConnect } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import type { KarmadaFederation } from '../../shared/drivers/federation/karmada.ts';
import { type BindServer, startBind } from '../support/bind.ts';
import {
  type FederationSetup,
  karmadaHomeCluster,
  startKarmadaSetup,
} from '../support/federation-harness.ts';
import { type HaproxyInstance, startHaproxy } from '../support/haproxy.ts';
import type { KubeObject } from '../support/kube-emulator/index.ts';
import { startTestRuntime, type TestRuntime } from '../support/local-runtime.ts';
import { type EmulatedProvider, startEmulatedProvider } from '../support/provider-apis/clock.ts';
import { siteRouting } from '../support/site-routing.ts';
import { createTemplates, playMember, serviceTemplates } from '../support/site-services.ts';

const OWNER = 'ri-services';
const NS = 'science';
const HOME_INGRESS = '198.51.100.7';

/**
 * The emulated Karmada controller pushes to members with plain `fetch`, ignoring the Cluster's
 * CA bundle; an EKS member is HTTPS with its own CA. Give the process's fetch the CAs of the
 * running EKS clusters (what the real controller does with the caBundle), nothing wider.
 */
function trustClusterCas(cloud: EmulatedProvider): () => void {
  const key = Symbol.for('undici.globalDispatcher.1');
  const global = globalThis as unknown as Record<symbol, { constructor: new (o: unknown) => unknown }>;
  const previous = global[key];
  if (!previous) throw new Error('fetch has no global dispatcher yet');
  const Agent = previous.constructor;
  global[key] = new Agent({
    connect: (
      opts: { hostname: string; port: string; protocol: string; servername?: string },
      cb: (error: Error | null, socket: unknown) => void,
    ) => {
      const port = Number(opts.port) || (opts.protocol === 'https:' ? 443 : 80);
      const socket =
        opts.protocol === 'https:'
          ? tlsConnect({
              host: opts.hostname,
              port,
              ca: [...rootCertificates, ...cloud.members.cas()],
              ALPNProtocols: ['http/1.1'],
            })
          : netConnect({ host: opts.hostname, port });
      socket.once(opts.protocol === 'https:' ? 'secureConnect' : 'connect', () => cb(null, socket));
      socket.once('error', (error) => cb(error, null));
    },
  }) as never;
  return () => {
    global[key] = previous;
  };
}

/** The site's own policy: web on its home cluster. */
const sitePolicy: KubeObject = {
  apiVersion: 'policy.karmada.io/v1alpha1',
  kind: 'PropagationPolicy',
  metadata: { name: 'site-web', namespace: NS },
  spec: {
    resourceSelectors: [
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      { apiVersion: 'v1', kind: 'Service', name: 'web' },
    ],
    placement: {
      clusterAffinity: { clusterNames: ['home-1'] },
      replicaScheduling: { replicaSchedulingType: 'Divided', replicaDivisionPreference: 'Weighted' },
    },
  },
};

describe('burst services to EKS (emulated) through Karmada (emulated), real HAProxy and real BIND', () => {
  let cloud: EmulatedProvider | undefined;
  let karmada: FederationSetup<KarmadaFederation> | undefined;
  let bind: BindServer | undefined;
  let hx: HaproxyInstance | undefined;
  let rt: TestRuntime | undefined;
  const stops: (() => void)[] = [];
  afterEach(async () => {
    cloud?.clock.stop();
    await rt?.close();
    for (const stop of stops.splice(0)) stop();
    await karmada?.stop();
    await cloud?.close();
    await hx?.stop();
    await bind?.stop();
    rt = undefined;
  });

  async function start(options: { readonly unready?: boolean } = {}) {
    await fetch('http://127.0.0.1:1/').catch(() => undefined); // fetch makes its dispatcher
    cloud = await startEmulatedProvider('eks', { deleteMs: 0 });
    cloud.members.defaults.readyAfterMs = 300;
    if (options.unready) cloud.members.defaults.unready.push({ namespace: NS, name: 'web' });
    stops.push(trustClusterCas(cloud));
    karmada = await startKarmadaSetup();
    const home = await karmadaHomeCluster(karmada, 'home-1');
    stops.push(playMember(home, HOME_INGRESS));
    createTemplates(karmada.controlPlane, serviceTemplates(NS, 'web', 2));
    karmada.controlPlane.create(sitePolicy);
    bind = await startBind({ zone: 'burst.example.org' });
    hx = await startHaproxy();
    process.env.CB_TEST_TSIG = bind.keySecret;
    rt = await startTestRuntime(
      {
        installation: { id: OWNER },
        providers: [{ ...cloud.entry, provisioningDeadlineSeconds: 120 }],
        ...siteRouting(bind, hx),
        services: [
          {
            name: 'web',
            hostname: 'web.example.org',
            backend: hx.httpBackend,
            protocol: 'http',
            burstable: true,
            namespace: NS,
          },
        ],
        protection: { allowedNamespaces: [NS] },
        policy: { drainTimeoutSeconds: 5, dnsTtlSeconds: 5 },
      },
      {
        overrides: {
          providers: new Map([['eks', cloud.driver]]),
          federation: karmada.federation,
        },
      },
    );
    cloud.clock.start();
    return { cloud, karmada, bind, hx, rt };
  }

  it('routes users to the member Service’s load balancer, never to the API server, and requests through HAProxy reach the burst cluster', async () => {
    const { cloud, bind, hx, rt } = await start();
    const { body } = await rt.request('POST', '/bursts', { reason: 'services test', nodes: 1 });
    const active = await rt.waitForPhase(body.burstId, 'Active', 90_000);
    const name: string = active.name;
    const apiHost = new URL(active.apiEndpoint).hostname;
    const member = cloud.members.byUrl(active.apiEndpoint)!;
    const lb = member.emulator.members!.addressOf(NS, 'web')!;
    expect(lb).toMatch(/^127\./);
    expect(lb).not.toBe(apiHost);
    expect(active.services).toEqual([expect.objectContaining({ name: 'web', ingress: `${lb}:80` })]);

    expect(await bind.query(`web.${name}.${bind.zone}`, 'A')).toEqual([lb]);
    const servers = await hx.command(`show servers state ${hx.httpBackend}`);
    const ours = servers
      .split('\n')
      .map((line) => line.split(' '))
      .filter((cols) => cols[3] === name);
    // Columns: be_id be_name srv_id srv_name srv_addr ... srv_port (the 19th).
    expect(ours.map((cols) => `${cols[4]}:${cols[18]}`)).toEqual([`${lb}:80`]);
    expect(ours[0]![4]).not.toBe(apiHost);

    const seen = new Set<string>();
    for (let i = 0; i < 40 && !seen.has(name); i++) {
      const r = await fetch(`http://127.0.0.1:${hx.httpPort}/`, { headers: { host: 'web.example.org' } });
      const cluster = r.headers.get('x-cluster');
      if (cluster) seen.add(cluster);
      await r.body?.cancel();
    }
    expect(seen).toContain(name);

    // And back: the service moves home before the unjoin, and nothing of the burst is left in
    // BIND, HAProxy or at the provider.
    expect((await rt.request('DELETE', `/bursts/${body.burstId}`)).status).toBe(202);
    const deleted = await rt.waitForPhase(body.burstId, 'Deleted', 90_000);
    expect(deleted.history.find((h: { phase: string }) => h.phase === 'Leaving')?.why).toMatch(/web/);
    expect(await bind.query(`web.${name}.${bind.zone}`, 'A')).toEqual([]);
    expect(await hx.command(`show servers state ${hx.httpBackend}`)).not.toContain(name);
    expect(cloud.members.byUrl(active.apiEndpoint)).toBeUndefined();
  }, 150_000);

  it('never routes a service whose replicas never become ready', async () => {
    const { bind, hx, rt } = await start({ unready: true });
    const { body } = await rt.request('POST', '/bursts', { reason: 'never ready', nodes: 1 });
    const joined = await rt.waitForPhase(body.burstId, 'Joined', 90_000);
    const name: string = joined.name;
    // Long enough for the member's replicas to have been ready many times over.
    await new Promise((r) => setTimeout(r, 4_000));
    const now = (await rt.request('GET', `/bursts/${body.burstId}`)).body;
    expect(now.phase).toBe('Joined');
    // Status says which service holds the burst: its ingress is known, its replicas are not ready.
    expect(now.services).toEqual([
      expect.objectContaining({
        name: 'web',
        readyReplicas: 0,
        routed: false,
        waiting: '0/1 replicas ready',
      }),
    ]);
    expect(await bind.query(`web.${name}.${bind.zone}`, 'A')).toEqual([]);
    expect(await hx.command(`show servers state ${hx.httpBackend}`)).not.toContain(name);
  }, 150_000);
});
