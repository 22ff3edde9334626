import { type Config, PROVIDER_DEADLINE_SECONDS } from '../config/config-schema.ts';
import type { Deps } from '../core/deps.ts';
import { OutboxRelay } from '../core/outbox-relay.ts';
import type { ProviderOffer } from '../domain/place.ts';
import {
  createBus,
  createDns,
  createFederation,
  createGateway,
  createLoad,
  createProvider,
  createStore,
  inClusterRouting,
} from './build-drivers.ts';
import { dataTransferOf } from './data-transfer.ts';
import { lazyDns, lazyFederation, lazyGateway, lazyLoad, lazyProvider } from './lazy-drivers.ts';
import { createLogger, type Logger } from './logger.ts';
import { Metrics } from './metrics.ts';
import { probeService } from './probe-service.ts';

/** Options of `createDeps`; overrides replace a driver directly (tests, embedding). */
export interface CreateDepsOptions {
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  readonly overrides?: Partial<Omit<Deps, 'config'>>;
  /**
   * Build every driver now rather than on first use: a long-running server (the local runtime)
   * wants a bad driver option to stop it at start, and its callers get the drivers themselves.
   * @default false
   */
  readonly eager?: boolean;
}

/**
 * The dependencies of a process, from validated configuration, once per cold start. The store
 * and the bus are built at once (every function reads the store, and the relay publishes what
 * it wrote); providers, federation, DNS, gateway and load are built on their first call unless
 * `eager`, so a function instance only constructs the drivers it touches.
 */
/** Core's dependencies with the runtime's own logger and metrics (the registry a server exposes). */
export interface RuntimeDeps extends Deps {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export async function createDeps(config: Config, options: CreateDepsOptions = {}): Promise<RuntimeDeps> {
  const o = options.overrides ?? {};
  const eager = options.eager ?? false;
  /** The driver itself when eager, else a facade that builds it on first call. */
  const driver = async <T>(
    name: string,
    build: () => Promise<T>,
    facade: (name: string, build: () => Promise<T>) => T,
  ) => (eager ? build() : facade(name, build));
  const logger = options.logger ?? createLogger(config.logLevel);
  const metrics = options.metrics ?? new Metrics();
  const store = o.store ?? (await createStore(config));
  const bus = o.bus ?? (await createBus(config));
  const providers =
    o.providers ??
    new Map(
      await Promise.all(
        config.providers.map(
          async (p) => [p.name, await driver(p.name, () => createProvider(p, config), lazyProvider)] as const,
        ),
      ),
    );
  // One at a time: a build that fails leaves no other half-built driver racing it.
  const federation =
    o.federation ??
    (await driver(
      config.federation.driver,
      () => createFederation(config),
      (name, build) => lazyFederation(name, build, inClusterRouting(config)),
    ));
  const dns = o.dns ?? (await driver(config.dns.driver, () => createDns(config), lazyDns));
  const gateway =
    o.gateway ?? (await driver(config.gateway.driver, () => createGateway(config), lazyGateway));
  const load = o.load ?? (await driver(config.load.driver, () => createLoad(config), lazyLoad));
  const offers: ProviderOffer[] = config.providers.map((p) => ({
    name: p.name,
    regions: p.regions,
    pricePerNodeHour: p.pricePerNodeHour,
    maxClusters: p.maxClusters,
    priority: p.priority,
    ...(p.egressPricePerGB !== undefined && { egressPricePerGB: p.egressPricePerGB }),
    provisioningDeadlineSeconds:
      p.provisioningDeadlineSeconds ??
      (p.driver === 'simulated' ? config.policy.provisioningDeadlineSeconds : PROVIDER_DEADLINE_SECONDS),
  }));
  const transfer = dataTransferOf(config);
  const relay =
    o.relay ??
    new OutboxRelay(store, bus, {
      onError: (event, error) =>
        logger.warn(`delivery of ${event.type} failed: ${(error as Error).message}`, {
          burstId: event.burstId,
        }),
      onDeadLetter: (event, attempts) => {
        metrics.deadLetters.inc();
        logger.error(`gave up on ${event.type} after ${attempts} attempts; reconcile will re-drive`, {
          burstId: event.burstId,
        });
      },
    });
  return {
    config,
    owner: config.installation.id,
    policy: config.policy,
    offers,
    ...(transfer && { transfer }),
    store,
    providers,
    federation,
    dns,
    gateway,
    load,
    bus,
    relay,
    logger,
    metrics,
    now: o.now ?? (() => new Date()),
    probe: o.probe ?? probeService,
    checkpoint: o.checkpoint ?? crashPoint,
  };
}

/** Release every driver's sockets, servers and files (drivers never built are left alone). */
export async function closeDeps(deps: Deps): Promise<void> {
  await deps.relay.stop();
  await Promise.allSettled([
    ...[...deps.providers.values()].map((p) => p.close?.()),
    deps.federation.close?.(),
    deps.dns.close?.(),
    deps.gateway.close?.(),
    deps.load.close?.(),
    deps.bus.close?.(),
  ]);
  await deps.store.close();
}

/**
 * Crash points for the crash-recovery tests: with `CLUSTERBURST_CRASH_AT=<name>` the process
 * kills itself (SIGKILL, no cleanup) the first time it reaches that point. A no-op otherwise.
 */
export function crashPoint(name: string): void {
  if (process.env.CLUSTERBURST_CRASH_AT === name) process.kill(process.pid, 'SIGKILL');
}
