/**
 * The `gateway-api` gateway driver: burst clusters as weighted backendRefs of the home cluster's
 * Kubernetes Gateway API routes (HTTPRoute for http, TCPRoute for tcp).
 *
 * Per burst cluster and namespace we own one Service named like the server (`cb-<tag>-<hex>`), labelled
 * `app.kubernetes.io/managed-by: clusterburst`: for an IP a Service without selector plus an
 * EndpointSlice holding the IP, for a host name an ExternalName Service. It lives in the route's
 * namespace, so no ReferenceGrant is needed. Every rule of the route that already sends to
 * backends gets one backendRef to it: weight 0 when added or draining (the Gateway API's "no
 * traffic"), the spec's weight (default 1) once enabled. A route annotation
 * `clusterburst.io/<server>` records what a weight of 0 cannot say (added or draining, since when).
 *
 * The Gateway API exposes no connection counts: `connections` is an estimate, 1 while the server
 * may carry traffic (enabled, or drained less than `drainMs` ago) and 0 otherwise, so a teardown
 * that does not force waits out the drain period.
 *
 * Ownership: only backendRefs to Services named with `cb-` in the route's namespace are changed;
 * a Service or EndpointSlice without our label is never updated or deleted. Route writes are
 * compare-and-swap on resourceVersion, retried on conflict, so concurrent edits are kept.
 */
import { isIP } from 'node:net';
import {
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  type KubeConfig,
  type V1EndpointSlice,
  type V1Service,
} from '@kubernetes/client-node';
import { z } from 'zod';
import { DriverError } from '../../errors.ts';
import { parseInput } from '../../schemas/parse.ts';
import { driverError, isKubeFailure } from '../store/kubernetes-errors.ts';
import {
  GATEWAY_SERVER_PREFIX,
  type GatewayDriver,
  type GatewayServerRef,
  type GatewayServerSpec,
  type GatewayServerStatus,
  ownedServerPrefix,
} from './gateway.ts';
import { GATEWAY_API_DEFAULTS, type GatewayApiOptions } from './gateway-api-options.ts';
import {
  ROUTE_KINDS,
  type Route,
  RouteSchema,
  type ServerState,
  serversOf,
  stateOf,
  withoutServer,
  withServer,
} from './gateway-api-route.ts';
import {
  addressOf,
  type BackendTarget,
  BURST_ID_LABEL,
  endpointSliceFor,
  isOurs,
  portsOf,
  serviceFor,
} from './gateway-api-service.ts';

const DRIVER = 'gateway-api';
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

const RefSchema = z.object({ backend: z.string().regex(DNS_SUBDOMAIN), server: z.string().regex(DNS_LABEL) });
const SpecSchema = RefSchema.extend({
  address: z.union([z.ipv4(), z.ipv6(), z.hostname()]),
  port: z.number().int().min(1).max(65535),
  burstId: z.string().min(1).max(63),
  protocol: z.enum(['http', 'tcp']).optional(),
  weight: z.number().int().min(0).max(1_000_000).optional(),
});

type Protocol = keyof typeof ROUTE_KINDS;

/**
 * The gateway driver for the Kubernetes Gateway API on the home cluster.
 * @example
 * const gw = new GatewayApiGateway(loadKubeConfig(options), options); // options: { namespace: 'web', … }
 * await gw.add({ backend: 'portal', server: 'cb-0a1b2c3d4e5f', burstId: 'b-0a1b2c3d4e5f', address: '203.0.113.7', port: 443 });
 */
export class GatewayApiGateway implements GatewayDriver {
  readonly name = DRIVER;
  readonly #custom: CustomObjectsApi;
  readonly #core: CoreV1Api;
  readonly #discovery: DiscoveryV1Api;
  readonly #options: GatewayApiOptions;
  readonly #now: () => Date;
  readonly #prefix: string;

  /** Given the installation (`deps.owner`), it lists and touches only that installation's servers. */
  constructor(
    kubeConfig: KubeConfig,
    options: GatewayApiOptions = GATEWAY_API_DEFAULTS,
    deps: { readonly now?: () => Date; readonly owner?: string } = {},
  ) {
    this.#options = options;
    this.#custom = kubeConfig.makeApiClient(CustomObjectsApi);
    this.#core = kubeConfig.makeApiClient(CoreV1Api);
    this.#discovery = kubeConfig.makeApiClient(DiscoveryV1Api);
    this.#now = deps.now ?? (() => new Date());
    this.#prefix = deps.owner === undefined ? GATEWAY_SERVER_PREFIX : ownedServerPrefix(deps.owner);
  }

