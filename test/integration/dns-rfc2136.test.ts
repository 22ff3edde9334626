// Over ~350 lines on purpose: one driver's behaviour against a real BIND 9 (records, ownership, someone else's records, TSIG refusals, both key algorithms).
import { randomBytes } from 'node:crypto';
import { connect, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DnsChangeSet, DnsRecord, OwnedDnsRecord } from '../../shared/domain/dns-changes.ts';
import { dnsChanges } from '../../shared/domain/dns-changes.ts';
import { DnsOwnershipError } from '../../shared/drivers/dns/ownership.ts';
import type { Rfc2136OptionsInput } from '../../shared/drivers/dns/rfc2136/options.ts';
import { Rfc2136OptionsSchema } from '../../shared/drivers/dns/rfc2136/options.ts';
import { Rfc2136Dns } from '../../shared/drivers/dns/rfc2136/rfc2136.ts';
import { DriverError } from '../../shared/errors.ts';
import { type BindServer, startBind } from '../support/bind.ts';
import { runDnsContract } from '../support/contracts/dns.ts';
import { burstId } from '../support/records.ts';

const OWNER = 'site-a';
const OTHER_OWNER_TXT = 'heritage=clusterburst,clusterburst/owner=site-b,clusterburst/resource=burst/b-other';

let bind: BindServer;

beforeAll(async () => {
  bind = await startBind({
    records: [
      'legacy 300 IN A 192.0.2.1',
      'alias 300 IN CNAME legacy',
      'taken 300 IN A 192.0.2.50',
      `cb-owner-a.taken 300 IN TXT "${OTHER_OWNER_TXT}"`,
    ],
  });
});

afterAll(async () => {
  await bind?.stop();
});

function options(overrides: Partial<Rfc2136OptionsInput> = {}): Rfc2136OptionsInput {
  return {
    server: bind.host,
    port: bind.port,
    zone: bind.zone,
    keyName: bind.keyName,
    keySecret: bind.keySecret,
    ...overrides,
  };
}

function owned(record: DnsRecord, id: string, owner = OWNER): OwnedDnsRecord {
  return { ...record, owner, burstId: id };
}

/** What `dig` says about a name: `TYPE TTL data` lines, to compare before and after. */
async function snapshot(name: string): Promise<string[]> {
  const answers = await Promise.all(['A', 'CNAME', 'TXT'].map((type) => bind.answers(name, type)));
  return answers.flat().map((a) => `${a.type} ${a.ttl} ${a.data}`);
}

