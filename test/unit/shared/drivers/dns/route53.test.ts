// Over ~350 lines on purpose: one driver's behaviour at the Route 53 client boundary (contract, change batches, waiting for INSYNC) with the batch semantics it relies on.
import {
  ChangeResourceRecordSetsCommand,
  type ChangeResourceRecordSetsCommandInput,
  GetChangeCommand,
  InvalidChangeBatch,
  ListResourceRecordSetsCommand,
  type ListResourceRecordSetsCommandInput,
  type ResourceRecordSet,
  Route53Client,
  ThrottlingException,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../../shared/config/load-config.ts';
import type { DnsChangeSet, OwnedDnsRecord } from '../../../../../shared/domain/dns-changes.ts';
import { DnsOwnershipError } from '../../../../../shared/drivers/dns/ownership.ts';
import { Route53Dns } from '../../../../../shared/drivers/dns/route53.ts';
import { Route53OptionsSchema } from '../../../../../shared/drivers/dns/route53-options.ts';
import { ConfigError, DriverError } from '../../../../../shared/errors.ts';
import { runDnsContract } from '../../../../support/contracts/dns.ts';

const ZONE_ID = 'Z0123456789ABC';
const route53 = mockClient(Route53Client);

const key = (set: ResourceRecordSet) => `${set.Name}|${set.Type}|${set.SetIdentifier ?? ''}`;
const same = (a: ResourceRecordSet, b: ResourceRecordSet) =>
  a.TTL === b.TTL &&
  a.Weight === b.Weight &&
  JSON.stringify(a.ResourceRecords) === JSON.stringify(b.ResourceRecords);

function rejectBatch(message: string): never {
  throw new InvalidChangeBatch({ message, messages: [message], $metadata: { httpStatusCode: 400 } });
}

/**
 * Route 53's documented batch semantics, in memory: all or nothing; CREATE fails on an existing
 * set or a CNAME clash, DELETE fails unless the set matches exactly. Lists 3 sets per page so
 * paging is exercised.
 */
function simulateRoute53(initial: ResourceRecordSet[] = []): Map<string, ResourceRecordSet> {
  const zone = new Map(initial.map((set) => [key(set), set]));
  let changeId = 0;
  route53.on(ChangeResourceRecordSetsCommand).callsFake((input: ChangeResourceRecordSetsCommandInput) => {
    const next = new Map(zone);
    for (const change of input.ChangeBatch?.Changes ?? []) {
      const set = change.ResourceRecordSet as ResourceRecordSet;
      const existing = next.get(key(set));
      const atName = [...next.values()].filter((other) => other.Name === set.Name);
      if (change.Action === 'CREATE') {
        if (existing)
          rejectBatch(
            `Tried to create resource record set [name='${set.Name}', type='${set.Type}'] but it already exists`,
          );
        // A CNAME shares its name only with other weighted CNAME sets.
        if (atName.some((other) => (set.Type === 'CNAME') !== (other.Type === 'CNAME'))) {
          rejectBatch(`RRSet of type ${set.Type} with DNS name ${set.Name} conflicts with other records`);
        }
        next.set(key(set), set);
      } else if (change.Action === 'DELETE') {
        if (!existing || !same(existing, set)) {
          rejectBatch(
            `Tried to delete resource record set [name='${set.Name}', type='${set.Type}'] but the values do not match`,
          );
        }
        next.delete(key(set));
      } else {
        next.set(key(set), set);
      }
    }
    zone.clear();
    for (const [k, v] of next) zone.set(k, v);
    changeId += 1;
    return { ChangeInfo: { Id: `/change/C${changeId}`, Status: 'PENDING', SubmittedAt: new Date() } };
  });
  route53.on(ListResourceRecordSetsCommand).callsFake((input: ListResourceRecordSetsCommandInput) => {
    const sorted = [...zone.values()].sort((a, b) => key(a).localeCompare(key(b)));
    const start = input.StartRecordName
      ? sorted.findIndex(
          (set) =>
            set.Name === input.StartRecordName &&
            set.Type === input.StartRecordType &&
            set.SetIdentifier === input.StartRecordIdentifier,
        )
      : 0;
    const page = sorted.slice(start, start + 3);
    const next = sorted[start + 3];
    return {
      ResourceRecordSets: page,
      IsTruncated: next !== undefined,
      MaxItems: 3,
      ...(next
        ? { NextRecordName: next.Name, NextRecordType: next.Type, NextRecordIdentifier: next.SetIdentifier }
        : {}),
    };
  });
  return zone;
}

const FOREIGN: ResourceRecordSet = {
  Name: 'www.example.org.',
  Type: 'A',
  TTL: 300,
  ResourceRecords: [{ Value: '192.0.2.1' }],
};
const OURS = (owner: string, burst: string) =>
  `"heritage=clusterburst,clusterburst/owner=${owner},clusterburst/resource=burst/${burst}"`;

function dns(
  options: Partial<ConstructorParameters<typeof Route53Dns>[0]> = {},
  sleep?: (ms: number) => Promise<void>,
) {
  return new Route53Dns(
    Route53OptionsSchema.parse({ hostedZoneId: ZONE_ID, zone: 'example.org', ...options }),
    { client: new Route53Client({ region: 'us-east-1' }), ...(sleep ? { sleep } : {}) },
  );
}

const record: OwnedDnsRecord = {
  name: 'web.example.org',
  type: 'A',
  ttl: 30,
  values: ['192.0.2.10'],
  owner: 'site-a',
  burstId: 'b-1',
};
const weighted = (set: string, weight: number, value: string, burst: string): OwnedDnsRecord => ({
  name: 'app.example.org',
  type: 'CNAME',
  ttl: 30,
  values: [value],
  setIdentifier: set,
  weight,
  owner: 'site-a',
  burstId: burst,
});

function sentBatches() {
  return route53
    .commandCalls(ChangeResourceRecordSetsCommand)
    .map((call) => call.args[0].input.ChangeBatch?.Changes);
}

afterEach(() => {
  route53.reset();
});

describe('route53 contract (Route 53 batch semantics simulated)', () => {
  let zone: Map<string, ResourceRecordSet>;
  beforeEach(() => {
    zone = simulateRoute53([FOREIGN]);
  });
  runDnsContract('route53', async () => {
    zone = simulateRoute53([FOREIGN]);
    return {
      dns: dns(),
      zone: 'example.org',
      foreign: { name: 'www.example.org', type: 'A', ttl: 300, values: ['192.0.2.1'] },
      lookup: async (name, type) =>
        zone.get(`${name}.|${type}|`)?.ResourceRecords?.map((r) => r.Value ?? '') ?? [],
    };
  });
});

describe('route53 change batches', () => {
  beforeEach(() => {
    simulateRoute53([FOREIGN]);
  });

  it('creates a record and its ownership TXT in one atomic batch of CREATEs', async () => {
    await dns().apply({ changes: [{ action: 'create', record }] });
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)[0]?.args[0].input).toEqual({
      HostedZoneId: ZONE_ID,
      ChangeBatch: {
        Comment: 'clusterburst',
        Changes: [
          {
            Action: 'CREATE',
            ResourceRecordSet: {
              Name: 'web.example.org.',
              Type: 'A',
              TTL: 30,
              ResourceRecords: [{ Value: '192.0.2.10' }],
            },
          },
          {
            Action: 'CREATE',
            ResourceRecordSet: {
              Name: 'cb-owner-a.web.example.org.',
              Type: 'TXT',
              TTL: 30,
              ResourceRecords: [{ Value: OURS('site-a', 'b-1') }],
            },
          },
        ],
      },
    });
  });

  it('updates by deleting exactly what we own and creating the new sets, in one batch', async () => {
    const next = { ...record, ttl: 60, values: ['192.0.2.11'] };
    await dns().apply({ changes: [{ action: 'create', record }] });
    await dns().apply({ changes: [{ action: 'update', previous: record, record: next }] });
    expect(sentBatches()[1]).toEqual([
      {
        Action: 'DELETE',
        ResourceRecordSet: {
          Name: 'web.example.org.',
          Type: 'A',
          TTL: 30,
          ResourceRecords: [{ Value: '192.0.2.10' }],
        },
      },
      {
        Action: 'DELETE',
        ResourceRecordSet: {
          Name: 'cb-owner-a.web.example.org.',
          Type: 'TXT',
          TTL: 30,
          ResourceRecords: [{ Value: OURS('site-a', 'b-1') }],
        },
      },
      {
        Action: 'CREATE',
        ResourceRecordSet: {
          Name: 'web.example.org.',
          Type: 'A',
          TTL: 60,
          ResourceRecords: [{ Value: '192.0.2.11' }],
        },
      },
      {
        Action: 'CREATE',
        ResourceRecordSet: {
          Name: 'cb-owner-a.web.example.org.',
          Type: 'TXT',
          TTL: 60,
          ResourceRecords: [{ Value: OURS('site-a', 'b-1') }],
        },
      },
    ]);
  });

  it('writes weighted records with one set identifier per cluster and an ownership TXT per set', async () => {
    const plan: DnsChangeSet = {
      changes: [
        { action: 'create', record: weighted('eks-1', 10, 'ingress.eks-1.example.net', 'b-1') },
        { action: 'create', record: weighted('gke-1', 0, 'ingress.gke-1.example.net', 'b-2') },
      ],
    };
    await dns().apply(plan);
    expect(sentBatches()).toHaveLength(1);
    expect(
      sentBatches()[0]?.map((c) => [
        c.Action,
        c.ResourceRecordSet?.Name,
        c.ResourceRecordSet?.SetIdentifier,
        c.ResourceRecordSet?.Weight,
      ]),
    ).toEqual([
      ['CREATE', 'app.example.org.', 'eks-1', 10],
      ['CREATE', 'cb-owner-cname-eks-1.app.example.org.', undefined, undefined],
      ['CREATE', 'app.example.org.', 'gke-1', 0],
      ['CREATE', 'cb-owner-cname-gke-1.app.example.org.', undefined, undefined],
    ]);
    const listed = await dns().listOwned('site-a');
    expect(listed.map((r) => [r.setIdentifier, r.weight, r.values[0], r.burstId])).toEqual([
      ['eks-1', 10, 'ingress.eks-1.example.net', 'b-1'],
      ['gke-1', 0, 'ingress.gke-1.example.net', 'b-2'],
    ]);
  });

  it('moves traffic off one cluster by setting its weight to 0 without touching the other set', async () => {
    const eks = weighted('eks-1', 10, 'ingress.eks-1.example.net', 'b-1');
    const gke = weighted('gke-1', 10, 'ingress.gke-1.example.net', 'b-2');
    await dns().apply({
      changes: [
        { action: 'create', record: eks },
        { action: 'create', record: gke },
      ],
    });
    await dns().apply({ changes: [{ action: 'update', previous: eks, record: { ...eks, weight: 0 } }] });
    const names = sentBatches()[1]?.map(
      (c) =>
        `${c.Action} ${c.ResourceRecordSet?.SetIdentifier ?? 'txt'} ${c.ResourceRecordSet?.Weight ?? ''}`,
    );
    expect(names).toEqual(['DELETE eks-1 10', 'DELETE txt ', 'CREATE eks-1 0', 'CREATE txt ']);
    expect((await dns().listOwned('site-a', { burstId: 'b-2' }))[0]?.weight).toBe(10);
  });

  it('refuses a weighted record without a weight before calling Route 53', async () => {
    const { weight: _, ...noWeight } = weighted('eks-1', 1, 'x.example.net', 'b-1');
    await expect(dns().apply({ changes: [{ action: 'create', record: noWeight }] })).rejects.toThrow(
      /needs both a set identifier and a weight/,
    );
    expect(sentBatches()).toEqual([]);
  });

  it('refuses to overwrite a record that is not ours, naming it, and changes nothing', async () => {
    const plan: DnsChangeSet = {
      changes: [
        { action: 'create', record: { ...record, name: 'new.example.org' } },
        { action: 'create', record: { ...record, name: 'www.example.org' } },
      ],
    };
    const error = await dns()
      .apply(plan)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DnsOwnershipError);
    expect((error as DnsOwnershipError).conflicts).toEqual(['www.example.org A exists and is not ours']);
    expect(sentBatches()).toHaveLength(1);
    expect((await dns().listOwned('site-a')).map((r) => r.name)).toEqual([]);
  });

  it('refuses to delete a record whose ownership TXT names another owner', async () => {
    await dns().apply({ changes: [{ action: 'create', record: { ...record, owner: 'site-b' } }] });
    await expect(dns().apply({ changes: [{ action: 'delete', previous: record }] })).rejects.toThrow(
      'web.example.org A has no ownership record with our owner and burst',
    );
    expect((await dns().listOwned('site-b')).map((r) => r.name)).toEqual(['web.example.org']);
  });

  it('resends a create that already happened as an update of what is there', async () => {
    await dns().apply({ changes: [{ action: 'create', record }] });
    await dns().apply({ changes: [{ action: 'create', record: { ...record, values: ['192.0.2.99'] } }] });
    expect(sentBatches()).toHaveLength(3);
    expect(sentBatches()[2]?.map((c) => c.Action)).toEqual(['DELETE', 'DELETE', 'CREATE', 'CREATE']);
    expect((await dns().listOwned('site-a'))[0]?.values).toEqual(['192.0.2.99']);
  });

  it('sends one batch per plan, splitting only past Route 53 limits (1000 records, 32000 characters)', async () => {
    const small = Array.from({ length: 100 }, (_, i) => ({
      action: 'create' as const,
      record: { ...record, name: `s${i}.example.org` },
    }));
    await dns().apply({ changes: small });
    expect(sentBatches().map((batch) => batch?.length)).toEqual([200]);

    route53.resetHistory();
    const large = Array.from({ length: 600 }, (_, i) => ({
      action: 'create' as const,
      record: { ...record, name: `n${i}.example.org` },
    }));
    await dns().apply({ changes: large });
    // Each create is 91 characters of values (address and ownership TXT): 351 creates fit in 32000.
    expect(sentBatches().map((batch) => batch?.length)).toEqual([702, 498]);
    for (const batch of sentBatches()) {
      const values = (batch ?? []).flatMap((c) => c.ResourceRecordSet?.ResourceRecords ?? []);
      expect(values.length).toBeLessThanOrEqual(1000);
      expect(values.reduce((sum, v) => sum + (v.Value?.length ?? 0), 0)).toBeLessThanOrEqual(32_000);
    }
  });

  it('splits on the 1000-record limit when values are short', async () => {
    const changes = Array.from({ length: 40 }, (_, i) => ({
      action: 'create' as const,
      record: {
        ...record,
        name: `m${i}.example.org`,
        values: Array.from({ length: 30 }, (_, j) => `10.0.${i}.${j}`),
      },
    }));
    await dns().apply({ changes });
    // 31 records per create: 32 creates stay under 1000 records (992).
    expect(sentBatches().map((batch) => batch?.length)).toEqual([64, 16]);
  });
});

