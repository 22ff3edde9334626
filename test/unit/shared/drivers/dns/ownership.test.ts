import { describe, expect, it } from 'vitest';
import type { OwnedDnsRecord } from '../../../../../shared/domain/dns-changes.ts';
import {
  assertManageable,
  DnsOwnershipError,
  ownedRecords,
  ownershipName,
  ownershipValue,
  parseOwnershipName,
  parseOwnershipValue,
} from '../../../../../shared/drivers/dns/ownership.ts';
import { DriverError } from '../../../../../shared/errors.ts';

const record: OwnedDnsRecord = {
  name: 'web.example.org',
  type: 'A',
  ttl: 30,
  values: ['192.0.2.1'],
  owner: 'site-a',
  burstId: 'b-1',
};

describe('ownership record names', () => {
  it.each([
    [{ name: 'web.example.org', type: 'A' }, 'cb-owner-a.web.example.org'],
    [{ name: 'Web.Example.org.', type: 'AAAA' }, 'cb-owner-aaaa.web.example.org'],
    [{ name: 'www.example.org', type: 'CNAME' }, 'cb-owner-cname.www.example.org'],
    [
      { name: 'web.example.org', type: 'CNAME', setIdentifier: 'eks-1' },
      'cb-owner-cname-eks-1.web.example.org',
    ],
  ] as const)('names the ownership record of %o %s', (target, expected) => {
    expect(ownershipName(target)).toBe(expected);
    expect(parseOwnershipName(expected)).toEqual({
      name: target.name.replace(/\.$/, '').toLowerCase(),
      type: target.type,
      ...('setIdentifier' in target ? { setIdentifier: target.setIdentifier } : {}),
    });
  });

  it.each(['web.example.org', 'cb-owner-mx.web.example.org', 'cb-owner-a', 'x.cb-owner-a.example.org'])(
    'does not read %s as an ownership record name',
    (name) => {
      expect(parseOwnershipName(name)).toBeUndefined();
    },
  );
});

describe('ownership record values', () => {
  it('writes the external-dns style value with heritage, owner and burst', () => {
    expect(ownershipValue('site-a', 'b-1')).toBe(
      'heritage=clusterburst,clusterburst/owner=site-a,clusterburst/resource=burst/b-1',
    );
  });

  it('reads the value back, with or without presentation quotes', () => {
    expect(parseOwnershipValue(ownershipValue('site-a', 'b-1'))).toEqual({ owner: 'site-a', burstId: 'b-1' });
    expect(parseOwnershipValue(`"${ownershipValue('site-a', 'b-1')}"`)).toEqual({
      owner: 'site-a',
      burstId: 'b-1',
    });
  });

  it.each([
    'heritage=external-dns,external-dns/owner=x',
    'v=spf1 -all',
    'heritage=clusterburst,clusterburst/owner=x',
  ])('ignores a TXT value that is not a complete clusterburst ownership value: %s', (text) => {
    expect(parseOwnershipValue(text)).toBeUndefined();
  });
});

describe('owned records from a zone listing', () => {
  const txt = (name: string, owner: string, burst: string) => ({
    name,
    type: 'TXT',
    ttl: 30,
    values: [ownershipValue(owner, burst)],
  });

  it('joins each ownership record of ours with the record set it names', () => {
    const listed = ownedRecords(
      [
        { name: 'web.example.org', type: 'A', ttl: 30, values: ['192.0.2.1'] },
        txt('cb-owner-a.web.example.org', 'site-a', 'b-1'),
        { name: 'www.example.org', type: 'CNAME', ttl: 60, values: ['Ingress.Example.net.'] },
        txt('cb-owner-cname.www.example.org', 'site-a', 'b-2'),
      ],
      'site-a',
    );
    expect(listed).toEqual([
      record,
      {
        name: 'www.example.org',
        type: 'CNAME',
        ttl: 60,
        values: ['ingress.example.net'],
        owner: 'site-a',
        burstId: 'b-2',
      },
    ]);
  });

  it('leaves out records of other owners, other bursts and records without ownership', () => {
    const sets = [
      { name: 'web.example.org', type: 'A', ttl: 30, values: ['192.0.2.1'] },
      txt('cb-owner-a.web.example.org', 'site-b', 'b-1'),
      { name: 'api.example.org', type: 'A', ttl: 30, values: ['192.0.2.2'] },
      txt('cb-owner-a.app.example.org', 'site-a', 'b-9'),
      { name: 'app.example.org', type: 'A', ttl: 30, values: ['192.0.2.3'] },
    ];
    expect(ownedRecords(sets, 'site-a', { burstId: 'b-1' })).toEqual([]);
    expect(ownedRecords(sets, 'site-a').map((r) => r.name)).toEqual(['app.example.org']);
  });

  it('lists an ownership record whose record set is gone with no values, so it can be cleaned up', () => {
    expect(ownedRecords([txt('cb-owner-a.gone.example.org', 'site-a', 'b-1')], 'site-a')).toEqual([
      { name: 'gone.example.org', type: 'A', ttl: 30, values: [], owner: 'site-a', burstId: 'b-1' },
    ]);
  });

  it('keeps weighted record sets of several clusters at one name apart', () => {
    const listed = ownedRecords(
      [
        {
          name: 'web.example.org',
          type: 'A',
          ttl: 30,
          values: ['192.0.2.1'],
          setIdentifier: 'eks-1',
          weight: 10,
        },
        {
          name: 'web.example.org',
          type: 'A',
          ttl: 30,
          values: ['192.0.2.2'],
          setIdentifier: 'gke-1',
          weight: 0,
        },
        txt('cb-owner-a-eks-1.web.example.org', 'site-a', 'b-1'),
        txt('cb-owner-a-gke-1.web.example.org', 'site-a', 'b-2'),
      ],
      'site-a',
    );
    expect(listed.map((r) => [r.setIdentifier, r.weight, r.burstId, r.values])).toEqual([
      ['eks-1', 10, 'b-1', ['192.0.2.1']],
      ['gke-1', 0, 'b-2', ['192.0.2.2']],
    ]);
  });
});

describe('records a driver may manage', () => {
  it('accepts a valid record inside the zone', () => {
    expect(() => assertManageable('test', 'example.org', record)).not.toThrow();
  });

  it.each([
    [{ name: 'web.example.com' }, 'outside zone example.org'],
    [{ name: 'cb-owner-a.example.org' }, 'hold ownership records'],
    [{ values: ['2001:db8::1'] }, 'invalid A value'],
    [{ type: 'CNAME' as const, values: ['a.example.net', 'b.example.net'] }, 'exactly one value'],
    [{ owner: 'site,a' }, 'owner and burst id'],
    [{ setIdentifier: 'EKS_1' }, 'set identifier'],
    [{ ttl: -1 }, 'invalid TTL'],
  ])('refuses %o (%s)', (change, reason) => {
    expect(() => assertManageable('test', 'example.org', { ...record, ...change })).toThrow(reason);
    expect(() => assertManageable('test', 'example.org', { ...record, ...change })).toThrow(DriverError);
  });

  it('names every refused record in an ownership conflict, which is not retryable', () => {
    const error = new DnsOwnershipError('rfc2136', [
      'a.example.org A exists and is not ours',
      'b.example.org A exists and is not ours',
    ]);
    expect(error).toBeInstanceOf(DriverError);
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      'rfc2136: refused to change records not owned by us: a.example.org A exists and is not ours; b.example.org A exists and is not ours',
    );
  });
});
