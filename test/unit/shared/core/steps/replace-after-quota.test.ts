import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../../shared/config/load-config.ts';
import { handleSignal } from '../../../../../shared/core/handle-signal.ts';
import { provision } from '../../../../../shared/core/steps/provision.ts';
import type { CapacitySignal } from '../../../../../shared/domain/capacity-signal.ts';
import { isLive } from '../../../../../shared/domain/lifecycle.ts';
import type { ProviderDriver } from '../../../../../shared/drivers/provider/provider.ts';
import { SimulatedProvider } from '../../../../../shared/drivers/provider/simulated.ts';
import { SimulatedProviderOptionsSchema } from '../../../../../shared/drivers/provider/simulated-options.ts';
import { SqliteStore } from '../../../../../shared/drivers/store/sqlite.ts';
import { DriverError } from '../../../../../shared/errors.ts';
import { createDeps } from '../../../../../shared/runtime/create-deps.ts';
import { createLogger } from '../../../../../shared/runtime/logger.ts';

/** A provider whose every create is refused for quota. */
function outOfQuota(inner: SimulatedProvider): ProviderDriver {
  return {
    name: inner.name,
    create: async () => {
      throw new DriverError(inner.name, 'QuotaExceeded: vCPU limit', { quota: true });
    },
    describe: (n) => inner.describe(n),
    delete: (n, o) => inner.delete(n, o),
    resize: (n, nodes) => inner.resize(n, nodes),
    credentials: (n) => inner.credentials(n),
    list: (o) => inner.list(o),
    close: () => inner.close(),
  };
}

const SIGNAL: CapacitySignal = {
  source: 'alertmanager',
  status: 'firing',
  signalKey: 'alertmanager:group-1',
  dedupeKey: 'alertmanager:group-1@2026-11-22T10:00:00.000Z',
  labels: {},
  summary: 'portal at 95% CPU',
  at: '2026-11-22T10:00:00.000Z',
};

