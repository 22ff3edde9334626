/**
 * Facades that stand in for a configured driver and build it on their first method call, so a
 * function instance only constructs what it touches (provision never builds the DNS, gateway or
 * load driver) and a bad option of one driver fails only the calls that need it. `name` is the
 * configured name, known without building anything.
 */

import { clusterCaOf } from '../core/cluster-ca.ts';
import type { DnsDriver } from '../drivers/dns/dns.ts';
import type { FederationDriver } from '../drivers/federation/federation.ts';
import type { GatewayDriver } from '../drivers/gateway/gateway.ts';
import type { LoadDriver } from '../drivers/load/load.ts';
import type { ProviderDriver } from '../drivers/provider/provider.ts';
import { LazyDriver } from './lazy-driver.ts';

/** What every driver interface has besides its methods. */
interface Driver {
  readonly name: string;
  close?(): Promise<void>;
}

/** The names of T's methods but `close` (which the facade answers itself). */
type Methods<T> = Exclude<
  { [K in keyof T]-?: NonNullable<T[K]> extends (...args: never[]) => unknown ? K : never }[keyof T],
  'close'
>;

/** Compiles only when `M` names every method of T: a method added to an interface must be listed. */
type Every<T, M extends readonly Methods<T>[]> = [Exclude<Methods<T>, M[number]>] extends [never]
  ? M
  : { readonly missing: Exclude<Methods<T>, M[number]> };

/**
 * A T whose listed methods build the driver on first call and then call it; `own` methods take
 * precedence and receive the built driver first (for an optional method with a fallback).
 */
function lazyFacade<T extends Driver, const M extends readonly Methods<T>[]>(
  capability: string,
  name: string,
  build: () => Promise<T>,
  methods: Every<T, M>,
  own: Partial<Record<M[number], (driver: T, ...args: never[]) => Promise<unknown>>> = {},
): T {
  const driver = new LazyDriver(`${capability} ${name}`, build);
  const facade: Record<string, unknown> = { name, close: () => driver.close() };
  type Call = (driver: T, ...args: unknown[]) => Promise<unknown>;
  type Method = (...args: unknown[]) => Promise<unknown>;
  for (const method of methods as readonly string[]) {
    const call: Call =
      (own as Record<string, Call>)[method] ??
      ((built, ...args) => (built as unknown as Record<string, Method>)[method]!(...args));
    facade[method] = async (...args: unknown[]) => call(await driver.get(), ...args);
  }
  return facade as unknown as T;
}

/** A provider driver built on its first call; `name` is the provider's configured name. */
export function lazyProvider(name: string, build: () => Promise<ProviderDriver>): ProviderDriver {
  const methods = ['create', 'describe', 'delete', 'credentials', 'clusterCa', 'resize', 'list'] as const;
  // clusterCa is optional on a driver: the facade always has it, falling back to the credentials.
  return lazyFacade('provider', name, build, methods, {
    clusterCa: (provider: ProviderDriver, cluster: string) => clusterCaOf(provider, cluster),
  });
}

/** A federation driver built on its first call. */
export function lazyFederation(
  name: string,
  build: () => Promise<FederationDriver>,
  inClusterRouting = false,
): FederationDriver {
  const membership = ['join', 'status', 'cordon', 'uncordon', 'evict', 'leave', 'list'] as const;
  const methods = [...membership, 'place', 'serviceStatus', 'unplace', 'labels'] as const;
  // A property, not a call: the route step reads it before the driver is built, so the
  // configuration says it (build-drivers.ts inClusterRouting).
  return Object.assign(lazyFacade('federation', name, build, methods), { inClusterRouting });
}

/** A DNS driver built on its first call. */
export function lazyDns(name: string, build: () => Promise<DnsDriver>): DnsDriver {
  return lazyFacade('dns', name, build, ['listOwned', 'apply'] as const);
}

/** A gateway driver built on its first call. */
export function lazyGateway(name: string, build: () => Promise<GatewayDriver>): GatewayDriver {
  const methods = ['listOwned', 'add', 'enable', 'drain', 'connections', 'remove'] as const;
  return lazyFacade('gateway', name, build, methods);
}

/** A load driver built on its first call. */
export function lazyLoad(name: string, build: () => Promise<LoadDriver>): LoadDriver {
  // demand is optional on a driver: the facade always has it, answering undefined without one.
  return lazyFacade('load', name, build, ['observe', 'demand'] as const, {
    demand: (load: LoadDriver, now: Date) => load.demand?.(now) ?? Promise.resolve(undefined),
  });
}
