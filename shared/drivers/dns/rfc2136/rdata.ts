import { isIPv4, isIPv6 } from 'node:net';
import { RecordType } from './constants.ts';
import { WireFormatError, type WireReader, type WireWriter } from './wire.ts';

/** SOA fields (read from AXFR; only the serial matters to us). */
export interface SoaData {
  readonly mname: string;
  readonly rname: string;
  readonly serial: number;
  readonly refresh: number;
  readonly retry: number;
  readonly expire: number;
  readonly minimum: number;
}

/** The TSIG RDATA of RFC 8945 section 4.2. */
export interface TsigData {
  readonly algorithm: string;
  /** Seconds since the epoch (48 bits on the wire). */
  readonly timeSigned: number;
  readonly fudge: number;
  readonly mac: Uint8Array;
  readonly originalId: number;
  readonly error: number;
  readonly other: Uint8Array;
}

/** RDATA decoded for the types we use; anything else stays raw. */
export type RecordData =
  | { readonly kind: 'empty' }
  | { readonly kind: 'address'; readonly address: string }
  | { readonly kind: 'name'; readonly target: string }
  | { readonly kind: 'txt'; readonly strings: readonly string[] }
  | { readonly kind: 'soa'; readonly soa: SoaData }
  | { readonly kind: 'tsig'; readonly tsig: TsigData }
  | { readonly kind: 'raw'; readonly bytes: Uint8Array };

const NAME_TYPES = new Set<number>([RecordType.CNAME, RecordType.NS, RecordType.PTR]);

/** Writes RDATA (without RDLENGTH). Names inside CNAME/NS/PTR are compressed like BIND does. */
export function writeRdata(writer: WireWriter, data: RecordData): void {
  switch (data.kind) {
    case 'empty':
      return;
    case 'address':
      writer.raw(addressBytes(data.address));
      return;
    case 'name':
      writer.name(data.target);
      return;
    case 'txt':
      for (const text of data.strings) {
        const bytes = Buffer.from(text, 'utf8');
        if (bytes.length > 255) throw new RangeError('TXT character-string longer than 255 bytes');
        writer.u8(bytes.length);
        writer.raw(bytes);
      }
      return;
    case 'soa':
      writer.name(data.soa.mname);
      writer.name(data.soa.rname);
      for (const value of [
        data.soa.serial,
        data.soa.refresh,
        data.soa.retry,
        data.soa.expire,
        data.soa.minimum,
      ]) {
        writer.u32(value);
      }
      return;
    case 'tsig':
      // RFC 8945 4.2: the algorithm name is never compressed.
      writer.name(data.tsig.algorithm, false);
      writer.u48(data.tsig.timeSigned);
      writer.u16(data.tsig.fudge);
      writer.u16(data.tsig.mac.length);
      writer.raw(data.tsig.mac);
      writer.u16(data.tsig.originalId);
      writer.u16(data.tsig.error);
      writer.u16(data.tsig.other.length);
      writer.raw(data.tsig.other);
      return;
    case 'raw':
      writer.raw(data.bytes);
      return;
  }
}

/** Reads `length` bytes of RDATA of `type` at the reader's offset. */
export function readRdata(reader: WireReader, type: number, length: number): RecordData {
  const end = reader.offset + length;
  const data = readKnown(reader, type, length, end);
  if (reader.offset !== end) throw new WireFormatError(`RDATA of type ${type} has the wrong length`);
  return data;
}

function readKnown(reader: WireReader, type: number, length: number, end: number): RecordData {
  if (length === 0) return { kind: 'empty' };
  if (type === RecordType.A && length === 4)
    return { kind: 'address', address: [...reader.raw(4)].join('.') };
  if (type === RecordType.AAAA && length === 16)
    return { kind: 'address', address: ipv6Text(reader.raw(16)) };
  if (NAME_TYPES.has(type)) return { kind: 'name', target: reader.name() };
  if (type === RecordType.TXT) {
    const strings: string[] = [];
    while (reader.offset < end) strings.push(Buffer.from(reader.raw(reader.u8())).toString('utf8'));
    return { kind: 'txt', strings };
  }
  if (type === RecordType.SOA) {
    const mname = reader.name();
    const rname = reader.name();
    const [serial, refresh, retry, expire, minimum] = [
      reader.u32(),
      reader.u32(),
      reader.u32(),
      reader.u32(),
      reader.u32(),
    ];
    return { kind: 'soa', soa: { mname, rname, serial, refresh, retry, expire, minimum } };
  }
  if (type === RecordType.TSIG) {
    const algorithm = reader.name();
    const timeSigned = reader.u48();
    const fudge = reader.u16();
    const mac = reader.raw(reader.u16());
    const originalId = reader.u16();
    const error = reader.u16();
    const other = reader.raw(reader.u16());
    return { kind: 'tsig', tsig: { algorithm, timeSigned, fudge, mac, originalId, error, other } };
  }
  return { kind: 'raw', bytes: reader.raw(length) };
}

/** Wire bytes of an IPv4 or IPv6 address. */
export function addressBytes(address: string): Uint8Array {
  if (isIPv4(address)) return Uint8Array.from(address.split('.').map(Number));
  if (!isIPv6(address)) throw new RangeError(`not an IP address: ${address}`);
  const [head = '', tail] = address.split('::');
  const groups = (part: string): number[] => (part === '' ? [] : part.split(':').flatMap(group));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const zeros = new Array<number>(8 - left.length - right.length).fill(0);
  const bytes = new Uint8Array(16);
  [...left, ...zeros, ...right].forEach((value, i) => {
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  return bytes;
}

/** One textual group, or two when an IPv4 tail (`::ffff:192.0.2.1`) ends the address. */
function group(text: string): number[] {
  if (!text.includes('.')) return [Number.parseInt(text, 16)];
  const [a = 0, b = 0, c = 0, d = 0] = text.split('.').map(Number);
  return [(a << 8) | b, (c << 8) | d];
}

/** RFC 5952 text of 16 address bytes (longest zero run compressed, lower case). */
function ipv6Text(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = groups.map((value) => value.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