describe('route53 waiting for INSYNC', () => {
  it('polls GetChange until the change is INSYNC', async () => {
    simulateRoute53();
    route53
      .on(GetChangeCommand)
      .resolvesOnce({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } })
      .resolvesOnce({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } })
      .resolves({ ChangeInfo: { Id: '/change/C1', Status: 'INSYNC', SubmittedAt: new Date() } });
    const sleeps: number[] = [];
    await dns({ waitForSync: true, syncPollMs: 1000 }, async (ms) => {
      sleeps.push(ms);
    }).apply({ changes: [{ action: 'create', record }] });
    expect(route53.commandCalls(GetChangeCommand).map((call) => call.args[0].input.Id)).toEqual([
      '/change/C1',
      '/change/C1',
      '/change/C1',
    ]);
    expect(sleeps).toEqual([1000, 1000]);
  });

  it('gives up with a retryable error once the bound has passed', async () => {
    simulateRoute53();
    route53
      .on(GetChangeCommand)
      .resolves({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } });
    const error = await dns({ waitForSync: true, syncPollMs: 20, syncTimeoutMs: 100 })
      .apply({ changes: [{ action: 'create', record }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DriverError);
    expect((error as DriverError).message).toBe('route53: change /change/C1 still PENDING after 100 ms');
    expect((error as DriverError).retryable).toBe(true);
  });
});

