import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../../shared/config/load-config.ts';
import type { Deps } from '../../../../../shared/core/deps.ts';
import { handleSignal } from '../../../../../shared/core/handle-signal.ts';
import { awaitDrain } from '../../../../../shared/core/steps/await-drain.ts';
import { cancelDrain } from '../../../../../shared/core/steps/cancel-drain.ts';
import { commit, patchRecord } from '../../../../../shared/core/transition.ts';
import type { BurstCluster } from '../../../../../shared/domain/burst-cluster.ts';
import type { CapacitySignal } from '../../../../../shared/domain/capacity-signal.ts';
import { SqliteStore } from '../../../../../shared/drivers/store/sqlite.ts';
import { createDeps } from '../../../../../shared/runtime/create-deps.ts';
import { createLogger } from '../../../../../shared/runtime/logger.ts';

// Issue 12 item 4: the Draining -> Joined edge is idempotent, crash-safe, and says why.

const SIGNAL: CapacitySignal = {
  source: 'alertmanager',
  status: 'firing',
  signalKey: 'alertmanager:group-1',
  dedupeKey: 'alertmanager:group-1@2026-11-22T10:00:00.000Z',
  labels: {},
  summary: 'portal at 95% CPU',
  at: '2026-11-22T10:00:00.000Z',
};
const WHY = 'demand returned: drain cancelled (test)';

/** A burst walked to Draining with its member joined and cordoned; `crashAt` fails that checkpoint once. */
async function draining(crashAt?: string): Promise<{ deps: Deps; record: BurstCluster }> {
  let crash = crashAt;
  const deps = await createDeps(loadConfig({ value: { logLevel: 'ERROR' } }), {
    logger: createLogger('ERROR'),
    overrides: {
      store: new SqliteStore(':memory:'),
      checkpoint: (name) => {
        if (name === crash) {
          crash = undefined;
          throw new Error(`crash at ${name}`);
        }
      },
    },
  });
  const { burstId } = await handleSignal(deps, SIGNAL);
  let record = (await deps.store.get(burstId!))!;
  for (const phase of ['Provisioning', 'Ready', 'Joined', 'Active', 'Draining'] as const)
    record = (await commit(deps, record, phase, 'played by the test'))!;
  await deps.federation.join({
    name: record.name,
    burstId: record.id,
    owner: deps.owner,
    provider: record.provider,
    region: record.region,
    credentials: { endpoint: 'http://127.0.0.1:9' },
    labels: {},
  });
  await deps.federation.cordon(record.name);
  return { deps, record };
}

describe('cancelDrain (Draining -> Joined)', () => {
  it('uncordons the member and writes Joined with the why, so the route step runs again', async () => {
    const { deps, record } = await draining();
    const result = await cancelDrain(deps, record.id, WHY);
    expect(result).toMatchObject({ outcome: 'moved', from: 'Draining', to: 'Joined' });
    const saved = (await deps.store.get(record.id))!;
    expect(saved.history.at(-1)).toMatchObject({ phase: 'Joined', why: WHY });
    expect(saved.teardown).toEqual({});
    expect((await deps.federation.status(record.name))?.cordoned).toBe(false);
    expect((await deps.store.pendingEvents(10)).map((e) => e.event.type)).toContain('ClusterJoined');
    await deps.store.close();
  });

  it('forgets the demand peaks of the signal it served when it is handed to another signal, and keeps them for its own', async () => {
    const peaks = [{ nodes: 10, until: '2026-11-22T10:05:00.000Z' }];
    for (const [signalKey, kept] of [
      ['alertmanager:group-2', undefined],
      [SIGNAL.signalKey, peaks],
    ] as const) {
      const { deps, record } = await draining();
      await patchRecord(deps, record, { demandPeaks: peaks });
      await cancelDrain(deps, record.id, WHY, { signalKey, demand: 2 });
      expect((await deps.store.get(record.id))?.demandPeaks).toEqual(kept);
      await deps.store.close();
    }
  });

  it('does nothing the second time (a duplicate delivery or a retried plan)', async () => {
    const { deps, record } = await draining();
    await cancelDrain(deps, record.id, WHY);
    const again = await cancelDrain(deps, record.id, WHY);
    expect(again.outcome).toBe('noop');
    expect((await deps.store.get(record.id))!.history.filter((h) => h.phase === 'Joined')).toHaveLength(2);
    await deps.store.close();
  });

  it('leaves the burst Draining after a crash between the uncordon and the write, and a retry completes it', async () => {
    const { deps, record } = await draining('after-uncordon');
    await expect(cancelDrain(deps, record.id, WHY)).rejects.toThrow('crash at after-uncordon');
    expect((await deps.store.get(record.id))?.phase).toBe('Draining');
    expect((await cancelDrain(deps, record.id, WHY)).to).toBe('Joined');
    await deps.store.close();
  });

  it('never cancels a teardown an operator asked for', async () => {
    const { deps, record } = await draining();
    await patchRecord(deps, record, {
      teardown: { ...record.teardown, requestedAt: '2026-11-22T10:01:00.000Z' },
    });
    expect((await cancelDrain(deps, record.id, WHY)).outcome).toBe('noop');
    expect((await deps.store.get(record.id))?.phase).toBe('Draining');
    expect((await deps.federation.status(record.name))?.cordoned).toBe(true);
    await deps.store.close();
  });

  it('loses cleanly to the drain moving on: the burst stays on its way out and cordoned', async () => {
    const { deps, record } = await draining();
    await awaitDrain(deps, record.id);
    expect((await deps.store.get(record.id))?.phase).toBe('Leaving');
    expect((await cancelDrain(deps, record.id, WHY)).outcome).toBe('noop');
    expect((await deps.store.get(record.id))?.phase).toBe('Leaving');
    await deps.store.close();
  });
});
