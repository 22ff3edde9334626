import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DnsRecord } from '../../../shared/domain/dns-changes.ts';
import { dnsChanges } from '../../../shared/domain/dns-changes.ts';
import type { DnsDriver } from '../../../shared/drivers/dns/dns.ts';
import { burstId } from '../records.ts';

/** How a DNS implementation is set up for the contract suite. */
export interface DnsHarness {
  readonly dns: DnsDriver;
  /** Zone the records live in, e.g. `burst.example.test`. */
  readonly zone: string;
  /** A record that existed before and is not ours. */
  readonly foreign: DnsRecord;
  /** What the server answers for a name and type (values), read independently of the driver. */
  readonly lookup: (name: string, type: DnsRecord['type']) => Promise<string[]>;
  readonly cleanup?: () => Promise<void>;
}

/** The behaviour every DnsDriver must show. Call inside a test file. */
export function runDnsContract(name: string, setup: () => Promise<DnsHarness>): void {
  describe(`dns contract: ${name}`, () => {
    let h: DnsHarness;
    const owner = 'contract-owner';
    beforeEach(async () => {
      h = await setup();
    });
    afterEach(async () => {
      await h.dns.close?.();
      await h.cleanup?.();
    });

    const sync = async (id: string, desired: DnsRecord[]) => {
      const current = await h.dns.listOwned(owner, { burstId: id });
      const plan = dnsChanges({ owner, burstId: id, desired, current });
      await h.dns.apply(plan);
      return plan;
    };

    it('creates, updates and deletes a record it owns', async () => {
      const id = burstId();
      const record: DnsRecord = { name: `${id}.${h.zone}`, type: 'A', ttl: 30, values: ['127.0.0.10'] };
      await sync(id, [record]);
      expect(await h.lookup(record.name, 'A')).toEqual(['127.0.0.10']);
      expect((await h.dns.listOwned(owner, { burstId: id })).map((r) => r.name)).toEqual([record.name]);
      await sync(id, [{ ...record, values: ['127.0.0.11'] }]);
      expect(await h.lookup(record.name, 'A')).toEqual(['127.0.0.11']);
      await sync(id, []);
      expect(await h.lookup(record.name, 'A')).toEqual([]);
      expect(await h.dns.listOwned(owner, { burstId: id })).toEqual([]);
    });

    it('plans no change when what is owned equals what is desired', async () => {
      const id = burstId();
      const record: DnsRecord = { name: `${id}.${h.zone}`, type: 'A', ttl: 30, values: ['127.0.0.12'] };
      await sync(id, [record]);
      const plan = await sync(id, [record]);
      expect(plan.changes).toEqual([]);
    });

    it('never overwrites or lists a record that is not ours', async () => {
      const id = burstId();
      const before = await h.lookup(h.foreign.name, h.foreign.type);
      await expect(sync(id, [{ ...h.foreign, values: ['127.0.0.66'] }])).rejects.toThrow();
      expect(await h.lookup(h.foreign.name, h.foreign.type)).toEqual(before);
      const owned = await h.dns.listOwned(owner);
      expect(owned.map((r) => r.name)).not.toContain(h.foreign.name);
    });

    it('keeps the records of one burst apart from another', async () => {
      const a = burstId();
      const b = burstId();
      await sync(a, [{ name: `${a}.${h.zone}`, type: 'A', ttl: 30, values: ['127.0.0.13'] }]);
      await sync(b, [{ name: `${b}.${h.zone}`, type: 'A', ttl: 30, values: ['127.0.0.14'] }]);
      await sync(a, []);
      expect(await h.lookup(`${b}.${h.zone}`, 'A')).toEqual(['127.0.0.14']);
      expect(await h.dns.listOwned('another-owner')).toEqual([]);
    });
  });
}
