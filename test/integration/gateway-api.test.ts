// Over ~350 lines on purpose: one driver's behaviour against the Kubernetes emulator held to the Gateway API's upstream schemas.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GatewayApiGateway } from '../../shared/drivers/gateway/gateway-api.ts';
import { GatewayApiOptionsSchema } from '../../shared/drivers/gateway/gateway-api-options.ts';
import { DriverError } from '../../shared/errors.ts';
import { runGatewayContract } from '../support/contracts/gateway.ts';
import {
  type CrdDefinition,
  type KubeEmulator,
  type KubeObject,
  startKubeEmulator,
} from '../support/kube-emulator/index.ts';
import { burstId } from '../support/records.ts';

const CRDS: CrdDefinition[] = [
  { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', plural: 'httproutes', versions: ['v1'] },
  { group: 'gateway.networking.k8s.io', kind: 'TCPRoute', plural: 'tcproutes', versions: ['v1alpha2'] },
  // Built into real clusters; the emulator serves it at the same path as a CRD.
  {
    group: 'discovery.k8s.io',
    kind: 'EndpointSlice',
    plural: 'endpointslices',
    versions: ['v1'],
    status: false,
  },
];
const NS = 'web';

/** The research infrastructure's own route: two rules to its Service `home`, one redirect-only rule. */
function httpRoute(name: string): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: NS, annotations: { 'team.example.org/owner': 'ri-ops' } },
    spec: {
      parentRefs: [{ name: 'ri-gateway', namespace: 'gateway-system' }],
      hostnames: ['portal.example.org'],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          backendRefs: [{ name: 'home', port: 80 }],
        },
        {
          matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
          backendRefs: [{ name: 'home', port: 80, weight: 3 }],
          timeouts: { request: '10s' },
        },
        {
          matches: [{ path: { type: 'PathPrefix', value: '/old' } }],
          filters: [
            {
              type: 'RequestRedirect',
              requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: '/' } },
            },
          ],
        },
      ],
    },
  };
}

function tcpRoute(name: string): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1alpha2',
    kind: 'TCPRoute',
    metadata: { name, namespace: NS },
    spec: {
      parentRefs: [{ name: 'ri-gateway', sectionName: 'postgres' }],
      rules: [{ backendRefs: [{ name: 'home-db', port: 5432 }] }],
    },
  };
}

const route = (kube: KubeEmulator, name: string, kind = 'HTTPRoute') =>
  kube.get({
    apiVersion: kind === 'HTTPRoute' ? 'gateway.networking.k8s.io/v1' : 'gateway.networking.k8s.io/v1alpha2',
    kind,
    namespace: NS,
    name,
  });
/** An object's spec, typed for one assertion. */
const specOf = <T>(object: KubeObject | undefined): Partial<T> => (object?.spec ?? {}) as Partial<T>;
type Ref = { name: string; port?: number; weight?: number };
const refsOf = (object: KubeObject | undefined): Ref[][] =>
  ((object?.spec as { rules?: { backendRefs?: Ref[] }[] } | undefined)?.rules ?? []).map(
    (r) => r.backendRefs ?? [],
  );
const service = (kube: KubeEmulator, name: string) =>
  kube.get({ apiVersion: 'v1', kind: 'Service', namespace: NS, name });
