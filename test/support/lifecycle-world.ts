/**
 * One process's dependencies on the embedded drivers (simulated provider and federation,
 * memory DNS and gateway, SQLite in memory) with a clock the test moves, plus a way to walk a
 * burst through the real steps to the phase a test starts from.
 */
import type { ConfigInput } from '../../shared/config/config-schema.ts';
import { loadConfig } from '../../shared/config/load-config.ts';
import type { Deps } from '../../shared/core/deps.ts';
import { checkProvisioning } from '../../shared/core/steps/check-provisioning.ts';
import { federate } from '../../shared/core/steps/federate.ts';
import { provision } from '../../shared/core/steps/provision.ts';
import { route } from '../../shared/core/steps/route.ts';
import type { BurstCluster } from '../../shared/domain/burst-cluster.ts';
import type { ProviderDriver } from '../../shared/drivers/provider/provider.ts';
import { SimulatedProvider } from '../../shared/drivers/provider/simulated.ts';
import { SimulatedProviderOptionsSchema } from '../../shared/drivers/provider/simulated-options.ts';
import { SqliteStore } from '../../shared/drivers/store/sqlite.ts';
import type { BurstStore } from '../../shared/drivers/store/store.ts';
import { type CreateDepsOptions, closeDeps, createDeps } from '../../shared/runtime/create-deps.ts';
import { createLogger } from '../../shared/runtime/logger.ts';
import { makeRecord } from './records.ts';

/** The dependencies, the simulated provider behind them, and the test's clock. */
export interface LifecycleWorld {
  readonly deps: Deps;
  readonly provider: SimulatedProvider;
  /** Moves the clock the steps read forward. */
  advance(seconds: number): void;
  /** Admits a burst now (owner of this installation, on the simulated provider). */
  admit(overrides?: Partial<BurstCluster>): Promise<BurstCluster>;
  /** Runs the real steps until the burst is in `phase` (Requested to Active). */
  walkTo(id: string, phase: 'Provisioning' | 'Ready' | 'Joined' | 'Active'): Promise<BurstCluster>;
  record(id: string): Promise<BurstCluster>;
  close(): Promise<void>;
}

const ORDER = ['Requested', 'Provisioning', 'Ready', 'Joined', 'Active'] as const;
const STEPS = [provision, checkProvisioning, federate, route] as const;

/** Starts a world; `config` is merged into the embedded configuration. */
export async function startLifecycleWorld(
  config: ConfigInput = {},
  options: {
    /** Wraps the store (a rival writer), or the provider (a slow listing). */
    readonly store?: (inner: BurstStore) => BurstStore;
    readonly provider?: (inner: SimulatedProvider) => ProviderDriver;
  } & CreateDepsOptions = {},
): Promise<LifecycleWorld> {
  let offset = 0;
  const provider = new SimulatedProvider(
    'simulated',
    SimulatedProviderOptionsSchema.parse({ readyAfterMs: 0, deleteAfterMs: 0 }),
  );
  const inner = new SqliteStore(':memory:');
  const deps = await createDeps(
    loadConfig({
      value: {
        logLevel: 'ERROR',
        providers: [{ name: 'simulated', driver: 'simulated', regions: ['local'], pricePerNodeHour: 0.1 }],
        // Services are ready on the member as soon as they are placed (tests move no real clock).
        federation: { driver: 'simulated', options: { readyAfterSeconds: 0 } },
        ...config,
      },
    }),
    {
      logger: createLogger('ERROR'),
      ...options,
      overrides: {
        store: options.store ? options.store(inner) : inner,
        providers: new Map([['simulated', options.provider ? options.provider(provider) : provider]]),
        now: () => new Date(Date.now() + offset * 1000),
        ...options.overrides,
      },
    },
  );
  const record = async (id: string) => {
    const r = await deps.store.get(id);
    if (!r) throw new Error(`no burst ${id}`);
    return r;
  };
  return {
    deps,
    provider,
    advance: (seconds) => {
      offset += seconds;
    },
    async admit(overrides = {}) {
      const at = deps.now().toISOString();
      const record = makeRecord({ owner: deps.owner, createdAt: at, updatedAt: at, ...overrides });
      const admitted = await deps.store.admit(record.reason.signalKey, () => ({
        admit: true,
        record,
        events: [],
      }));
      if (!admitted.admitted) throw new Error(admitted.why);
      return admitted.record;
    },
    async walkTo(id, phase) {
      for (let i = 0; i < 100; i++) {
        const r = await record(id);
        if (r.phase === phase) return r;
        const at = ORDER.indexOf(r.phase as (typeof ORDER)[number]);
        if (at < 0) throw new Error(`burst ${id} left the way up: ${r.phase} (${r.lastError ?? ''})`);
        await STEPS[at]!(deps, id);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`burst ${id} did not reach ${phase}`);
    },
    record,
    async close() {
      await closeDeps(deps);
    },
  };
}
