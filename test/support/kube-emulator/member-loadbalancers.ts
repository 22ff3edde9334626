/**
 * The cloud provider's service controller of a member cluster: every Service of
 * `type: LoadBalancer` gets a load balancer, here a listener on its own loopback address
 * (127.x.y.z, never the API server's), on each of the Service's ports, and that address in
 * `status.loadBalancer.ingress[].ip`. The listener is the data plane: it answers HTTP with the
 * service, namespace and cluster name, 503 while no workload the Service selects has a ready
 * replica, and accepts plain TCP connections. Deleting the Service, or changing its type, takes
 * the load balancer away.
 *
 * Upstream: https://kubernetes.io/docs/concepts/services-networking/service/#loadbalancer
 * ("the actual creation of the load balancer happens asynchronously, and information about the
 * provisioned balancer is published in the Service's .status.loadBalancer field"; a Service
 * with `spec.loadBalancerClass` is left to that class's controller).
 */
import { randomInt } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { KubeObject, ObjectStore } from './storage.ts';

type Json = Record<string, unknown>;

/** One load balancer: its address and a listener per Service port. */
interface Balancer {
  readonly address: string;
  readonly ports: string;
  readonly servers: Server[];
}

/** A running load-balancer controller. */
export interface LoadBalancerController {
  /** The address of a Service's load balancer, once it listens. */
  addressOf(namespace: string, name: string): string | undefined;
  /** Allocation failures (a port nobody may bind), by `namespace/name`. */
  readonly failures: ReadonlyMap<string, string>;
  stop(): Promise<void>;
}

const asRecord = (v: unknown): Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};

function servicePorts(service: KubeObject): number[] {
  const ports = (asRecord(service.spec).ports as Json[] | undefined) ?? [];
  return ports
    .filter((p) => (p.protocol ?? 'TCP') === 'TCP' && typeof p.port === 'number')
    .map((p) => p.port as number);
}

function wantsBalancer(service: KubeObject): boolean {
  const spec = asRecord(service.spec);
  return (
    spec.type === 'LoadBalancer' &&
    spec.loadBalancerClass === undefined &&
    !service.metadata.deletionTimestamp
  );
}

