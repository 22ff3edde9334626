import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DnsChangeSet, DnsRecord, OwnedDnsRecord } from '../../shared/domain/dns-changes.ts';
import { dnsChanges } from '../../shared/domain/dns-changes.ts';
import { DnsOwnershipError } from '../../shared/drivers/dns/ownership.ts';
import { PowerDns } from '../../shared/drivers/dns/powerdns.ts';
import { PowerDnsOptionsSchema } from '../../shared/drivers/dns/powerdns-options.ts';
import { Rfc2136OptionsSchema } from '../../shared/drivers/dns/rfc2136/options.ts';
import { Rfc2136Dns } from '../../shared/drivers/dns/rfc2136/rfc2136.ts';
import { DriverError } from '../../shared/errors.ts';
import { runDnsContract } from '../support/contracts/dns.ts';
import { type PowerDnsServer, startPowerDns } from '../support/powerdns.ts';
import { burstId } from '../support/records.ts';

const OWNER = 'site-a';
const OTHER_OWNER_TXT =
  '"heritage=clusterburst,clusterburst/owner=site-b,clusterburst/resource=burst/b-other"';

let pdns: PowerDnsServer;

beforeAll(async () => {
  pdns = await startPowerDns({
    tsig: true,
    records: [
      { name: 'legacy.example.org', type: 'A', ttl: 300, contents: ['192.0.2.1'] },
      { name: 'alias.example.org', type: 'CNAME', ttl: 300, contents: ['legacy.example.org.'] },
      { name: 'taken.example.org', type: 'A', ttl: 300, contents: ['192.0.2.50'] },
      { name: 'cb-owner-a.taken.example.org', type: 'TXT', ttl: 300, contents: [OTHER_OWNER_TXT] },
    ],
  });
});

afterAll(async () => {
  await pdns?.stop();
});

function driver(apiKey = pdns.apiKey): PowerDns {
  return new PowerDns(PowerDnsOptionsSchema.parse({ apiUrl: pdns.apiUrl, apiKey, zone: pdns.zone }));
}

function owned(record: DnsRecord, id: string): OwnedDnsRecord {
  return { ...record, owner: OWNER, burstId: id };
}

async function snapshot(name: string): Promise<string[]> {
  const answers = await Promise.all(['A', 'CNAME', 'TXT'].map((type) => pdns.answers(name, type)));
  return answers.flat().map((a) => `${a.type} ${a.ttl} ${a.data}`);
}

async function sync(dns: PowerDns, id: string, desired: DnsRecord[]): Promise<void> {
  await dns.apply(
    dnsChanges({ owner: OWNER, burstId: id, desired, current: await dns.listOwned(OWNER, { burstId: id }) }),
  );
}

const foreign: DnsRecord = { name: 'legacy.example.org', type: 'A', ttl: 300, values: ['192.0.2.1'] };

runDnsContract('powerdns HTTP API on PowerDNS 4.7', async () => ({
  dns: driver(),
  zone: pdns.zone,
  foreign,
  lookup: (name, type) => pdns.query(name, type),
}));

runDnsContract('rfc2136 on PowerDNS 4.7 (dnsupdate with TSIG)', async () => ({
  dns: new Rfc2136Dns(
    Rfc2136OptionsSchema.parse({
      server: pdns.host,
      port: pdns.port,
      zone: pdns.zone,
      keyName: pdns.tsig?.keyName ?? '',
      keySecret: pdns.tsig?.keySecret ?? '',
    }),
  ),
  zone: pdns.zone,
  foreign,
  lookup: (name, type) => pdns.query(name, type),
}));