const slice = (kube: KubeEmulator, name: string) =>
  kube.get({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', namespace: NS, name });

function server(
  backend: string,
  overrides: { address?: string; port?: number; weight?: number; protocol?: 'http' | 'tcp' } = {},
) {
  const id = burstId();
  return {
    backend,
    server: `cb-${id.slice(2)}`,
    burstId: id,
    address: '203.0.113.7',
    port: 80,
    ...overrides,
  };
}

let kube: KubeEmulator;
beforeAll(async () => {
  kube = await startKubeEmulator({ name: 'home', namespaces: [NS], crds: CRDS });
});
afterAll(async () => {
  await kube?.stop();
});

runGatewayContract('gateway-api', async () => {
  const name = `contract-${burstId().slice(2)}`;
  kube.create(httpRoute(name));
  return {
    // Drained servers count as idle at once here; the drain period has its own test below.
    gateway: new GatewayApiGateway(
      kube.kubeConfig(),
      GatewayApiOptionsSchema.parse({ namespace: NS, drainMs: 0 }),
    ),
    backend: name,
    target: async () => ({ address: '203.0.113.9', port: 80 }),
    foreign: { backend: name, server: 'home' },
    forOwner: (owner) =>
      new GatewayApiGateway(kube.kubeConfig(), GatewayApiOptionsSchema.parse({ namespace: NS, drainMs: 0 }), {
        owner,
      }),
  };
});

describe('gateway-api driver on the Kubernetes emulator', () => {
  let now: Date;
  let gw: GatewayApiGateway;
  beforeEach(() => {
    now = new Date('2026-11-22T10:00:00Z');
    gw = new GatewayApiGateway(
      kube.kubeConfig(),
      GatewayApiOptionsSchema.parse({ namespace: NS, drainMs: 30_000 }),
      { now: () => now },
    );
  });

  it('adds a weight-0 backendRef to every rule with backends, and a Service with the address', async () => {
    kube.create(httpRoute('portal'));
    const before = route(kube, 'portal');
    const s = server('portal', { weight: 2 });
    await gw.add(s);
    await gw.add(s);

    expect(refsOf(route(kube, 'portal'))).toEqual([
      [
        { name: 'home', port: 80 },
        { name: s.server, port: 80, weight: 0 },
      ],
      [
        { name: 'home', port: 80, weight: 3 },
        { name: s.server, port: 80, weight: 0 },
      ],
      [],
    ]);
    const after = route(kube, 'portal');
    expect(after?.spec).toMatchObject({
      hostnames: ['portal.example.org'],
      parentRefs: specOf<{ parentRefs: unknown }>(before).parentRefs,
    });
    expect(specOf<{ rules: { timeouts?: unknown }[] }>(after).rules?.[1]?.timeouts).toEqual({
      request: '10s',
    });
    expect(after?.metadata.annotations?.['team.example.org/owner']).toBe('ri-ops');
    expect(service(kube, s.server)).toMatchObject({
      metadata: {
        labels: { 'app.kubernetes.io/managed-by': 'clusterburst', 'clusterburst.io/burst-id': s.burstId },
      },
      spec: { ports: [{ port: 80, targetPort: 80 }] },
    });
    expect(slice(kube, s.server)).toMatchObject({
      metadata: { labels: { 'kubernetes.io/service-name': s.server } },
      endpoints: [{ addresses: ['203.0.113.7'] }],
    });
    expect(await gw.listOwned({ burstId: s.burstId })).toEqual([
      {
        backend: 'portal',
        server: s.server,
        burstId: s.burstId,
        address: '203.0.113.7',
        port: 80,
        protocol: 'http',
        weight: 0,
        state: 'disabled',
        connections: 0,
      },
    ]);
  });

  it('gives the server its weight once enabled and 0 when drained, and counts the drain period as open', async () => {
    kube.create(httpRoute('shop'));
    const s = server('shop', { weight: 2 });
    await gw.add(s);
    await gw.enable(s);
    expect(
      refsOf(route(kube, 'shop'))
        .flat()
        .filter((r) => r.name === s.server)
        .map((r) => r.weight),
    ).toEqual([2, 2]);
    expect(await gw.connections(s)).toBe(1);

    await gw.drain(s);
    expect(
      refsOf(route(kube, 'shop'))
        .flat()
        .filter((r) => r.name === s.server)
        .map((r) => r.weight),
    ).toEqual([0, 0]);
    expect((await gw.listOwned({ burstId: s.burstId }))[0]).toMatchObject({ state: 'drain', connections: 1 });
    const refused = await gw.remove(s).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DriverError);
    expect(refused).toMatchObject({ retryable: true });

    now = new Date(now.getTime() + 30_000);
    expect(await gw.connections(s)).toBe(0);
    await gw.remove(s);
    await gw.remove(s);
    expect(refsOf(route(kube, 'shop'))).toEqual([
      [{ name: 'home', port: 80 }],
      [{ name: 'home', port: 80, weight: 3 }],
      [],
    ]);
    expect(route(kube, 'shop')?.metadata.annotations).toEqual({ 'team.example.org/owner': 'ri-ops' });
    expect(service(kube, s.server)).toBeUndefined();
    expect(slice(kube, s.server)).toBeUndefined();
  });

  it('cuts a server still carrying traffic when forced', async () => {
    kube.create(httpRoute('forced'));
    const s = server('forced');
    await gw.add(s);
    await gw.enable(s);
    await gw.remove(s, { force: true });
    expect(
      refsOf(route(kube, 'forced'))
        .flat()
        .map((r) => r.name),
    ).toEqual(['home', 'home']);
  });

  it('points a host name at an ExternalName Service, with no EndpointSlice', async () => {
    kube.create(httpRoute('named'));
    const s = server('named', { address: 'ingress.burst-1.clusters.example.org', port: 443 });
    await gw.add(s);
    expect(service(kube, s.server)?.spec).toMatchObject({
      type: 'ExternalName',
      externalName: 'ingress.burst-1.clusters.example.org',
    });
    expect(slice(kube, s.server)).toBeUndefined();
    expect((await gw.listOwned({ burstId: s.burstId }))[0]?.address).toBe(
      'ingress.burst-1.clusters.example.org',
    );
    await gw.remove(s);
    expect(service(kube, s.server)).toBeUndefined();
  });

  it('puts a TCP server on the TCPRoute', async () => {
    kube.create(tcpRoute('db'));
    const s = server('db', { port: 5432, protocol: 'tcp' });
    await gw.add(s);
    await gw.enable(s);
    expect(refsOf(route(kube, 'db', 'TCPRoute'))).toEqual([
      [
        { name: 'home-db', port: 5432 },
        { name: s.server, port: 5432, weight: 1 },
      ],
    ]);
    expect((await gw.listOwned({ burstId: s.burstId }))[0]).toMatchObject({
      protocol: 'tcp',
      state: 'ready',
    });
    await gw.remove(s, { force: true });
    expect(refsOf(route(kube, 'db', 'TCPRoute'))).toEqual([[{ name: 'home-db', port: 5432 }]]);
  });

  it('shares one Service between the routes of one burst and deletes it with the last reference', async () => {
    kube.create(httpRoute('front'));
    kube.create(httpRoute('back'));
    const s = server('front');
    const t = { ...s, backend: 'back', port: 8080 };
    await gw.add(s);
    await gw.add(t);
    expect(specOf<{ ports: { port: number }[] }>(service(kube, s.server)).ports?.map((p) => p.port)).toEqual([
      80, 8080,
    ]);
    expect(
      (slice(kube, s.server) as { ports?: { port: number }[] } | undefined)?.ports?.map((p) => p.port),
    ).toEqual([80, 8080]);
    await gw.remove(s);
    expect(service(kube, s.server)).toBeDefined();
    await gw.remove(t);
    expect(service(kube, s.server)).toBeUndefined();
  });

  it('never changes or deletes a Service named like ours that it did not create', async () => {
    kube.create(httpRoute('guarded'));
    const s = server('guarded');
    kube.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: s.server, namespace: NS },
      spec: { ports: [{ port: 9 }] },
    });
    await expect(gw.add(s)).rejects.toThrow(/not clusterburst's/);
    expect(
      refsOf(route(kube, 'guarded'))
        .flat()
        .map((r) => r.name),
    ).toEqual(['home', 'home']);
    await gw.remove(s, { force: true });
    expect(service(kube, s.server)).toBeDefined();
  });

  it('keeps every change when several writers update the same route at once', async () => {
    kube.create(httpRoute('busy'));
    const servers = Array.from({ length: 6 }, () => server('busy'));
    const writers = servers.map(
      () =>
        new GatewayApiGateway(
          kube.kubeConfig(),
          GatewayApiOptionsSchema.parse({ namespace: NS, maxAttempts: 50 }),
        ),
    );
    await Promise.all(servers.map((s, i) => writers[i]?.add(s)));
    const names = refsOf(route(kube, 'busy'))[0]?.map((r) => r.name) ?? [];
    expect(names.slice(1).sort()).toEqual(servers.map((s) => s.server).sort());
    expect(names[0]).toBe('home');
  });

  it('reports an API server failure as retryable and a missing route as not', async () => {
    kube.create(httpRoute('flaky'));
    const s = server('flaky');
    kube.faults.failNext(1, { method: 'PUT', path: /\/httproutes\/flaky$/ });
    await expect(gw.add(s)).rejects.toMatchObject({ retryable: true });
    await gw.add(s);
    expect(refsOf(route(kube, 'flaky'))[0]?.map((r) => r.name)).toEqual(['home', s.server]);
    await expect(gw.add(server('no-such-route'))).rejects.toMatchObject({
      retryable: false,
      message: expect.stringMatching(/not found/),
    });
  });
});
