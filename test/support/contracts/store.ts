import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BurstCluster } from '../../../shared/domain/burst-cluster.ts';
import type { BurstStore } from '../../../shared/drivers/store/store.ts';
import { NotFoundError, VersionConflictError } from '../../../shared/errors.ts';
import { makeEvent, makeRecord } from '../records.ts';

/** How a store implementation is set up for the contract suite. */
export interface StoreHarness {
  readonly store: BurstStore;
  /** Another client on the same backing storage (another process/function instance), if possible. */
  readonly second?: () => Promise<BurstStore>;
  readonly cleanup?: () => Promise<void>;
}

/** The behaviour every BurstStore must show. Call inside a test file. */
export function runStoreContract(name: string, setup: () => Promise<StoreHarness>): void {
  describe(`store contract: ${name}`, () => {
    let h: StoreHarness;
    let store: BurstStore;
    beforeEach(async () => {
      h = await setup();
      store = h.store;
    });
    afterEach(async () => {
      await store.close();
      await h.cleanup?.();
    });

    const admitOne = async (record: BurstCluster) => {
      const result = await store.admit(() => ({ admit: true, record, events: [makeEvent(record)] }));
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
      const result = await store.admit(() => ({ admit: false, why: 'max clusters reached' }));
      expect(result).toEqual({ admitted: false, why: 'max clusters reached' });
      expect(await store.list()).toEqual([]);
      expect(await store.pendingEvents(10)).toEqual([]);
    });

    it('admits exactly one of many concurrent admissions under a limit of one', async () => {
      const stores = [store, ...(h.second ? await Promise.all([h.second(), h.second()]) : [])];
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          stores[i % stores.length]!.admit((records) =>
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
      const again = await store.admit(() => ({ admit: true, record, events: [] }));
      expect(again).toMatchObject({ admitted: false, duplicateOf: record.id });
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
  });
}