describe('replaceAfterQuota', () => {
  it('reaches the third provider when the first two refuse for quota, each failure naming its own replacement', async () => {
    const sims = ['first', 'second', 'third'].map(
      (n) => new SimulatedProvider(n, SimulatedProviderOptionsSchema.parse({ readyAfterMs: 0 })),
    );
    const [first, second, third] = sims as [SimulatedProvider, SimulatedProvider, SimulatedProvider];
    const config = loadConfig({
      value: {
        providers: [
          { name: 'first', driver: 'simulated', regions: ['eu'], pricePerNodeHour: 0.1 },
          { name: 'second', driver: 'simulated', regions: ['eu'], pricePerNodeHour: 0.2 },
          { name: 'third', driver: 'simulated', regions: ['eu'], pricePerNodeHour: 0.3 },
        ],
      },
    });
    const deps = await createDeps(config, {
      logger: createLogger('ERROR'),
      overrides: {
        store: new SqliteStore(':memory:'),
        providers: new Map<string, ProviderDriver>([
          ['first', outOfQuota(first)],
          ['second', outOfQuota(second)],
          ['third', third],
        ]),
      },
    });
    try {
      const { burstId } = await handleSignal(deps, SIGNAL);
      await provision(deps, burstId!);
      const firstFailed = await deps.store.get(burstId!);
      const secondId = /replaced by (b-[0-9a-f]{12})$/.exec(firstFailed?.lastError ?? '')?.[1];
      expect(secondId).toBeDefined();
      expect(secondId).not.toBe(burstId);

      await provision(deps, secondId!);
      const secondFailed = await deps.store.get(secondId!);
      expect(secondFailed).toMatchObject({ phase: 'Failed', provider: 'second' });
      const thirdId = /replaced by (b-[0-9a-f]{12})$/.exec(secondFailed?.lastError ?? '')?.[1];
      expect([burstId, secondId]).not.toContain(thirdId);

      await provision(deps, thirdId!);
      const live = (await deps.store.list()).filter((r) => isLive(r.phase));
      expect(live.map((r) => [r.id, r.provider, r.phase, r.replaces, r.excludedProviders])).toEqual([
        [thirdId, 'third', 'Provisioning', secondId, ['first', 'second']],
      ]);
      expect(await third.list('local')).toHaveLength(1);
    } finally {
      for (const sim of sims) await sim.close();
      await deps.store.close();
    }
  });

  it('hands the higher demand its signal asked for within the scale-down window to its replacement', async () => {
    const sims = ['first', 'second'].map(
      (n) => new SimulatedProvider(n, SimulatedProviderOptionsSchema.parse({ readyAfterMs: 0 })),
    );
    const [first, second] = sims as [SimulatedProvider, SimulatedProvider];
    const config = loadConfig({
      value: {
        providers: [
          { name: 'first', driver: 'simulated', regions: ['eu'], pricePerNodeHour: 0.1 },
          { name: 'second', driver: 'simulated', regions: ['eu'], pricePerNodeHour: 0.2 },
        ],
        policy: { maxNodesPerCluster: 10 },
      },
    });
    const deps = await createDeps(config, {
      logger: createLogger('ERROR'),
      overrides: {
        store: new SqliteStore(':memory:'),
        providers: new Map<string, ProviderDriver>([
          ['first', outOfQuota(first)],
          ['second', second],
        ]),
      },
    });
    try {
      const { burstId } = await handleSignal(deps, { ...SIGNAL, demand: 10 });
      // The alert's demand drops while the burst is still being created.
      await handleSignal(deps, { ...SIGNAL, demand: 4 });
      const held = (await deps.store.get(burstId!))?.demandPeaks;
      expect(held?.map((p) => p.nodes)).toEqual([10]);
      await provision(deps, burstId!);
      const replacementId = /replaced by (b-[0-9a-f]{12})$/.exec(
        (await deps.store.get(burstId!))?.lastError ?? '',
      )?.[1];
      expect(await deps.store.get(replacementId!)).toMatchObject({ demand: 4, demandPeaks: held });
    } finally {
      for (const sim of sims) await sim.close();
      await deps.store.close();
    }
  });

  it('never has a burst and its quota replacement live together, so max clusters 1 holds at every write', async () => {
    const first = new SimulatedProvider('first', SimulatedProviderOptionsSchema.parse({ readyAfterMs: 0 }));
    const second = new SimulatedProvider('second', SimulatedProviderOptionsSchema.parse({ readyAfterMs: 0 }));
    const config = loadConfig({
      value: {
        policy: { maxClusters: 1 },
        providers: [
          { name: 'first', driver: 'simulated', regions: ['eu'], pricePerNodeHour: 0.1 },
          { name: 'second', driver: 'simulated', regions: ['eu'], pricePerNodeHour: 0.2 },
        ],
      },
    });
    const store = new SqliteStore(':memory:');
    // After every committed write (admission or update), count what is live.
    const liveAfterWrites: number[] = [];
    const count = async () => liveAfterWrites.push((await store.list({ live: true })).length);
    const wrapped: Partial<typeof store> = {
      admit: async (...args) => {
        const result = await store.admit(...args);
        await count();
        return result;
      },
      update: async (...args) => {
        const saved = await store.update(...args);
        await count();
        return saved;
      },
    };
    const watched = new Proxy(store, {
      get: (target, prop) => {
        const own = wrapped[prop as keyof typeof wrapped];
        if (own) return own;
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const deps = await createDeps(config, {
      logger: createLogger('ERROR'),
      overrides: {
        store: watched,
        providers: new Map<string, ProviderDriver>([
          ['first', outOfQuota(first)],
          ['second', second],
        ]),
      },
    });
    try {
      const { burstId } = await handleSignal(deps, SIGNAL);
      await provision(deps, burstId!);
      const failed = await deps.store.get(burstId!);
      expect(failed?.phase).toBe('Failed');
      const replacement = /replaced by (b-[0-9a-f]{12})$/.exec(failed?.lastError ?? '')?.[1];
      expect((await deps.store.get(replacement!))?.phase).toBe('Requested');
      expect(Math.max(...liveAfterWrites)).toBe(1);
    } finally {
      await first.close();
      await second.close();
      await store.close();
    }
  });
});
