/**
 * The `liqo` driver on emulators: a home cluster and burst clusters, each with Liqo's CRDs and
 * installation (cluster id, keys), the Liqo emulation between them, the garbage collector, and a
 * recording proxy in front of each API server that keeps every write the driver sends to a Liqo
 * resource, so tests can check it against the upstream schema (nothing rejected, nothing pruned).
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LiqoFederation } from '../../shared/drivers/federation/liqo.ts';
import { type LiqoOptionsInput, LiqoOptionsSchema } from '../../shared/drivers/federation/liqo-options.ts';
import type { ClusterCredentials } from '../../shared/drivers/provider/provider.ts';
import { type KubeEmulator, startKubeEmulator } from './kube-emulator/index.ts';
import { startGarbageCollector } from './kube-gc.ts';
import { burstIdOf, type NamedObject, settledLeftovers } from './kube-leftovers.ts';
import {
  installLiqo,
  type LiqoController,
  type LiqoControllerOptions,
  startLiqoController,
} from './liqo-controller.ts';
import { installLiqoCrds, LIQO_CRDS, liqoWriteProblems } from './liqo-crds.ts';

/** A write the driver sent to a Liqo resource. */
export interface LiqoWrite {
  readonly method: string;
  readonly path: string;
  readonly body: Record<string, unknown>;
}

/** Starts a proxy to `target` recording writes to `*.liqo.io` resources; returns its URL. */
async function recordingProxy(
  target: string,
  writes: LiqoWrite[],
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? '/';
      if (['POST', 'PUT', 'PATCH'].includes(req.method ?? '') && /^\/apis\/[a-z]+\.liqo\.io\//.test(path)) {
        try {
          writes.push({
            method: req.method ?? '',
            path,
            body: JSON.parse(body.toString('utf8')) as Record<string, unknown>,
          });
        } catch {
          // not JSON: the API server answers it
        }
      }
      const upstream = request(
        new URL(path, target),
        { method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => {
        res.destroy();
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The kind a write's path names (merge patches carry no kind). */
function kindOfPath(path: string): { apiVersion: string; kind: string } | undefined {
  const m = /^\/apis\/([^/]+)\/([^/]+)\/(?:namespaces\/[^/]+\/)?([^/?]+)/.exec(path);
  const crd = LIQO_CRDS.find((c) => {
    const spec = c.spec as { group: string; names: { plural: string } };
    return spec.group === m?.[1] && spec.names.plural === m?.[3];
  });
  return m && crd
    ? { apiVersion: `${m[1]}/${m[2]}`, kind: (crd.spec as { names: { kind: string } }).names.kind }
    : undefined;
}

/** Every schema problem in the recorded writes (empty when all passed whole). */
export function writeProblems(writes: readonly LiqoWrite[]): string[] {
  return writes.flatMap((w) => {
    const kind = kindOfPath(w.path);
    if (!kind) return [`${w.method} ${w.path}: not a Liqo resource`];
    const body = { ...kind, ...w.body };
    return liqoWriteProblems(body, w.method === 'PATCH').map((p) => `${w.method} ${w.path}: ${p}`);
  });
}

/** The Liqo driver on emulators. */
export interface LiqoSetup {
  readonly home: KubeEmulator;
  /** Kubeconfig of the home cluster through its recording proxy (for a driver built from configuration). */
  readonly homeKubeconfig: string;
  readonly federation: LiqoFederation;
  readonly members: KubeEmulator[];
  readonly controllers: LiqoController[];
  /** Every write to a Liqo resource, on any cluster. */
  readonly writes: LiqoWrite[];
  member(): Promise<{ credentials: ClusterCredentials; emulator: KubeEmulator }>;
  leftovers(name: string, timeoutMs?: number): Promise<string[]>;
  stop(): Promise<void>;
}

/** Starts a home cluster with Liqo and the driver (`owner` is the installation id it is built with). */
export async function startLiqoSetup(
  options: Partial<LiqoOptionsInput> = {},
  controller: LiqoControllerOptions = {},
  owner?: string,
): Promise<LiqoSetup> {
  const writes: LiqoWrite[] = [];
  const home = await startKubeEmulator({ name: 'home' });
  installLiqoCrds(home);
  installLiqo(home, 'home-cluster');
  const stops: (() => void | Promise<void>)[] = [startGarbageCollector(home)];
  const homeProxy = await recordingProxy(home.url, writes);
  stops.push(homeProxy.close);
  const federation = new LiqoFederation(
    LiqoOptionsSchema.parse({
      kubeconfig: home.kubeconfig.replace(home.url, homeProxy.url),
      handshakeTimeoutSeconds: 5,
      ...options,
    }),
    undefined,
    owner,
  );
  const members: KubeEmulator[] = [];
  const controllers: LiqoController[] = [];
  const burstIds: string[] = [];
  return {
    home,
    homeKubeconfig: home.kubeconfig.replace(home.url, homeProxy.url),
    federation,
    members,
    controllers,
    writes,
    async member() {
      const n = members.length + 1;
      const emulator = await startKubeEmulator({ name: `burst-${n}` });
      installLiqoCrds(emulator);
      installLiqo(emulator, `burst-cluster-${n}`);
      for (let i = 0; i < 3; i++)
        emulator.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: `node-${i}` }, spec: {} });
      stops.push(startGarbageCollector(emulator));
      const proxy = await recordingProxy(emulator.url, writes);
      stops.push(proxy.close);
      const c = startLiqoController(
        { emulator: home, clusterId: 'home-cluster' },
        { emulator, clusterId: `burst-cluster-${n}` },
        controller,
      );
      controllers.push(c);
      stops.push(() => c.stop());
      members.push(emulator);
      burstIds.push(`burst-cluster-${n}`);
      return { emulator, credentials: { endpoint: proxy.url, token: emulator.token } };
    },
    leftovers: (name, timeoutMs) =>
      settledLeftovers(
        [home, ...members],
        burstIdOf(name),
        (e) => named(e === home, name, burstIds),
        timeoutMs,
      ),
    async stop() {
      for (const s of stops.reverse()) await s();
      await Promise.all([home, ...members].map((e) => e.stop()));
    },
  };
}

/** Everything of a peering, by name, whichever burst cluster it was (names use cluster ids). */
function named(isHome: boolean, name: string, burstIds: readonly string[]): NamedObject[] {
  const auth = 'authentication.liqo.io/v1beta1';
  if (!isHome)
    return [
      { apiVersion: 'v1', kind: 'Namespace', name: 'liqo-tenant-home-cluster' },
      { apiVersion: auth, kind: 'Tenant', namespace: 'liqo-tenant-home-cluster', name: 'home-cluster' },
      { apiVersion: 'v1', kind: 'Namespace', name: 'clusterburst-liqo' },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: `clusterburst-liqo:${name}` },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        name: `clusterburst-liqo:${name}`,
      },
    ];
  return [
    { apiVersion: 'v1', kind: 'Secret', namespace: 'clusterburst-liqo', name },
    { apiVersion: 'v1', kind: 'Node', name },
    ...burstIds.flatMap((id): NamedObject[] => [
      { apiVersion: 'core.liqo.io/v1beta1', kind: 'ForeignCluster', name: id },
      { apiVersion: 'v1', kind: 'Namespace', name: `liqo-tenant-${id}` },
      { apiVersion: auth, kind: 'ResourceSlice', namespace: `liqo-tenant-${id}`, name },
      { apiVersion: 'offloading.liqo.io/v1beta1', kind: 'VirtualNode', namespace: `liqo-tenant-${id}`, name },
    ]),
  ];
}
