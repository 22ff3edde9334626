import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../shared/config/load-config.ts';
import { clusterHealth } from '../../../../shared/core/cluster-health.ts';
import { handleSignal } from '../../../../shared/core/handle-signal.ts';
import { drain } from '../../../../shared/core/steps/drain.ts';
import { provision } from '../../../../shared/core/steps/provision.ts';
import type { CapacitySignal } from '../../../../shared/domain/capacity-signal.ts';
import { isLive } from '../../../../shared/domain/lifecycle.ts';
import type { ProviderDriver } from '../../../../shared/drivers/provider/provider.ts';
import { SimulatedProvider } from '../../../../shared/drivers/provider/simulated.ts';
import { SimulatedProviderOptionsSchema } from '../../../../shared/drivers/provider/simulated-options.ts';
import { SqliteStore } from '../../../../shared/drivers/store/sqlite.ts';
import { DriverError } from '../../../../shared/errors.ts';
import { createDeps } from '../../../../shared/runtime/create-deps.ts';
import { createLogger } from '../../../../shared/runtime/logger.ts';

/** A provider that answers create with a quota error while `full` is set. */
function withQuota(inner: SimulatedProvider, state: { full: boolean }): ProviderDriver {
  return {
    name: inner.name,
    create: async (spec) => {
      if (state.full) throw new DriverError(inner.name, 'QuotaExceeded: vCPU limit', { quota: true });
      return inner.create(spec);
    },
    describe: (n) => inner.describe(n),
    delete: (n, o) => inner.delete(n, o),
    credentials: (n) => inner.credentials(n),
    resize: (n, nodes) => inner.resize(n, nodes),
    list: (o) => inner.list(o),
    close: () => inner.close(),
  };
}

const signal = (n: number): CapacitySignal => ({
  source: 'alertmanager',
  status: 'firing',
  signalKey: `alertmanager:group-${n}`,
  dedupeKey: `alertmanager:group-${n}@2026-11-22T10:00:00.000Z`,
  labels: {},
  summary: `storm alarm ${n}`,
  at: '2026-11-22T10:00:00.000Z',
});

const Action = fc.oneof(
  fc.record({ kind: fc.constant('storm' as const), size: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('quota' as const), full: fc.boolean() }),
  fc.record({ kind: fc.constant('teardown' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('health' as const) }),
);

describe('budget under storms of distinct alarms, across providers', () => {
  it('never has more than two clusters alive at any moment when the budget pays for two', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(Action, { minLength: 1, maxLength: 12 }), async (actions) => {
        const quota = { full: false };
        const cheap = new SimulatedProvider(
          'cheap',
          SimulatedProviderOptionsSchema.parse({ readyAfterMs: 0, deleteAfterMs: 0 }),
        );
        const dear = new SimulatedProvider(
          'dear',
          SimulatedProviderOptionsSchema.parse({ readyAfterMs: 0, deleteAfterMs: 0 }),
        );
        const config = loadConfig({
          value: {
            // 3 nodes: 0.30/h on cheap, 0.45/h on dear; 0.70/h pays for two cheap ones at most.
            policy: { maxClusters: 100, hourlyBudget: 0.7, cooldownSeconds: 0 },
            providers: [
              { name: 'cheap', driver: 'simulated', regions: ['eu'], pricePerNodeHour: 0.1 },
              { name: 'dear', driver: 'simulated', regions: ['eu'], pricePerNodeHour: 0.15 },
            ],
          },
        });
        const providers = new Map<string, ProviderDriver>([
          ['cheap', withQuota(cheap, quota)],
          ['dear', dear],
        ]);
        const deps = await createDeps(config, {
          logger: createLogger('ERROR'),
          overrides: { store: new SqliteStore(':memory:'), providers },
        });
        const alive = async () =>
          (await cheap.list('local')).filter((c) => c.state !== 'deleting').length +
          (await dear.list('local')).filter((c) => c.state !== 'deleting').length;
        let next = 0;
        try {
          for (const action of actions) {
            if (action.kind === 'storm') {
              const outcomes = await Promise.all(
                Array.from({ length: action.size }, () => handleSignal(deps, signal(next++))),
              );
              await Promise.all(outcomes.filter((o) => o.burstId).map((o) => provision(deps, o.burstId!)));
            } else if (action.kind === 'quota') {
              quota.full = action.full;
            } else if (action.kind === 'teardown') {
              const live = (await deps.store.list()).filter((r) => isLive(r.phase));
              const victim = live[action.pick % Math.max(1, live.length)];
              if (victim) await drain(deps, victim.id, 'test teardown');
            } else {
              await clusterHealth(deps);
            }
            const records = (await deps.store.list()).filter((r) => isLive(r.phase));
            expect(records.length).toBeLessThanOrEqual(2);
            expect(records.reduce((s, r) => s + r.costPerHour, 0)).toBeLessThanOrEqual(0.7 + 1e-9);
            expect(await alive()).toBeLessThanOrEqual(2);
          }
        } finally {
          await cheap.close();
          await dear.close();
          await deps.store.close();
        }
      }),
      { numRuns: 40 },
    );
  }, 120_000);

  it('falls back to the next provider on a quota error, with the why in the history', async () => {
    const quota = { full: true };
    const cheap = new SimulatedProvider('cheap', SimulatedProviderOptionsSchema.parse({ readyAfterMs: 0 }));
    const dear = new SimulatedProvider('dear', SimulatedProviderOptionsSchema.parse({ readyAfterMs: 0 }));
    const config = loadConfig({
      value: {
        providers: [
          { name: 'cheap', driver: 'simulated', regions: ['eu'], pricePerNodeHour: 0.1 },
          { name: 'dear', driver: 'simulated', regions: ['eu'], pricePerNodeHour: 0.15 },
        ],
      },
    });
    const deps = await createDeps(config, {
      logger: createLogger('ERROR'),
      overrides: {
        store: new SqliteStore(':memory:'),
        providers: new Map<string, ProviderDriver>([
          ['cheap', withQuota(cheap, quota)],
          ['dear', dear],
        ]),
      },
    });
    const { burstId } = await handleSignal(deps, signal(1));
    expect((await deps.store.get(burstId!))?.provider).toBe('cheap');
    const result = await provision(deps, burstId!);
    expect(result).toMatchObject({ outcome: 'moved', to: 'Failed' });
    const failed = await deps.store.get(burstId!);
    expect(failed?.lastError).toMatch(
      /^quota at cheap \(cheap: QuotaExceeded: vCPU limit\); replaced by b-[0-9a-f]{12}$/,
    );
    const replacementId = /replaced by (b-[0-9a-f]{12})/.exec(failed!.lastError!)![1]!;
    // A retried provision of the failed burst admits no second replacement.
    await provision(deps, burstId!);
    expect((await deps.store.list()).filter((r) => isLive(r.phase)).map((r) => r.id)).toEqual([
      replacementId,
    ]);
    await provision(deps, replacementId);
    const replacement = await deps.store.get(replacementId);
    expect(replacement).toMatchObject({
      provider: 'dear',
      phase: 'Provisioning',
      replaces: burstId,
      excludedProviders: ['cheap'],
    });
    expect(replacement?.history[0]?.why).toMatch(/^replaces b-[0-9a-f]{12} after a quota error; /);
    expect(await dear.list('local')).toHaveLength(1);
    expect(await cheap.list('local')).toHaveLength(0);
    await cheap.close();
    await dear.close();
  });
});
