import type { Config } from '../config/config-schema.ts';
import type { DataTransfer, ProviderOffer } from '../domain/place.ts';
import type { Policy } from '../domain/policy.ts';
import type { ServiceSpec } from '../domain/services.ts';
import type { EventBus } from '../drivers/bus/bus.ts';
import type { DnsDriver } from '../drivers/dns/dns.ts';
import type { FederationDriver } from '../drivers/federation/federation.ts';
import type { GatewayDriver } from '../drivers/gateway/gateway.ts';
import type { LoadDriver } from '../drivers/load/load.ts';
import type { ProviderDriver } from '../drivers/provider/provider.ts';
import type { BurstStore } from '../drivers/store/store.ts';
import type { OutboxRelay } from './outbox-relay.ts';
import type { Logger, Metrics } from './telemetry.ts';

/** Everything a core operation may use, built once per process (cold start). */
export interface Deps {
  readonly config: Config;
  /** Installation id, the owner of everything we create. */
  readonly owner: string;
  readonly policy: Policy;
  readonly offers: readonly ProviderOffer[];
  /** The services' data transfer (runtime/data-transfer.ts): every placement prices it in. */
  readonly transfer?: DataTransfer;
  readonly store: BurstStore;
  readonly providers: ReadonlyMap<string, ProviderDriver>;
  readonly federation: FederationDriver;
  readonly dns: DnsDriver;
  readonly gateway: GatewayDriver;
  readonly load: LoadDriver;
  readonly bus: EventBus;
  readonly relay: OutboxRelay;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now: () => Date;
  /**
   * Whether a service passes its health check through its ingress on a burst cluster (HTTP with
   * its Host header and health path, or TCP connect). Never the cluster's API endpoint.
   */
  readonly probe: (
    service: ServiceSpec,
    ingress: { readonly host: string; readonly port: number },
  ) => Promise<boolean>;
  /**
   * Aborts shortly before the invocation's deadline (Lambda's remaining time, Cloud Functions'
   * timeout); absent locally. Retry loops stop on it, so a step fails retryably in time.
   */
  readonly signal?: AbortSignal;
  /** Called at named points between side effects; the crash tests kill the process there. */
  readonly checkpoint: (name: string) => void;
}
