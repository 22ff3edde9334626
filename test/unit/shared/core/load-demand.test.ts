import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../shared/config/load-config.ts';
import { LOAD_DEMAND_KEY, scaleDown } from '../../../../shared/core/scale-down.ts';
import { commit } from '../../../../shared/core/transition.ts';
import type { LoadDriver } from '../../../../shared/drivers/load/load.ts';
import { SqliteStore } from '../../../../shared/drivers/store/sqlite.ts';
import { createDeps } from '../../../../shared/runtime/create-deps.ts';
import { createLogger } from '../../../../shared/runtime/logger.ts';

// The load driver's demand query as a signal of the capacity pass (issue 12 item 1).

describe('scale-down pass with a demand query', () => {
  it('creates capacity for what the query wants, plans nothing while it stays, and releases it after the window once it is 0', async () => {
    let clock = Date.parse('2026-11-22T10:00:00.000Z');
    let nodes = 5;
    const load: LoadDriver = {
      name: 'fake',
      observe: async ({ windowSeconds }) => ({
        ok: true,
        windowSeconds,
        perCluster: {},
        overall: 0,
        why: 'idle',
      }),
      demand: async () => ({ ok: true, nodes, why: `fake: ${nodes} node(s)` }),
    };
    const config = loadConfig({
      value: {
        logLevel: 'ERROR',
        policy: { scaleDownWindowSeconds: 60, minLifetimeSeconds: 0, scaleDownDelayAfterAddSeconds: 0 },
      },
    });
    const deps = await createDeps(config, {
      logger: createLogger('ERROR'),
      overrides: { store: new SqliteStore(':memory:'), load, now: () => new Date(clock) },
    });
    try {
      await scaleDown(deps);
      const [created] = await deps.store.list({ live: true });
      expect(created).toMatchObject({
        nodes: 5,
        demand: 5,
        reason: { signalKey: LOAD_DEMAND_KEY, source: 'schedule' },
      });
      await scaleDown(deps);
      expect(await deps.store.list({ live: true })).toHaveLength(1);

      nodes = 0;
      await scaleDown(deps);
      expect((await deps.store.get(created!.id))?.signalResolvedAt).toBe(new Date(clock).toISOString());
      let record = (await deps.store.get(created!.id))!;
      for (const phase of ['Provisioning', 'Ready', 'Joined', 'Active'] as const)
        record = (await commit(deps, record, phase, 'played by the test'))!;
      expect((await scaleDown(deps, { dryRun: true })).actions).toEqual([]);
      clock += 61_000;
      const later = await scaleDown(deps, { dryRun: true });
      expect(later.actions).toMatchObject([{ kind: 'shrink', burstId: created!.id, nodes: 3 }]);
    } finally {
      await deps.store.close();
    }
  });
});