/** A random loopback address other than 127.0.0.1 (all of 127/8 is loopback on Linux). */
function randomLoopback(): string {
  return `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
}

async function listenAll(
  address: string,
  ports: readonly number[],
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<Server[]> {
  const servers: Server[] = [];
  try {
    for (const port of ports) {
      const server = createServer(handler);
      servers.push(server);
      server.listen(port, address);
      await Promise.race([once(server, 'listening'), once(server, 'error').then(([e]) => Promise.reject(e))]);
    }
    return servers;
  } catch (error) {
    await closeAll(servers);
    throw error;
  }
}

async function closeAll(servers: readonly Server[]): Promise<void> {
  await Promise.all(
    servers.map(async (server) => {
      if (!server.listening) return;
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closed;
    }),
  );
}

/** Whether the selector's pairs are all among the labels (an empty selector selects nothing here). */
function selects(selector: Json, labels: Json): boolean {
  const pairs = Object.entries(selector);
  return pairs.length > 0 && pairs.every(([k, v]) => labels[k] === v);
}

/** Ready replicas of the Deployments and StatefulSets whose pod template the Service selects. */
export function readyBehind(store: ObjectStore, service: KubeObject): number {
  const selector = asRecord(asRecord(service.spec).selector);
  let ready = 0;
  for (const o of store.all()) {
    if (o.apiVersion !== 'apps/v1' || (o.kind !== 'Deployment' && o.kind !== 'StatefulSet')) continue;
    if (o.metadata.namespace !== service.metadata.namespace) continue;
    const template = asRecord(asRecord(asRecord(o.spec).template).metadata).labels;
    if (!selects(selector, asRecord(template))) continue;
    const r = asRecord(o.status).readyReplicas;
    ready += typeof r === 'number' ? r : 0;
  }
  return ready;
}

/**
 * Starts the controller on `store` for the cluster named `clusterName`. `addresses` picks the
 * loopback address of each new load balancer (tests may pin it); when binding fails because the
 * address is taken, it tries other addresses, then 127.0.0.1 (where only 127.0.0.1 exists).
 */
export function startLoadBalancerController(
  store: ObjectStore,
  options: { readonly clusterName: string; readonly addresses?: () => string },
): LoadBalancerController {
  const balancers = new Map<string, Balancer>();
  const failures = new Map<string, string>();
  const chains = new Map<string, Promise<void>>();
  const services = store.registry.lookup('', 'v1', 'services')!;
  const pick = options.addresses ?? randomLoopback;
  let stopped = false;

  const serve = (namespace: string, name: string) => (req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    const service = store.find(services, namespace, name);
    const ready = service ? readyBehind(store, service) : 0;
    const body = {
      service: name,
      namespace,
      cluster: options.clusterName,
      ...(ready === 0 ? { error: 'no ready endpoints' } : { readyReplicas: ready }),
    };
    const text = JSON.stringify(body);
    res.writeHead(ready === 0 ? 503 : 200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'x-cluster': options.clusterName,
      'x-service': `${namespace}/${name}`,
    });
    res.end(text);
  };

  const open = async (namespace: string, name: string, ports: readonly number[]): Promise<Balancer> => {
    const handler = serve(namespace, name);
    let lastError: unknown;
    for (let attempt = 0; attempt < 8; attempt++) {
      const address = attempt < 7 ? pick() : '127.0.0.1';
      try {
        return { address, ports: ports.join(','), servers: await listenAll(address, ports, handler) };
      } catch (error) {
        lastError = error;
        const code = (error as NodeJS.ErrnoException).code;
        // Taken, or a system without all of 127/8 (EADDRNOTAVAIL): another address may do.
        if (code !== 'EADDRINUSE' && code !== 'EADDRNOTAVAIL') break;
      }
    }
    throw lastError;
  };

  const writeIngress = (namespace: string, name: string, uid: string, ip: string | undefined) => {
    const current = store.find(services, namespace, name);
    if (!current || current.metadata.uid !== uid) return;
    const status = { ...asRecord(current.status) };
    const loadBalancer = ip ? { ingress: [{ ip, ipMode: 'VIP' }] } : {};
    if (JSON.stringify(status.loadBalancer ?? {}) === JSON.stringify(loadBalancer)) return;
    status.loadBalancer = loadBalancer;
    try {
      store.update(services, namespace, name, { ...current, status }, { subresource: 'status' });
    } catch {
      // Raced with another writer; its event reconciles again.
    }
  };

  const reconcile = async (namespace: string, name: string): Promise<void> => {
    const key = `${namespace}/${name}`;
    const service = store.find(services, namespace, name);
    const existing = balancers.get(key);
    const wanted = service && wantsBalancer(service) && !stopped ? servicePorts(service) : undefined;
    if (existing && (wanted === undefined || existing.ports !== wanted.join(','))) {
      balancers.delete(key);
      await closeAll(existing.servers);
      if (service && wanted === undefined)
        writeIngress(namespace, name, service.metadata.uid ?? '', undefined);
    }
    if (!service || wanted === undefined || wanted.length === 0 || balancers.has(key)) {
      if (service && balancers.has(key))
        writeIngress(namespace, name, service.metadata.uid ?? '', balancers.get(key)!.address);
      return;
    }
    try {
      const balancer = await open(namespace, name, wanted);
      if (stopped) {
        await closeAll(balancer.servers);
        return;
      }
      balancers.set(key, balancer);
      failures.delete(key);
      writeIngress(namespace, name, service.metadata.uid ?? '', balancer.address);
    } catch (error) {
      // A cloud load balancer that cannot be built stays pending: no ingress, an error to read.
      failures.set(key, (error as Error).message);
    }
  };

  /** One reconcile at a time per Service, so two events never build two balancers. */
  const enqueue = (namespace: string, name: string) => {
    const key = `${namespace}/${name}`;
    const next = (chains.get(key) ?? Promise.resolve()).then(() => reconcile(namespace, name));
    chains.set(key, next);
    void next.finally(() => {
      if (chains.get(key) === next) chains.delete(key);
    });
  };

  const unsubscribe = store.onChange((event) => {
    if (event.resource.group !== '' || event.resource.plural !== 'services') return;
    enqueue(event.object.metadata.namespace ?? '', event.object.metadata.name ?? '');
  });
  for (const s of store.list(services).items) enqueue(s.metadata.namespace ?? '', s.metadata.name ?? '');

  return {
    addressOf: (namespace, name) => balancers.get(`${namespace}/${name}`)?.address,
    failures,
    stop: async () => {
      stopped = true;
      unsubscribe();
      await Promise.allSettled([...chains.values()]);
      const all = [...balancers.values()];
      balancers.clear();
      await Promise.all(all.map((b) => closeAll(b.servers)));
    },
  };
}