  async listOwned(filter: { readonly burstId?: string } = {}): Promise<GatewayServerStatus[]> {
    const statuses: GatewayServerStatus[] = [];
    const services = new Map<string, Promise<[V1Service | undefined, V1EndpointSlice | undefined]>>();
    for (const protocol of ['http', 'tcp'] as const) {
      for (const route of await this.#listRoutes(protocol)) {
        for (const s of serversOf(route)) {
          if (!s.name.startsWith(this.#prefix)) continue;
          if (!services.has(s.name))
            services.set(s.name, Promise.all([this.#service(s.name), this.#slice(s.name)]));
          const [service, slice] = (await services.get(s.name)) ?? [undefined, undefined];
          const burstId = s.state?.burstId ?? service?.metadata?.labels?.[BURST_ID_LABEL] ?? '';
          statuses.push({
            backend: route.metadata.name,
            server: s.name,
            burstId,
            address: addressOf(service, slice),
            port: s.port ?? 0,
            protocol,
            weight: s.weight,
            state: s.state?.state ?? (s.weight > 0 ? 'ready' : 'disabled'),
            connections: this.#estimate(s.state, s.weight),
          });
        }
      }
    }
    return statuses.filter((s) => filter.burstId === undefined || s.burstId === filter.burstId);
  }

  async add(input: GatewayServerSpec): Promise<void> {
    assertOurs(input, this.#prefix);
    const spec = parseInput(SpecSchema, input, 'gateway server');
    const protocol = spec.protocol ?? 'http';
    await this.#ensureService({
      name: spec.server,
      namespace: this.#options.namespace,
      burstId: spec.burstId,
      address: spec.address,
      ports: [spec.port],
    });
    const updated = await this.#updateRoute(protocol, spec.backend, (route) => {
      const previous = stateOf(route, spec.server);
      // A repeated add keeps whatever enable or drain did since.
      const state: ServerState = previous ?? {
        burstId: spec.burstId,
        state: 'disabled',
        weight: spec.weight ?? 1,
        since: this.#now().toISOString(),
      };
      const next = withServer(
        route,
        { name: spec.server, port: spec.port, weight: liveWeight(state) },
        state,
      );
      if (!next)
        throw new DriverError(
          DRIVER,
          `${ROUTE_KINDS[protocol].kind} ${spec.backend} has no rule with backendRefs`,
        );
      return next;
    });
    if (!updated)
      throw new DriverError(DRIVER, `${ROUTE_KINDS[protocol].kind} ${this.#where(spec.backend)} not found`);
  }

  async enable(ref: GatewayServerRef): Promise<void> {
    const changed = await this.#setState(ref, 'ready');
    if (!changed)
      throw new DriverError(DRIVER, `${this.#where(ref.backend)}/${ref.server} does not exist: add it first`);
  }

  async drain(ref: GatewayServerRef): Promise<void> {
    // Nothing to drain when a retried teardown finds the server already gone.
    await this.#setState(ref, 'drain');
  }

  async connections(ref: GatewayServerRef): Promise<number> {
    assertOurs(ref, this.#prefix);
    parseInput(RefSchema, ref, 'gateway server');
    const found = await this.#findRoute(ref.backend);
    const server = found && serversOf(found.route).find((s) => s.name === ref.server);
    return server ? this.#estimate(server.state, server.weight) : 0;
  }

  async remove(ref: GatewayServerRef, options: { readonly force?: boolean } = {}): Promise<void> {
    const open = await this.connections(ref);
    if (open > 0 && !options.force) {
      throw new DriverError(
        DRIVER,
        `${this.#where(ref.backend)}/${ref.server} may still carry traffic; drain longer or force`,
        {
          retryable: true,
        },
      );
    }
    const found = await this.#findRoute(ref.backend);
    if (found) {
      await this.#updateRoute(found.protocol, ref.backend, (route) =>
        serversOf(route).some((s) => s.name === ref.server) ? withoutServer(route, ref.server) : undefined,
      );
    }
    await this.#deleteServiceIfUnused(ref.server);
  }

  /** Sets weight and annotation for a state; false when the route does not carry the server. */
  async #setState(ref: GatewayServerRef, state: 'ready' | 'drain'): Promise<boolean> {
    assertOurs(ref, this.#prefix);
    parseInput(RefSchema, ref, 'gateway server');
    const found = await this.#findRoute(ref.backend);
    if (!found) return false;
    let present = false;
    await this.#updateRoute(found.protocol, ref.backend, (route) => {
      const server = serversOf(route).find((s) => s.name === ref.server);
      present = server !== undefined;
      if (!server || server.state?.state === state) return undefined;
      const next: ServerState = {
        burstId: server.state?.burstId ?? '',
        weight: server.state?.weight ?? Math.max(server.weight, 1),
        state,
        since: this.#now().toISOString(),
      };
      return withServer(route, { name: server.name, port: server.port, weight: liveWeight(next) }, next);
    });
    return present;
  }

