import { describe, expect, it } from 'vitest';
import type { OwnedDnsRecord } from '../../../../../../shared/domain/dns-changes.ts';
import { ownershipValue } from '../../../../../../shared/drivers/dns/ownership.ts';
import { RecordClass, RecordType, typeName } from '../../../../../../shared/drivers/dns/rfc2136/constants.ts';
import type { WireRecord } from '../../../../../../shared/drivers/dns/rfc2136/message.ts';
import { adoptUnit, updateUnit } from '../../../../../../shared/drivers/dns/rfc2136/update-units.ts';

const a: OwnedDnsRecord = {
  name: 'web.example.org',
  type: 'A',
  ttl: 30,
  values: ['192.0.2.1', '192.0.2.2'],
  owner: 'site-a',
  burstId: 'b-1',
};
const cname: OwnedDnsRecord = {
  name: 'www.example.org',
  type: 'CNAME',
  ttl: 60,
  values: ['ingress.example.net'],
  owner: 'site-a',
  burstId: 'b-1',
};
const OURS = ownershipValue('site-a', 'b-1');

const CLASS = new Map<number, string>([
  [RecordClass.IN, 'IN'],
  [RecordClass.NONE, 'NONE'],
  [RecordClass.ANY, 'ANY'],
]);

/** One line per record, like nsupdate's script: `NONE web.example.org A`. */
function lines(records: readonly WireRecord[]): string[] {
  return records.map((r) => {
    const data =
      r.data.kind === 'address'
        ? ` ${r.data.address}`
        : r.data.kind === 'name'
          ? ` ${r.data.target}`
          : r.data.kind === 'txt'
            ? ` "${r.data.strings.join('')}"`
            : '';
    const ttl = r.class === RecordClass.IN && r.ttl > 0 ? ` ${r.ttl}` : '';
    return `${CLASS.get(r.class)} ${r.name}${ttl} ${typeName(r.type)}${data}`;
  });
}

describe('RFC 2136 prerequisites and updates of a plan change', () => {
  it('creates an address record only where its type, a CNAME and an ownership record are all absent', () => {
    const unit = updateUnit({ action: 'create', record: a });
    expect(lines(unit.prerequisites)).toEqual([
      'NONE web.example.org A',
      'NONE web.example.org CNAME',
      'NONE cb-owner-a.web.example.org TXT',
    ]);
    expect(lines(unit.updates)).toEqual([
      'IN web.example.org 30 A 192.0.2.1',
      'IN web.example.org 30 A 192.0.2.2',
      `IN cb-owner-a.web.example.org 30 TXT "${OURS}"`,
    ]);
  });

  it('creates a CNAME only where the name is not in use at all', () => {
    const unit = updateUnit({ action: 'create', record: cname });
    expect(lines(unit.prerequisites)).toEqual([
      'NONE www.example.org ANY',
      'NONE cb-owner-cname.www.example.org TXT',
    ]);
  });

  it('updates only when the ownership record holds exactly our value, replacing both record sets', () => {
    const unit = updateUnit({
      action: 'update',
      previous: a,
      record: { ...a, ttl: 60, values: ['192.0.2.3'] },
    });
    expect(lines(unit.prerequisites)).toEqual([`IN cb-owner-a.web.example.org TXT "${OURS}"`]);
    expect(lines(unit.updates)).toEqual([
      'ANY web.example.org A',
      'ANY cb-owner-a.web.example.org TXT',
      'IN web.example.org 60 A 192.0.2.3',
      `IN cb-owner-a.web.example.org 60 TXT "${OURS}"`,
    ]);
  });

  it('deletes the record set and its ownership record only when the ownership record is ours', () => {
    const unit = updateUnit({ action: 'delete', previous: cname });
    expect(lines(unit.prerequisites)).toEqual([`IN cb-owner-cname.www.example.org TXT "${OURS}"`]);
    expect(lines(unit.updates)).toEqual([
      'ANY www.example.org CNAME',
      'ANY cb-owner-cname.www.example.org TXT',
    ]);
  });

  it('retries a refused create as ours only under our exact ownership record', () => {
    const adopted = adoptUnit(updateUnit({ action: 'create', record: a }));
    expect(adopted.check).toBe('adopt');
    expect(lines(adopted.prerequisites)).toEqual([`IN cb-owner-a.web.example.org TXT "${OURS}"`]);
    expect(adopted.updates[0]).toMatchObject({ class: RecordClass.ANY, type: RecordType.A });
  });

  it('leaves updates and deletes as they are when asked to adopt them', () => {
    const unit = updateUnit({ action: 'delete', previous: a });
    expect(adoptUnit(unit)).toBe(unit);
  });
});