describe('route53 errors and options', () => {
  it('reports throttling as retryable', async () => {
    route53
      .on(ListResourceRecordSetsCommand)
      .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }));
    const error = await dns()
      .listOwned('site-a')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DriverError);
    expect((error as DriverError).retryable).toBe(true);
  });

  it('reports a missing permission as not retryable', async () => {
    const denied = Object.assign(
      new Error('User is not authorized to perform route53:ChangeResourceRecordSets'),
      {
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      },
    );
    route53.on(ChangeResourceRecordSetsCommand).rejects(denied);
    const error = await dns()
      .apply({ changes: [{ action: 'create', record }] })
      .catch((caught: unknown) => caught);
    expect((error as DriverError).retryable).toBe(false);
    expect((error as DriverError).message).toContain('AccessDenied');
  });

  it.each([
    [{ hostedZoneId: 'not-a-zone' }, 'dns.options.hostedZoneId'],
    [{ zone: 'not a zone' }, 'dns.options.zone'],
    [{ syncTimeoutMs: 0 }, 'dns.options.syncTimeoutMs'],
  ])('refuses %o when the configuration loads, naming the field', (change, message) => {
    const options = { hostedZoneId: ZONE_ID, zone: 'example.org', ...change };
    const load = () => loadConfig({ value: { dns: { driver: 'route53', options } } });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(message);
  });

  it('accepts a hosted zone id in the /hostedzone/ form AWS consoles show', async () => {
    simulateRoute53();
    await dns({ hostedZoneId: `/hostedzone/${ZONE_ID}` }).apply({ changes: [{ action: 'create', record }] });
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)[0]?.args[0].input.HostedZoneId).toBe(
      ZONE_ID,
    );
  });
});