  #estimate(state: ServerState | undefined, weight: number): number {
    if (state?.state === 'drain') {
      const since = Date.parse(state.since);
      return this.#now().getTime() - since < this.#options.drainMs ? 1 : 0;
    }
    return (state?.state ?? (weight > 0 ? 'ready' : 'disabled')) === 'ready' ? 1 : 0;
  }

  /** Read-change-write with the resourceVersion as precondition; `change` returns undefined for "no change". */
  async #updateRoute(
    protocol: Protocol,
    name: string,
    change: (route: Route) => Route | undefined,
  ): Promise<Route | undefined> {
    const kind = ROUTE_KINDS[protocol];
    for (let attempt = 1; ; attempt++) {
      const route = await this.#getRoute(protocol, name);
      if (!route) return undefined;
      const next = change(route);
      if (!next) return route;
      try {
        const body = { apiVersion: `${kind.group}/${kind.version}`, kind: kind.kind, ...next };
        await this.#custom.replaceNamespacedCustomObject({ ...this.#path(kind), name, body });
        return next;
      } catch (error) {
        if (!isKubeFailure(error, 409) || attempt >= this.#options.maxAttempts) {
          throw driverError(DRIVER, `update ${kind.kind} ${this.#where(name)}`, error);
        }
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
      }
    }
  }

  async #findRoute(name: string): Promise<{ protocol: Protocol; route: Route } | undefined> {
    for (const protocol of ['http', 'tcp'] as const) {
      const route = await this.#getRoute(protocol, name);
      if (route) return { protocol, route };
    }
    return undefined;
  }

  async #getRoute(protocol: Protocol, name: string): Promise<Route | undefined> {
    const kind = ROUTE_KINDS[protocol];
    try {
      const raw: unknown = await this.#custom.getNamespacedCustomObject({ ...this.#path(kind), name });
      return parseRoute(raw, kind.kind);
    } catch (error) {
      if (isKubeFailure(error, 404)) return undefined;
      throw driverError(DRIVER, `get ${kind.kind} ${this.#where(name)}`, error);
    }
  }

  async #listRoutes(protocol: Protocol): Promise<Route[]> {
    const kind = ROUTE_KINDS[protocol];
    try {
      const list = (await this.#custom.listNamespacedCustomObject(this.#path(kind))) as { items?: unknown[] };
      return (list.items ?? []).map((item) => parseRoute(item, kind.kind));
    } catch (error) {
      // The CRD is not installed (TCPRoute often is not): no routes of that kind.
      if (isKubeFailure(error, 404)) return [];
      throw driverError(DRIVER, `list ${kind.plural}`, error);
    }
  }

  /** Creates our Service (and EndpointSlice) or widens its ports; refuses one that is not ours. */
  async #ensureService(target: BackendTarget): Promise<void> {
    const namespace = this.#options.namespace;
    for (let attempt = 1; ; attempt++) {
      try {
        const existing = await this.#service(target.name);
        let wanted = target;
        if (!existing) {
          await this.#core.createNamespacedService({ namespace, body: serviceFor(target) });
        } else {
          if (!isOurs(existing)) {
            throw new DriverError(
              DRIVER,
              `Service ${this.#where(target.name)} exists and is not clusterburst's`,
            );
          }
          const current = addressOf(existing, await this.#slice(target.name));
          if (current && current !== target.address) {
            throw new DriverError(DRIVER, `Service ${this.#where(target.name)} already points at ${current}`);
          }
          wanted = { ...target, ports: [...new Set([...portsOf(existing), ...target.ports])] };
          if (wanted.ports.length > portsOf(existing).length) {
            // Carries the resourceVersion read above: a concurrent change makes this a 409, retried.
            const body = { ...serviceFor(wanted), metadata: { ...existing.metadata } };
            await this.#core.replaceNamespacedService({ name: target.name, namespace, body });
          }
        }
        if (isIP(target.address)) await this.#ensureSlice(wanted);
        return;
      } catch (error) {
        if (error instanceof DriverError) throw error;
        if (!isKubeFailure(error, 409) || attempt >= this.#options.maxAttempts) {
          throw driverError(DRIVER, `write Service ${this.#where(target.name)}`, error);
        }
      }
    }
  }

  async #ensureSlice(target: BackendTarget): Promise<void> {
    const namespace = this.#options.namespace;
    const existing = await this.#slice(target.name);
    const body = endpointSliceFor(target);
    if (!existing) {
      await this.#discovery.createNamespacedEndpointSlice({ namespace, body });
      return;
    }
    if (!isOurs(existing))
      throw new DriverError(DRIVER, `EndpointSlice ${this.#where(target.name)} is not clusterburst's`);
    const portList = (slice: V1EndpointSlice) =>
      (slice.ports ?? []).map((p) => p.port ?? 0).sort((a, b) => a - b);
    const same = portList(existing).join() === portList(body).join();
    if (same && addressOf(undefined, existing) === target.address) return;
    await this.#discovery.replaceNamespacedEndpointSlice({
      name: target.name,
      namespace,
      body: { ...body, metadata: { ...existing.metadata, labels: body.metadata?.labels } },
    });
  }

  async #deleteServiceIfUnused(name: string): Promise<void> {
    for (const protocol of ['http', 'tcp'] as const) {
      for (const route of await this.#listRoutes(protocol)) {
        if (serversOf(route).some((s) => s.name === name)) return;
      }
    }
    const namespace = this.#options.namespace;
    const slice = await this.#slice(name);
    if (slice && isOurs(slice)) {
      await this.#discovery.deleteNamespacedEndpointSlice({ name, namespace }).catch((error: unknown) => {
        if (!isKubeFailure(error, 404))
          throw driverError(DRIVER, `delete EndpointSlice ${this.#where(name)}`, error);
      });
    }
    const service = await this.#service(name);
    if (service && isOurs(service)) {
      await this.#core.deleteNamespacedService({ name, namespace }).catch((error: unknown) => {
        if (!isKubeFailure(error, 404))
          throw driverError(DRIVER, `delete Service ${this.#where(name)}`, error);
      });
    }
  }

  async #service(name: string): Promise<V1Service | undefined> {
    try {
      return await this.#core.readNamespacedService({ name, namespace: this.#options.namespace });
    } catch (error) {
      if (isKubeFailure(error, 404)) return undefined;
      throw driverError(DRIVER, `read Service ${this.#where(name)}`, error);
    }
  }

  async #slice(name: string): Promise<V1EndpointSlice | undefined> {
    try {
      return await this.#discovery.readNamespacedEndpointSlice({ name, namespace: this.#options.namespace });
    } catch (error) {
      if (isKubeFailure(error, 404)) return undefined;
      throw driverError(DRIVER, `read EndpointSlice ${this.#where(name)}`, error);
    }
  }

  #path(kind: (typeof ROUTE_KINDS)[Protocol]) {
    return {
      group: kind.group,
      version: kind.version,
      namespace: this.#options.namespace,
      plural: kind.plural,
    };
  }

  #where(name: string): string {
    return `${this.#options.namespace}/${name}`;
  }
}

/** Weight a server in `state` gets on the route: only an enabled one takes traffic. */
function liveWeight(state: ServerState): number {
  return state.state === 'ready' ? state.weight : 0;
}

function parseRoute(raw: unknown, kind: string): Route {
  const parsed = RouteSchema.safeParse(raw);
  if (!parsed.success)
    throw new DriverError(DRIVER, `unexpected ${kind} shape: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

function assertOurs(ref: GatewayServerRef, prefix: string): void {
  if (!ref.server.startsWith(prefix)) {
    throw new DriverError(
      DRIVER,
      `refusing to touch ${ref.backend}/${ref.server}: not a clusterburst server of this installation`,
    );
  }
}
