import { describe, expect, it } from 'vitest';
import { Opcode, RecordClass, RecordType } from '../../../../../../shared/drivers/dns/rfc2136/constants.ts';
import {
  type DnsMessage,
  decodeMessage,
  encodeMessage,
  makeFlags,
  opcodeOf,
  rcodeOf,
} from '../../../../../../shared/drivers/dns/rfc2136/message.ts';
import { WireFormatError } from '../../../../../../shared/drivers/dns/rfc2136/wire.ts';

const update: DnsMessage = {
  id: 0xbeef,
  flags: makeFlags({ opcode: Opcode.UPDATE }),
  questions: [{ name: 'example.org', type: RecordType.SOA, class: RecordClass.IN }],
  answers: [
    {
      name: 'web.example.org',
      type: RecordType.ANY,
      class: RecordClass.NONE,
      ttl: 0,
      data: { kind: 'empty' },
    },
    {
      name: 'cb-owner-a.web.example.org',
      type: RecordType.TXT,
      class: RecordClass.IN,
      ttl: 0,
      data: { kind: 'txt', strings: ['a', 'b c'] },
    },
  ],
  authorities: [
    { name: 'web.example.org', type: RecordType.A, class: RecordClass.ANY, ttl: 0, data: { kind: 'empty' } },
    {
      name: 'web.example.org',
      type: RecordType.AAAA,
      class: RecordClass.NONE,
      ttl: 0,
      data: { kind: 'address', address: '2001:db8::1' },
    },
    {
      name: 'web.example.org',
      type: RecordType.AAAA,
      class: RecordClass.IN,
      ttl: 60,
      data: { kind: 'address', address: '::ffff:192.0.2.1' },
    },
    {
      name: 'alias.example.org',
      type: RecordType.CNAME,
      class: RecordClass.IN,
      ttl: 60,
      data: { kind: 'name', target: 'web.example.org' },
    },
  ],
  additionals: [],
};

describe('DNS message codec', () => {
  it('reads back an UPDATE with class NONE and ANY records exactly as written', () => {
    const decoded = decodeMessage(encodeMessage(update));
    expect(opcodeOf(decoded.flags)).toBe(Opcode.UPDATE);
    expect(decoded.questions).toEqual(update.questions);
    expect(decoded.answers).toEqual(update.answers);
    expect(decoded.authorities.slice(0, 2)).toEqual(update.authorities.slice(0, 2));
    expect(decoded.authorities[2]?.data).toEqual({ kind: 'address', address: '::ffff:c000:201' });
    expect(decoded.authorities[3]).toEqual(update.authorities[3]);
  });

  it('compresses repeated names into pointers to their first occurrence', () => {
    const bytes = Buffer.from(encodeMessage(update));
    expect(bytes.indexOf(Buffer.from('\x07example\x03org\x00', 'latin1'))).toBe(12);
    expect(bytes.lastIndexOf(Buffer.from('\x07example', 'latin1'))).toBe(12);
    expect(bytes.indexOf(Buffer.from('\x03web', 'latin1'))).toBe(
      bytes.lastIndexOf(Buffer.from('\x03web', 'latin1')),
    );
  });

  it('writes IPv6 addresses in their shortest form when reading them', () => {
    const message: DnsMessage = {
      ...update,
      answers: [],
      authorities: ['2001:db8:0:0:1:0:0:1', 'fe80::', '::1', '2001:db8:1:2:3:4:5:6'].map((address) => ({
        name: 'v6.example.org',
        type: RecordType.AAAA,
        class: RecordClass.IN,
        ttl: 1,
        data: { kind: 'address', address },
      })),
    };
    const addresses = decodeMessage(encodeMessage(message)).authorities.map((record) =>
      record.data.kind === 'address' ? record.data.address : '',
    );
    expect(addresses).toEqual(['2001:db8::1:0:0:1', 'fe80::', '::1', '2001:db8:1:2:3:4:5:6']);
  });

  it('refuses a TXT string longer than 255 bytes', () => {
    const message: DnsMessage = {
      ...update,
      authorities: [
        {
          name: 'x.example.org',
          type: RecordType.TXT,
          class: RecordClass.IN,
          ttl: 1,
          data: { kind: 'txt', strings: ['x'.repeat(256)] },
        },
      ],
    };
    expect(() => encodeMessage(message)).toThrow(/255 bytes/);
  });

  it('refuses a message whose compression pointer loops', () => {
    const header = [0, 1, 0x84, 0, 0, 1, 0, 0, 0, 0, 0, 0];
    // The question name at offset 12 points to itself.
    const bytes = Uint8Array.from([...header, 0xc0, 12, 0, 1, 0, 1]);
    expect(() => decodeMessage(bytes)).toThrow(WireFormatError);
  });

  it('refuses a truncated message', () => {
    const bytes = encodeMessage(update);
    expect(() => decodeMessage(bytes.subarray(0, bytes.length - 3))).toThrow(WireFormatError);
  });

  it('exposes the RCODE of a response', () => {
    const flags = makeFlags({ qr: true, opcode: Opcode.UPDATE, rcode: 8 });
    expect(rcodeOf(flags)).toBe(8);
    expect(opcodeOf(flags)).toBe(Opcode.UPDATE);
  });
});
