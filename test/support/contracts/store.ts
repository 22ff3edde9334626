import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BurstCluster } from '../../../shared/domain/burst-cluster.ts';
import type { BurstStore } from '../../../shared/drivers/store/store.ts';
import { NotFoundError, VersionConflictError } from '../../../shared/errors.ts';
import { makeEvent, makeRecord } from '../records.ts';

/** What the suite asks of a store it sets up: its clock and how long ended records are kept. */
export interface StoreSetupOptions {
  readonly now: () => Date;
  readonly retentionSeconds: number;
}

/** How a store implementation is set up for the contract suite. */
export interface StoreHarness {
  readonly store: BurstStore;
  /** Another client on the same backing storage (another process/function instance), if possible. */
  readonly second?: () => Promise<BurstStore>;
  readonly cleanup?: () => Promise<void>;
}

/** The behaviour every BurstStore must show. Call inside a test file. */
export function runStoreContract(
  name: string,
  setup: (options: StoreSetupOptions) => Promise<StoreHarness>,
): void {
  describe(`store contract: ${name}`, () => {
    let h: StoreHarness;
    let store: BurstStore;
    let clock: Date;
    const RETENTION_SECONDS = 3600;
    beforeEach(async () => {
      clock = new Date('2026-11-22T12:00:00Z');
      h = await setup({ now: () => clock, retentionSeconds: RETENTION_SECONDS });
      store = h.store;
    });
    afterEach(async () => {
      await store.close();
      await h.cleanup?.();
    });

    const admitOne = async (record: BurstCluster) => {
      const result = await store.admit('any', () => ({ admit: true, record, events: [makeEvent(record)] }));
      if (!result.admitted) throw new Error(result.why);
      return result.record;
    };

    it('returns undefined for a record that does not exist', async () => {
      expect(await store.get('b-000000000000')).toBeUndefined();
    });

    it('admits a record at version 1 and puts its events in the outbox', async () => {
      const saved = await admitOne(makeRecord());
      expect(saved.version).toBe(1);
      expect((await store.get(saved.id))?.phase).toBe('Requested');
      const pending = await store.pendingEvents(10);
      expect(pending.map((p) => p.event.burstId)).toEqual([saved.id]);
    });

    it('inserts nothing when the decision refuses', async () => {
      const result = await store.admit('any', () => ({ admit: false, why: 'max clusters reached' }));
      expect(result).toEqual({ admitted: false, why: 'max clusters reached' });
      expect(await store.list()).toEqual([]);
      expect(await store.pendingEvents(10)).toEqual([]);
    });

    it('admits exactly one of many concurrent admissions under a limit of one', async () => {
      const stores = [store, ...(h.second ? await Promise.all([h.second(), h.second()]) : [])];
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          stores[i % stores.length]!.admit('same-signal', (records) =>
            records.length >= 1
              ? { admit: false, why: 'limit' }
              : { admit: true, record: makeRecord(), events: [] },
          ),
        ),
      );
      expect(results.filter((r) => r.admitted)).toHaveLength(1);
      expect(await store.list()).toHaveLength(1);
      for (const s of stores.slice(1)) await s.close();
    });

    it('refuses a second admission of the same id as a duplicate', async () => {
      const record = makeRecord();
      await admitOne(record);
      const again = await store.admit('any', () => ({ admit: true, record, events: [] }));
      expect(again).toMatchObject({ admitted: false, duplicateOf: record.id });
    });

    it('closes the record an admission replaces in the same admission, with its events', async () => {
      const old = await admitOne(makeRecord({ phase: 'Provisioning' }));
      const replacement = makeRecord({ replaces: old.id });
      const closing = (stored: BurstCluster) => ({
        ...stored,
        phase: 'Failed' as const,
        lastError: `replaced by ${replacement.id}`,
      });
      const result = await store.admit(old.reason.signalKey, (records) => {
        const failed = closing(records.find((r) => r.id === old.id)!);
        return {
          admit: true,
          record: replacement,
          events: [makeEvent(replacement)],
          close: { record: failed, events: [makeEvent(failed, 'BurstFailed')] },
        };
      });
      expect(result).toMatchObject({ admitted: true, closed: { id: old.id, version: 2 } });
      expect((await store.list({ live: true })).map((r) => r.id)).toEqual([replacement.id]);
      expect((await store.get(old.id))?.lastError).toBe(`replaced by ${replacement.id}`);
      const pending = (await store.pendingEvents(10)).map((p) => p.event.type);
      expect(pending).toContain('BurstFailed');
    });

    it('updates with compare-and-swap and bumps the version', async () => {
      const saved = await admitOne(makeRecord());
      const next = await store.update({ ...saved, phase: 'Provisioning' });
      expect(next.version).toBe(2);
      expect((await store.get(saved.id))?.phase).toBe('Provisioning');
      await expect(store.update({ ...saved, phase: 'Failed' })).rejects.toBeInstanceOf(VersionConflictError);
      expect((await store.get(saved.id))?.phase).toBe('Provisioning');
    });

    it('lets exactly one of two concurrent writers from the same version win', async () => {
      const saved = await admitOne(makeRecord());
      const outcomes = await Promise.allSettled([
        store.update({ ...saved, phase: 'Provisioning' }),
        store.update({ ...saved, phase: 'Deleting' }),
      ]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const loser = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      expect(loser.reason).toBeInstanceOf(VersionConflictError);
    });

    it('refuses to update a record that does not exist', async () => {
      await expect(store.update({ ...makeRecord(), version: 1 })).rejects.toBeInstanceOf(NotFoundError);
    });

    it('writes update events to the outbox with the record, in order, once per id', async () => {
      const saved = await admitOne(makeRecord());
      await store.ackEvents((await store.pendingEvents(10)).map((p) => p.event.id));
      const next = { ...saved, phase: 'Provisioning' as const };
      const event = makeEvent(saved, 'ClusterProvisioning');
      const v2 = await store.update(next, [event]);
      await store.update(v2, [event]);
      const pending = await store.pendingEvents(10);
      expect(pending.map((p) => p.event.id)).toEqual([event.id]);
      await store.nackEvent(event.id);
      expect((await store.pendingEvents(10))[0]?.attempts).toBe(1);
      await store.ackEvents([event.id]);
      expect(await store.pendingEvents(10)).toEqual([]);
    });

    it('lists records filtered by phase', async () => {
      const a = await admitOne(makeRecord());
      const b = await admitOne(makeRecord());
      await store.update({ ...b, phase: 'Provisioning' });
      expect((await store.list()).map((r) => r.id).sort()).toEqual([a.id, b.id].sort());
      expect((await store.list({ phases: ['Provisioning'] })).map((r) => r.id)).toEqual([b.id]);
    });

    /** A record moved to `phase` at `at` (its updatedAt), through the store's own writes. */
    const moveTo = async (record: BurstCluster, phase: BurstCluster['phase'], at = clock) =>
      store.update({ ...record, phase, updatedAt: at.toISOString() });

    it('answers live records, a phase and a signal key by query', async () => {
      const live = await admitOne(makeRecord());
      const ended = await moveTo(await admitOne(makeRecord()), 'Deleted');
      const failed = await moveTo(await admitOne(makeRecord()), 'Failed');
      const active = await moveTo(await admitOne(makeRecord()), 'Active');
      const ids = (records: readonly BurstCluster[]) => records.map((r) => r.id).sort();
      expect(ids(await store.list({ live: true }))).toEqual([live.id, active.id].sort());
      expect(ids(await store.list({ phases: ['Deleted', 'Failed'] }))).toEqual([ended.id, failed.id].sort());
      expect(ids(await store.list({ phases: ['Active'] }))).toEqual([active.id]);
      expect(ids(await store.list({ phases: [] }))).toEqual([]);
      expect(ids(await store.list({ signalKey: ended.reason.signalKey }))).toEqual([ended.id]);
      expect(ids(await store.list({ signalKey: ended.reason.signalKey, live: true }))).toEqual([]);
      expect(ids(await store.list())).toEqual([live.id, ended.id, failed.id, active.id].sort());
    });

    it('lists live records as they are now after its own and another connection’s writes', async () => {
      const ids = (records: readonly BurstCluster[]) => records.map((r) => `${r.id}@${r.version}`).sort();
      const first = await admitOne(makeRecord());
      expect(ids(await store.list({ live: true }))).toEqual([`${first.id}@1`]);
      const second = await admitOne(makeRecord());
      expect(ids(await store.list({ live: true }))).toEqual([`${first.id}@1`, `${second.id}@1`].sort());
      const moved = await moveTo(first, 'Active');
      expect(ids(await store.list({ live: true }))).toEqual([`${first.id}@2`, `${second.id}@1`].sort());
      if (!h.second) return;
      const other = await h.second();
      try {
        const fromOther = makeRecord();
        await other.admit('other', () => ({ admit: true, record: fromOther, events: [] }));
        await other.update({ ...moved, phase: 'Deleted' });
        expect(ids(await store.list({ live: true }))).toEqual([`${fromOther.id}@1`, `${second.id}@1`].sort());
      } finally {
        await other.close();
      }
    });

    it('gives admission the live records and the records of its signal, not other ended ones', async () => {
      const live = await admitOne(makeRecord());
      const signalKey = 'alertmanager:{}:{alertname="HighLoad"}';
      const mine = await moveTo(
        await admitOne(makeRecord({ reason: { ...makeRecord().reason, signalKey } })),
        'Deleted',
      );
      await moveTo(await admitOne(makeRecord()), 'Deleted');
      let seen: string[] = [];
      await store.admit(signalKey, (records) => {
        seen = records.map((r) => r.id).sort();
        return { admit: false, why: 'looked' };
      });
      expect(seen).toEqual([live.id, mine.id].sort());
    });

    it('pages through every record exactly once', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) ids.push((await admitOne(makeRecord())).id);
      await moveTo((await store.get(ids[0]!))!, 'Deleted');
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.page({ limit: 3, ...(cursor === undefined ? {} : { cursor }) });
        expect(page.records.length).toBeLessThanOrEqual(3);
        seen.push(...page.records.map((r) => r.id));
        cursor = page.next;
        pages++;
      } while (cursor !== undefined && pages < 10);
      expect(seen.sort()).toEqual(ids.sort());
    });

    it('prunes ended records past the retention and keeps live, recent and undelivered ones', async () => {
      const live = await admitOne(makeRecord());
      const old = await moveTo(await admitOne(makeRecord()), 'Deleted');
      const oldFailed = await moveTo(await admitOne(makeRecord()), 'Failed');
      await store.ackEvents((await store.pendingEvents(10)).map((p) => p.event.id));
      const pendingOne = await admitOne(makeRecord());
      const lastEvent = makeEvent(pendingOne, 'ClusterDeleted');
      const undelivered = await store.update(
        { ...pendingOne, phase: 'Deleted', updatedAt: clock.toISOString() },
        [lastEvent],
      );
      await store.ackEvents(
        (await store.pendingEvents(10)).map((p) => p.event.id).filter((id) => id !== lastEvent.id),
      );
      clock = new Date(clock.getTime() + (RETENTION_SECONDS - 60) * 1000);
      const recent = await moveTo(await admitOne(makeRecord()), 'Deleted');
      expect(await store.prune()).toBe(0);
      clock = new Date(clock.getTime() + 120 * 1000);
      expect(await store.prune()).toBe(2);
      const left = (await store.list()).map((r) => r.id).sort();
      expect(left).toEqual([live.id, undelivered.id, recent.id].sort());
      expect(await store.get(old.id)).toBeUndefined();
      expect(await store.get(oldFailed.id)).toBeUndefined();
      expect(await store.prune()).toBe(0);
    });
  });
}
