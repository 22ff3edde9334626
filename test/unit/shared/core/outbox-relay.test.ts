import { afterEach, describe, expect, it } from 'vitest';
import { OutboxRelay } from '../../../../shared/core/outbox-relay.ts';
import type { EventBus } from '../../../../shared/drivers/bus/bus.ts';
import { SqliteStore } from '../../../../shared/drivers/store/sqlite.ts';
import type { LifecycleEvent, LifecycleEventType } from '../../../../shared/schemas/lifecycle-event.ts';
import { makeEvent, makeRecord } from '../../../support/records.ts';

/** A bus that refuses the event types in `refused` and records what it took. */
class PickyBus implements EventBus {
  readonly name = 'picky';
  readonly taken: LifecycleEvent[] = [];
  constructor(readonly refused: ReadonlySet<LifecycleEventType>) {}

  async publish(events: readonly LifecycleEvent[]): Promise<void> {
    for (const event of events) {
      if (this.refused.has(event.type)) throw new Error(`refusing ${event.type}`);
      this.taken.push(event);
    }
  }
}

const stores: SqliteStore[] = [];

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

/** A store whose outbox holds one event of each type given, each for its own burst. */
async function storeWith(types: readonly LifecycleEventType[]): Promise<SqliteStore> {
  const store = new SqliteStore(':memory:');
  stores.push(store);
  for (const type of types) {
    const record = makeRecord();
    await store.admit(record.reason.signalKey, () => ({
      admit: true,
      record,
      events: [makeEvent(record, type)],
    }));
  }
  return store;
}

describe('OutboxRelay.flush', () => {
  it('reports the events the bus took as acked and empties the outbox of them', async () => {
    const store = await storeWith(['BurstRequested', 'ClusterReady']);
    const bus = new PickyBus(new Set());
    expect(await new OutboxRelay(store, bus).flush()).toEqual({ acked: 2, failed: 0 });
    expect(bus.taken.map((e) => e.type).sort()).toEqual(['BurstRequested', 'ClusterReady']);
    expect(await store.pendingEvents(10)).toEqual([]);
  });

  it('reports the events the bus refused as failed and keeps them in the outbox', async () => {
    const store = await storeWith(['BurstRequested', 'ClusterReady']);
    const relay = new OutboxRelay(store, new PickyBus(new Set(['ClusterReady'])));
    expect(await relay.flush()).toEqual({ acked: 1, failed: 1 });
    const pending = await store.pendingEvents(10);
    expect(pending.map((p) => [p.event.type, p.attempts])).toEqual([['ClusterReady', 1]]);
  });

  it('counts a dead-lettered event as failed', async () => {
    const store = await storeWith(['ClusterReady']);
    const dead: string[] = [];
    const relay = new OutboxRelay(store, new PickyBus(new Set(['ClusterReady'])), {
      maxAttempts: 1,
      onDeadLetter: (event) => dead.push(event.type),
    });
    expect(await relay.flush()).toEqual({ acked: 0, failed: 1 });
    expect(dead).toEqual(['ClusterReady']);
    expect(await store.pendingEvents(10)).toEqual([]);
  });

  it('does not try again, or count, an event still backing off after a failure', async () => {
    const store = await storeWith(['ClusterReady']);
    const relay = new OutboxRelay(store, new PickyBus(new Set(['ClusterReady'])));
    expect(await relay.flush()).toEqual({ acked: 0, failed: 1 });
    expect(await relay.flush()).toEqual({ acked: 0, failed: 0 });
    expect(await store.pendingEvents(10)).toHaveLength(1);
  });

  it('reports nothing when the outbox is empty', async () => {
    const relay = new OutboxRelay(await storeWith([]), new PickyBus(new Set()));
    expect(await relay.flush()).toEqual({ acked: 0, failed: 0 });
  });
});