describe('powerdns driver', () => {
  it('writes each record with an ownership TXT beside it, and updates TTL and values', async () => {
    const dns = driver();
    const id = burstId();
    const name = `${id}.example.org`;
    await sync(dns, id, [{ name, type: 'A', ttl: 30, values: ['192.0.2.10'] }]);
    expect(await pdns.answers(`cb-owner-a.${name}`, 'TXT')).toEqual([
      {
        name: `cb-owner-a.${name}`,
        ttl: 30,
        type: 'TXT',
        data: `"heritage=clusterburst,clusterburst/owner=${OWNER},clusterburst/resource=burst/${id}"`,
      },
    ]);
    await sync(dns, id, [{ name, type: 'A', ttl: 90, values: ['192.0.2.11', '192.0.2.12'] }]);
    expect((await pdns.answers(name, 'A')).map((a) => `${a.ttl} ${a.data}`).sort()).toEqual([
      '90 192.0.2.11',
      '90 192.0.2.12',
    ]);
    expect(await dns.listOwned(OWNER, { burstId: id })).toEqual([
      owned({ name, type: 'A', ttl: 90, values: ['192.0.2.11', '192.0.2.12'] }, id),
    ]);
  });

  it('creates, repoints and deletes a CNAME', async () => {
    const dns = driver();
    const id = burstId();
    const name = `svc-${id}.example.org`;
    await sync(dns, id, [{ name, type: 'CNAME', ttl: 30, values: ['ingress-1.example.net'] }]);
    expect(await pdns.query(name, 'CNAME')).toEqual(['ingress-1.example.net.']);
    await sync(dns, id, [{ name, type: 'CNAME', ttl: 30, values: ['ingress-2.example.net'] }]);
    expect(await pdns.query(name, 'CNAME')).toEqual(['ingress-2.example.net.']);
    expect((await dns.listOwned(OWNER, { burstId: id }))[0]?.values).toEqual(['ingress-2.example.net']);
    await sync(dns, id, []);
    expect(await snapshot(name)).toEqual([]);
    expect(await snapshot(`cb-owner-cname.${name}`)).toEqual([]);
  });

  describe('a record that existed before and is not ours', () => {
    it('survives an attempted create, update or delete, each refused as an ownership conflict', async () => {
      const before = await snapshot(foreign.name);
      const dns = driver();
      const claimed = owned(foreign, burstId());
      const plans: DnsChangeSet[] = [
        { changes: [{ action: 'create', record: { ...claimed, values: ['198.51.100.1'] } }] },
        {
          changes: [
            { action: 'update', previous: claimed, record: { ...claimed, values: ['198.51.100.2'] } },
          ],
        },
        { changes: [{ action: 'delete', previous: claimed }] },
        {
          changes: [
            { action: 'create', record: { ...claimed, type: 'CNAME', values: ['ingress.example.net'] } },
          ],
        },
      ];
      for (const plan of plans) await expect(dns.apply(plan)).rejects.toThrow(DnsOwnershipError);
      expect(await snapshot(foreign.name)).toEqual(before);
    });

    it('survives an A create at the name of a foreign CNAME', async () => {
      const before = await snapshot('alias.example.org');
      const record = owned(
        { name: 'alias.example.org', type: 'A', ttl: 30, values: ['198.51.100.3'] },
        burstId(),
      );
      await expect(driver().apply({ changes: [{ action: 'create', record }] })).rejects.toThrow(
        'alias.example.org A exists and is not ours',
      );
      expect(await snapshot('alias.example.org')).toEqual(before);
    });

    it('survives when another clusterburst installation owns it, and is not listed as ours', async () => {
      const before = await snapshot('taken.example.org');
      const dns = driver();
      const claimed = owned(
        { name: 'taken.example.org', type: 'A', ttl: 300, values: ['192.0.2.50'] },
        'b-other',
      );
      await expect(dns.apply({ changes: [{ action: 'delete', previous: claimed }] })).rejects.toThrow(
        DnsOwnershipError,
      );
      await expect(dns.apply({ changes: [{ action: 'create', record: claimed }] })).rejects.toThrow(
        DnsOwnershipError,
      );
      expect(await snapshot('taken.example.org')).toEqual(before);
      expect(await snapshot('cb-owner-a.taken.example.org')).toEqual([`TXT 300 ${OTHER_OWNER_TXT}`]);
      expect((await dns.listOwned(OWNER)).map((r) => r.name)).not.toContain('taken.example.org');
    });
  });

  it('applies none of a plan when one change would overwrite a foreign record', async () => {
    const id = burstId();
    const plan: DnsChangeSet = {
      changes: [
        {
          action: 'create',
          record: owned({ name: `${id}.example.org`, type: 'A', ttl: 30, values: ['192.0.2.20'] }, id),
        },
        { action: 'create', record: owned({ ...foreign, values: ['192.0.2.21'] }, id) },
      ],
    };
    const error = await driver()
      .apply(plan)
      .catch((caught: unknown) => caught);
    expect((error as DnsOwnershipError).conflicts).toEqual(['legacy.example.org A exists and is not ours']);
    expect(await pdns.query(`${id}.example.org`, 'A')).toEqual([]);
  });

  it('treats a create repeated after it already succeeded as done', async () => {
    const id = burstId();
    const plan: DnsChangeSet = {
      changes: [
        {
          action: 'create',
          record: owned({ name: `${id}.example.org`, type: 'A', ttl: 30, values: ['192.0.2.30'] }, id),
        },
      ],
    };
    await driver().apply(plan);
    await driver().apply(plan);
    expect(await pdns.query(`${id}.example.org`, 'A')).toEqual(['192.0.2.30']);
  });

  it('refuses a wrong API key with an error naming the server, never the key', async () => {
    const wrong = 'not-the-api-key-0123456789';
    const error = await driver(wrong)
      .listOwned(OWNER)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DriverError);
    expect((error as DriverError).message).toBe(`powerdns: API key refused by ${pdns.apiUrl} (401)`);
    expect((error as DriverError).retryable).toBe(false);
    expect(String(driver(wrong))).not.toContain(wrong);
    expect(JSON.stringify(driver(wrong))).not.toContain(wrong);
  });

  it('refuses weighted records, which plain DNS cannot express', async () => {
    const id = burstId();
    const record = owned(
      {
        name: `${id}.example.org`,
        type: 'A',
        ttl: 30,
        values: ['192.0.2.60'],
        setIdentifier: 'eks-1',
        weight: 1,
      },
      id,
    );
    await expect(driver().apply({ changes: [{ action: 'create', record }] })).rejects.toThrow(
      /no weighted records/,
    );
    expect(await pdns.query(`${id}.example.org`, 'A')).toEqual([]);
  });

  it('reports an unreachable API as a retryable error', async () => {
    const dns = new PowerDns(
      PowerDnsOptionsSchema.parse({
        apiUrl: 'http://127.0.0.1:1',
        apiKey: 'x',
        zone: pdns.zone,
        timeoutMs: 2000,
      }),
    );
    const error = await dns.listOwned(OWNER).catch((caught: unknown) => caught);
    expect((error as DriverError).retryable).toBe(true);
  });
});