/** A TCP proxy to BIND that records the opcode and record counts of each message sent through it. */
async function countingProxy(
  target: number,
): Promise<{ port: number; messages: number[][]; close: () => Promise<void> }> {
  const messages: number[][] = [];
  const server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    let buffer = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 2 && buffer.length >= buffer.readUInt16BE(0) + 2) {
        const message = buffer.subarray(2, buffer.readUInt16BE(0) + 2);
        messages.push([
          (message.readUInt16BE(2) >> 11) & 0xf,
          message.readUInt16BE(6),
          message.readUInt16BE(8),
        ]);
        buffer = buffer.subarray(message.length + 2);
      }
      upstream.write(chunk);
    });
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { port, messages, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function sync(dns: Rfc2136Dns, id: string, desired: DnsRecord[]): Promise<DnsChangeSet> {
  const plan = dnsChanges({
    owner: OWNER,
    burstId: id,
    desired,
    current: await dns.listOwned(OWNER, { burstId: id }),
  });
  await dns.apply(plan);
  return plan;
}

runDnsContract('rfc2136 on BIND 9', async () => ({
  dns: new Rfc2136Dns(Rfc2136OptionsSchema.parse(options())),
  zone: bind.zone,
  foreign: { name: `legacy.${bind.zone}`, type: 'A', ttl: 300, values: ['192.0.2.1'] },
  lookup: (name, type) => bind.query(name, type),
}));

describe('rfc2136 driver on BIND 9', () => {
  it('writes each record with an ownership TXT beside it that names the owner and the burst', async () => {
    const dns = new Rfc2136Dns(Rfc2136OptionsSchema.parse(options()));
    const id = burstId();
    await sync(dns, id, [
      { name: `${id}.example.org`, type: 'A', ttl: 45, values: ['192.0.2.10', '192.0.2.11'] },
    ]);
    expect((await bind.query(`${id}.example.org`, 'A')).sort()).toEqual(['192.0.2.10', '192.0.2.11']);
    expect(await bind.answers(`cb-owner-a.${id}.example.org`, 'TXT')).toEqual([
      {
        name: `cb-owner-a.${id}.example.org`,
        ttl: 45,
        type: 'TXT',
        data: `"heritage=clusterburst,clusterburst/owner=${OWNER},clusterburst/resource=burst/${id}"`,
      },
    ]);
  });

  it('updates the TTL and values of a record it owns, and lists it back as written', async () => {
    const dns = new Rfc2136Dns(Rfc2136OptionsSchema.parse(options()));
    const id = burstId();
    const name = `${id}.example.org`;
    await sync(dns, id, [{ name, type: 'AAAA', ttl: 30, values: ['2001:db8::10'] }]);
    await sync(dns, id, [{ name, type: 'AAAA', ttl: 120, values: ['2001:db8::11', '2001:db8::12'] }]);
    const answers = await bind.answers(name, 'AAAA');
    expect(answers.map((a) => `${a.ttl} ${a.data}`).sort()).toEqual(['120 2001:db8::11', '120 2001:db8::12']);
    expect(await dns.listOwned(OWNER, { burstId: id })).toEqual([
      owned({ name, type: 'AAAA', ttl: 120, values: ['2001:db8::11', '2001:db8::12'] }, id),
    ]);
  });

  it('creates, repoints and deletes a CNAME (gateway mode points a name at the cluster ingress)', async () => {
    const dns = new Rfc2136Dns(Rfc2136OptionsSchema.parse(options()));
    const id = burstId();
    const name = `svc-${id}.example.org`;
    await sync(dns, id, [{ name, type: 'CNAME', ttl: 30, values: ['ingress-1.example.net'] }]);
    expect(await bind.query(name, 'CNAME')).toEqual(['ingress-1.example.net.']);
    await sync(dns, id, [{ name, type: 'CNAME', ttl: 30, values: ['ingress-2.example.net'] }]);
    expect(await bind.query(name, 'CNAME')).toEqual(['ingress-2.example.net.']);
    await sync(dns, id, []);
    expect(await snapshot(name)).toEqual([]);
    expect(await bind.query(`cb-owner-cname.${name}`, 'TXT')).toEqual([]);
  });

  describe('a record that existed before and is not ours', () => {
    const legacy: DnsRecord = { name: 'legacy.example.org', type: 'A', ttl: 300, values: ['192.0.2.1'] };

    it('survives an attempted create over it, refused as an ownership conflict', async () => {
      const before = await snapshot(legacy.name);
      const dns = new Rfc2136Dns(Rfc2136OptionsSchema.parse(options()));
      const plan: DnsChangeSet = {
        changes: [{ action: 'create', record: owned({ ...legacy, values: ['198.51.100.1'] }, burstId()) }],
      };
      const error = await dns.apply(plan).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DnsOwnershipError);
      expect(String(error)).toContain('legacy.example.org A exists and is not ours');
      expect(await snapshot(legacy.name)).toEqual(before);
    });

    it('survives an update or delete that claims it is ours', async () => {
      const before = await snapshot(legacy.name);
      const dns = new Rfc2136Dns(Rfc2136OptionsSchema.parse(options()));
      const claimed = owned(legacy, burstId());
      const update: DnsChangeSet = {
        changes: [{ action: 'update', previous: claimed, record: { ...claimed, values: ['198.51.100.2'] } }],
      };
      const remove: DnsChangeSet = { changes: [{ action: 'delete', previous: claimed }] };
      await expect(dns.apply(update)).rejects.toThrow(
        /legacy.example.org A has no ownership record with our owner/,
      );
      await expect(dns.apply(remove)).rejects.toThrow(DnsOwnershipError);
      expect(await snapshot(legacy.name)).toEqual(before);
    });

    it('survives a CNAME create at its name (a CNAME cannot share a name)', async () => {
      const before = await snapshot(legacy.name);
      const dns = new Rfc2136Dns(Rfc2136OptionsSchema.parse(options()));
      const record = owned(
        { name: legacy.name, type: 'CNAME', ttl: 30, values: ['ingress.example.net'] },
        burstId(),
      );
      await expect(dns.apply({ changes: [{ action: 'create', record }] })).rejects.toThrow(DnsOwnershipError);
      expect(await snapshot(legacy.name)).toEqual(before);
    });

    it('survives an A create at the name of a foreign CNAME', async () => {
      const before = await snapshot('alias.example.org');
      const dns = new Rfc2136Dns(Rfc2136OptionsSchema.parse(options()));
      const record = owned(
        { name: 'alias.example.org', type: 'A', ttl: 30, values: ['198.51.100.3'] },
        burstId(),
      );
      await expect(dns.apply({ changes: [{ action: 'create', record }] })).rejects.toThrow(DnsOwnershipError);
      expect(await snapshot('alias.example.org')).toEqual(before);
    });

    it('survives when it is owned by another clusterburst installation, and is never listed as ours', async () => {
      const before = await snapshot('taken.example.org');
      const dns = new Rfc2136Dns(Rfc2136OptionsSchema.parse(options()));
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
      expect(await snapshot('cb-owner-a.taken.example.org')).toEqual([`TXT 300 "${OTHER_OWNER_TXT}"`]);
      expect((await dns.listOwned(OWNER)).map((r) => r.name)).not.toContain('taken.example.org');
      expect((await dns.listOwned('site-b')).map((r) => r.burstId)).toEqual(['b-other']);
    });
  });

  it('applies none of a batch when one of its changes would overwrite a foreign record', async () => {
    const dns = new Rfc2136Dns(Rfc2136OptionsSchema.parse(options()));
    const id = burstId();
    const plan: DnsChangeSet = {
      changes: [
        {
          action: 'create',
          record: owned({ name: `${id}.example.org`, type: 'A', ttl: 30, values: ['192.0.2.20'] }, id),
        },
        {
          action: 'create',
          record: owned({ name: 'legacy.example.org', type: 'A', ttl: 30, values: ['192.0.2.21'] }, id),
        },
      ],
    };
    const error = await dns.apply(plan).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DnsOwnershipError);
    expect((error as DnsOwnershipError).conflicts).toEqual(['legacy.example.org A exists and is not ours']);
    expect(await bind.query(`${id}.example.org`, 'A')).toEqual([]);
  });

  it('treats a create repeated after it already succeeded as done, not as a conflict', async () => {
    const dns = new Rfc2136Dns(Rfc2136OptionsSchema.parse(options()));
    const id = burstId();
    const plan: DnsChangeSet = {
      changes: [
        {
          action: 'create',
          record: owned({ name: `${id}.example.org`, type: 'A', ttl: 30, values: ['192.0.2.30'] }, id),
        },
      ],
    };
    await dns.apply(plan);
    await dns.apply(plan);
    expect(await bind.query(`${id}.example.org`, 'A')).toEqual(['192.0.2.30']);
  });

  it('applies 120 changes in UPDATE messages of at most 50 changes', async () => {
    const proxy = await countingProxy(bind.port);
    try {
      const dns = new Rfc2136Dns(Rfc2136OptionsSchema.parse(options({ port: proxy.port })));
      const id = burstId();
      const desired: DnsRecord[] = Array.from({ length: 120 }, (_, i) => ({
        name: `n${i}.${id}.example.org`,
        type: 'A',
        ttl: 30,
        values: [`198.51.100.${i}`],
      }));
      await sync(dns, id, desired);
      // [opcode, prerequisites, updates]: a create checks 3 prerequisites and adds 2 records.
      const updates = proxy.messages.filter(([opcode]) => opcode === 5);
      expect(updates).toEqual([
        [5, 150, 100],
        [5, 150, 100],
        [5, 60, 40],
      ]);
      expect(await dns.listOwned(OWNER, { burstId: id })).toHaveLength(120);
      expect(await bind.query(`n119.${id}.example.org`, 'A')).toEqual(['198.51.100.119']);
      await sync(dns, id, []);
      expect(await dns.listOwned(OWNER, { burstId: id })).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('sends small updates over UDP when asked to', async () => {
    const dns = new Rfc2136Dns(Rfc2136OptionsSchema.parse(options({ transport: 'udp' })));
    const id = burstId();
    await sync(dns, id, [{ name: `${id}.example.org`, type: 'A', ttl: 30, values: ['192.0.2.40'] }]);
    expect(await bind.query(`${id}.example.org`, 'A')).toEqual(['192.0.2.40']);
  });

  it('refuses weighted records, which plain DNS cannot express, before sending anything', async () => {
    const dns = new Rfc2136Dns(Rfc2136OptionsSchema.parse(options()));
    const id = burstId();
    const record = owned(
      {
        name: `${id}.example.org`,
        type: 'A',
        ttl: 30,
        values: ['192.0.2.60'],
        setIdentifier: 'eks-1',
        weight: 10,
      },
      id,
    );
    await expect(dns.apply({ changes: [{ action: 'create', record }] })).rejects.toThrow(
      /no weighted records/,
    );
    expect(await bind.query(`${id}.example.org`, 'A')).toEqual([]);
  });

  describe('a TSIG key BIND does not accept', () => {
    const wrongSecret = randomBytes(32).toString('base64');

    it('is refused on update with an error naming the key and the server (BADSIG)', async () => {
      const dns = new Rfc2136Dns(Rfc2136OptionsSchema.parse(options({ keySecret: wrongSecret })));
      const id = burstId();
      const plan: DnsChangeSet = {
        changes: [
          {
            action: 'create',
            record: owned({ name: `${id}.example.org`, type: 'A', ttl: 30, values: ['192.0.2.70'] }, id),
          },
        ],
      };
      const error = await dns.apply(plan).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DriverError);
      expect((error as DriverError).message).toBe(
        `rfc2136: TSIG key "clusterburst-key" refused by 127.0.0.1:${bind.port} (BADSIG)`,
      );
      expect((error as DriverError).retryable).toBe(false);
      expect((error as DriverError).message).not.toContain(wrongSecret);
      expect(await bind.query(`${id}.example.org`, 'A')).toEqual([]);
    });

    it('is refused on the zone transfer that lists what we own', async () => {
      const dns = new Rfc2136Dns(Rfc2136OptionsSchema.parse(options({ keySecret: wrongSecret })));
      await expect(dns.listOwned(OWNER)).rejects.toThrow(
        `TSIG key "clusterburst-key" refused by 127.0.0.1:${bind.port} (BADSIG)`,
      );
    });

    it('is refused as BADKEY when BIND does not know its name', async () => {
      const dns = new Rfc2136Dns(Rfc2136OptionsSchema.parse(options({ keyName: 'unknown-key' })));
      await expect(dns.listOwned(OWNER)).rejects.toThrow(
        `TSIG key "unknown-key" refused by 127.0.0.1:${bind.port} (BADKEY)`,
      );
    });
  });

  it('reports an unreachable server as a retryable error', async () => {
    const dns = new Rfc2136Dns(Rfc2136OptionsSchema.parse(options({ port: 1, timeoutMs: 2000 })));
    const error = await dns.listOwned(OWNER).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DriverError);
    expect((error as DriverError).retryable).toBe(true);
  });
});

describe('rfc2136 driver with an hmac-sha512 key', () => {
  let bind512: BindServer;
  beforeAll(async () => {
    bind512 = await startBind({ keyAlgorithm: 'hmac-sha512', keyName: 'sha512-key' });
  });
  afterAll(async () => {
    await bind512?.stop();
  });

  it('creates and lists records signed with hmac-sha512', async () => {
    const dns = new Rfc2136Dns(
      Rfc2136OptionsSchema.parse({
        server: bind512.host,
        port: bind512.port,
        zone: bind512.zone,
        keyName: bind512.keyName,
        keyAlgorithm: 'hmac-sha512',
        keySecret: bind512.keySecret,
      }),
    );
    const id = burstId();
    await sync(dns, id, [{ name: `${id}.example.org`, type: 'A', ttl: 30, values: ['192.0.2.80'] }]);
    expect(await bind512.query(`${id}.example.org`, 'A')).toEqual(['192.0.2.80']);
    expect((await dns.listOwned(OWNER, { burstId: id })).map((r) => r.values)).toEqual([['192.0.2.80']]);
  });
});
