import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../shared/config/load-config.ts';
import type { Deps } from '../../../../shared/core/deps.ts';
import { handleSignal } from '../../../../shared/core/handle-signal.ts';
import type { CapacitySignal } from '../../../../shared/domain/capacity-signal.ts';
import { SqliteStore } from '../../../../shared/drivers/store/sqlite.ts';
import { createDeps } from '../../../../shared/runtime/create-deps.ts';
import { createLogger } from '../../../../shared/runtime/logger.ts';

const EPISODE = '2026-11-22T10:00:00.000Z';
const firing: CapacitySignal = {
  source: 'alertmanager',
  status: 'firing',
  signalKey: 'alertmanager:{}:{alertname="HighLoad"}',
  dedupeKey: `alertmanager:{}:{alertname="HighLoad"}@${EPISODE}`,
  labels: {},
  summary: 'high load',
  at: EPISODE,
};

describe('handleSignal with ended bursts pruned after the retention', () => {
  let clock = new Date('2026-11-22T10:00:00Z');
  let store: SqliteStore;
  afterEach(async () => {
    await store.close();
  });

  async function setup(): Promise<Deps> {
    store = new SqliteStore(':memory:', { retentionSeconds: 3600, now: () => clock });
    const config = loadConfig({ value: { policy: { cooldownSeconds: 0 }, logLevel: 'ERROR' } });
    return createDeps(config, { logger: createLogger('ERROR'), overrides: { store, providers: new Map() } });
  }

  /** Ends a burst now (Deleted, with nothing left in its outbox). */
  async function end(id: string): Promise<void> {
    const record = (await store.get(id))!;
    await store.update({ ...record, phase: 'Deleted', updatedAt: clock.toISOString() });
    await store.ackEvents((await store.pendingEvents(100)).map((p) => p.event.id));
  }

  it('bursts again for an episode whose first burst was pruned while a later one is still kept', async () => {
    const deps = { ...(await setup()), now: () => clock };
    const first = await handleSignal(deps, firing);
    expect(first.decision).toBe('burst');
    await end(first.burstId!);
    clock = new Date(clock.getTime() + 1800_000);
    const second = await handleSignal(deps, firing);
    expect(second.decision).toBe('burst');
    await end(second.burstId!);
    clock = new Date(clock.getTime() + 1900_000);
    expect(await store.prune()).toBe(1);
    const third = await handleSignal(deps, firing);
    expect(third).toMatchObject({ decision: 'burst' });
    expect([first.burstId, second.burstId]).not.toContain(undefined);
    expect(third.burstId).not.toBe(second.burstId);
  });
});
