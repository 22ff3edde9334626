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
import {
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  type KubeConfig,
  type V1EndpointSlice,
  type V1Service,
} from '@kubernetes/client-node';
import { z } from 'zod';
import { BURST_ID_LABEL, GATEWAY_SERVER_PREFIX, ownedServerPrefix } from '../../domain/names.ts';
import { DriverError } from '../../errors.ts';
import { parseInput } from '../../schemas/parse.ts';
import type { GatewayDriver, GatewayServerRef, GatewayServerSpec, GatewayServerStatus } from './gateway.ts';
import { GATEWAY_API_DEFAULTS, type GatewayApiOptions } from './gateway-api-options.ts';
import {
  ROUTE_KINDS,
  type ServerState,
  serversOf,
  stateOf,
  withoutServer,
  withServer,
} from './gateway-api-route.ts';
import { GatewayRoutes } from './gateway-api-routes.ts';
import { addressOf } from './gateway-api-service.ts';
import { BackendServices } from './gateway-api-services.ts';
import { serverSchemas } from './server-schemas.ts';

const DRIVER = 'gateway-api';
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

const { ref: RefSchema, spec: SpecSchema } = serverSchemas({
  backend: z.string().regex(DNS_SUBDOMAIN),
  server: z.string().regex(DNS_LABEL),
  burstId: z.string().min(1).max(63),
  maxWeight: 1_000_000,
});

/**
 * The gateway driver for the Kubernetes Gateway API on the home cluster.
 * @example
 * const gw = new GatewayApiGateway(loadKubeConfig(options), options); // options: { namespace: 'web', … }
 * await gw.add({ backend: 'portal', server: 'cb-0a1b2c3d4e5f', burstId: 'b-0a1b2c3d4e5f', address: '203.0.113.7', port: 443 });
 */
export class GatewayApiGateway implements GatewayDriver {
  readonly name = DRIVER;
  readonly #routes: GatewayRoutes;
  readonly #services: BackendServices;
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
    const { namespace, maxAttempts } = this.#options;
    this.#routes = new GatewayRoutes(kubeConfig.makeApiClient(CustomObjectsApi), namespace, maxAttempts);
    this.#services = new BackendServices(
      kubeConfig.makeApiClient(CoreV1Api),
      kubeConfig.makeApiClient(DiscoveryV1Api),
      namespace,
      maxAttempts,
    );
    this.#now = deps.now ?? (() => new Date());
    this.#prefix = deps.owner === undefined ? GATEWAY_SERVER_PREFIX : ownedServerPrefix(deps.owner);
  }

  async listOwned(filter: { readonly burstId?: string } = {}): Promise<GatewayServerStatus[]> {
    const statuses: GatewayServerStatus[] = [];
    const services = new Map<string, Promise<[V1Service | undefined, V1EndpointSlice | undefined]>>();
    for (const protocol of ['http', 'tcp'] as const) {
      for (const route of await this.#routes.list(protocol)) {
        for (const s of serversOf(route)) {
          if (!s.name.startsWith(this.#prefix)) continue;
          if (!services.has(s.name))
            services.set(s.name, Promise.all([this.#services.service(s.name), this.#services.slice(s.name)]));
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
    await this.#services.ensure({
      name: spec.server,
      namespace: this.#options.namespace,
      burstId: spec.burstId,
      address: spec.address,
      ports: [spec.port],
    });
    const updated = await this.#routes.update(protocol, spec.backend, (route) => {
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
    const found = await this.#routes.find(ref.backend);
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
    const found = await this.#routes.find(ref.backend);
    if (found) {
      await this.#routes.update(found.protocol, ref.backend, (route) =>
        serversOf(route).some((s) => s.name === ref.server) ? withoutServer(route, ref.server) : undefined,
      );
    }
    await this.#deleteServiceIfUnused(ref.server);
  }

  /** Sets weight and annotation for a state; false when the route does not carry the server. */
  async #setState(ref: GatewayServerRef, state: 'ready' | 'drain'): Promise<boolean> {
    assertOurs(ref, this.#prefix);
    parseInput(RefSchema, ref, 'gateway server');
    const found = await this.#routes.find(ref.backend);
    if (!found) return false;
    let present = false;
    await this.#routes.update(found.protocol, ref.backend, (route) => {
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

  /** Deletes our Service of a server once no route sends to it any more. */
  async #deleteServiceIfUnused(name: string): Promise<void> {
    for (const protocol of ['http', 'tcp'] as const) {
      for (const route of await this.#routes.list(protocol)) {
        if (serversOf(route).some((s) => s.name === name)) return;
      }
    }
    await this.#services.deleteOurs(name);
  }

  #where(name: string): string {
    return `${this.#options.namespace}/${name}`;
  }
}

/** Weight a server in `state` gets on the route: only an enabled one takes traffic. */
function liveWeight(state: ServerState): number {
  return state.state === 'ready' ? state.weight : 0;
}

function assertOurs(ref: GatewayServerRef, prefix: string): void {
  if (!ref.server.startsWith(prefix)) {
    throw new DriverError(
      DRIVER,
      `refusing to touch ${ref.backend}/${ref.server}: not a clusterburst server of this installation`,
    );
  }
}
