/**
 * Reading and writing the home cluster's HTTPRoutes and TCPRoutes for the `gateway-api` driver.
 * Writes are compare-and-swap on resourceVersion (a replace carrying the one read), retried with
 * backoff on 409 so a concurrent edit by someone else is kept, never overwritten.
 */
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { DriverError } from '../../errors.ts';
import { retry } from '../../retry.ts';
import { driverError, isKubeFailure } from '../kube/errors.ts';
import { ROUTE_KINDS, type Route, RouteSchema } from './gateway-api-route.ts';

/** The route kinds the driver works with: http (HTTPRoute) and tcp (TCPRoute). */
export type Protocol = keyof typeof ROUTE_KINDS;

const DRIVER = 'gateway-api';

/** The routes of one namespace. */
export class GatewayRoutes {
  constructor(
    readonly custom: CustomObjectsApi,
    readonly namespace: string,
    /** Tries of a route write that keeps conflicting. */
    readonly maxAttempts: number,
  ) {}

  /** Read-change-write with the resourceVersion as precondition; `change` returns undefined for "no change". */
  async update(
    protocol: Protocol,
    name: string,
    change: (route: Route) => Route | undefined,
  ): Promise<Route | undefined> {
    const kind = ROUTE_KINDS[protocol];
    try {
      return await retry(
        async () => {
          const route = await this.get(protocol, name);
          if (!route) return undefined;
          const next = change(route);
          if (!next) return route;
          const body = { apiVersion: `${kind.group}/${kind.version}`, kind: kind.kind, ...next };
          await this.custom.replaceNamespacedCustomObject({ ...this.#path(protocol), name, body });
          return next;
        },
        { attempts: this.maxAttempts, baseMs: 20, maxMs: 500, retryIf: (e) => isKubeFailure(e, 409) },
      );
    } catch (error) {
      if (error instanceof DriverError) throw error;
      throw driverError(DRIVER, `update ${kind.kind} ${this.where(name)}`, error);
    }
  }

  /** The route named `name`, HTTPRoute first, with its protocol. */
  async find(name: string): Promise<{ protocol: Protocol; route: Route } | undefined> {
    for (const protocol of ['http', 'tcp'] as const) {
      const route = await this.get(protocol, name);
      if (route) return { protocol, route };
    }
    return undefined;
  }

  async get(protocol: Protocol, name: string): Promise<Route | undefined> {
    const kind = ROUTE_KINDS[protocol];
    try {
      const raw: unknown = await this.custom.getNamespacedCustomObject({ ...this.#path(protocol), name });
      return parseRoute(raw, kind.kind);
    } catch (error) {
      if (isKubeFailure(error, 404)) return undefined;
      throw driverError(DRIVER, `get ${kind.kind} ${this.where(name)}`, error);
    }
  }

  async list(protocol: Protocol): Promise<Route[]> {
    const kind = ROUTE_KINDS[protocol];
    try {
      const list = (await this.custom.listNamespacedCustomObject(this.#path(protocol))) as {
        items?: unknown[];
      };
      return (list.items ?? []).map((item) => parseRoute(item, kind.kind));
    } catch (error) {
      // The CRD is not installed (TCPRoute often is not): no routes of that kind.
      if (isKubeFailure(error, 404)) return [];
      throw driverError(DRIVER, `list ${kind.plural}`, error);
    }
  }

  /** `namespace/name`, for messages. */
  where(name: string): string {
    return `${this.namespace}/${name}`;
  }

  #path(protocol: Protocol) {
    const kind = ROUTE_KINDS[protocol];
    return { group: kind.group, version: kind.version, namespace: this.namespace, plural: kind.plural };
  }
}

function parseRoute(raw: unknown, kind: string): Route {
  const parsed = RouteSchema.safeParse(raw);
  if (!parsed.success)
    throw new DriverError(DRIVER, `unexpected ${kind} shape: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}
