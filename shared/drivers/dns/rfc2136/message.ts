import { RecordType } from './constants.ts';
import { type RecordData, readRdata, writeRdata } from './rdata.ts';
import { WireFormatError, WireReader, WireWriter } from './wire.ts';

/** A question; in an UPDATE it is the zone section (the zone name, type SOA). */
export interface DnsQuestion {
  readonly name: string;
  readonly type: number;
  readonly class: number;
}

/** A resource record; class NONE/ANY and empty RDATA express RFC 2136 prerequisites and deletes. */
export interface WireRecord {
  readonly name: string;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  readonly data: RecordData;
}

/**
 * A DNS message. In an UPDATE the sections are zone, prerequisite, update and additional
 * (RFC 2136 section 2); they share the wire layout of question, answer, authority, additional.
 */
export interface DnsMessage {
  readonly id: number;
  /** The whole 16-bit flags word (QR, opcode, AA, TC, RD, RA, AD, CD, RCODE). */
  readonly flags: number;
  readonly questions: readonly DnsQuestion[];
  readonly answers: readonly WireRecord[];
  readonly authorities: readonly WireRecord[];
  readonly additionals: readonly WireRecord[];
}

/** A parsed message with where its TSIG record (always last, RFC 8945 5.1) starts. */
export interface DecodedMessage extends DnsMessage {
  readonly tsig?: { readonly record: WireRecord; readonly offset: number };
}

/** Builds the flags word from its parts. */
export function makeFlags(parts: { qr?: boolean; opcode: number; rd?: boolean; rcode?: number }): number {
  return (
    (parts.qr ? 0x8000 : 0) |
    ((parts.opcode & 0xf) << 11) |
    (parts.rd ? 0x100 : 0) |
    ((parts.rcode ?? 0) & 0xf)
  );
}

/** The opcode inside a flags word. */
export function opcodeOf(flags: number): number {
  return (flags >> 11) & 0xf;
}

/** The RCODE inside a flags word. */
export function rcodeOf(flags: number): number {
  return flags & 0xf;
}

/** Whether the TC bit is set. */
export function isTruncated(flags: number): boolean {
  return (flags & 0x200) !== 0;
}

/** Encodes a message with name compression (TSIG names stay uncompressed, as RFC 8945 asks). */
export function encodeMessage(message: DnsMessage): Uint8Array {
  const writer = new WireWriter();
  writer.u16(message.id);
  writer.u16(message.flags);
  writer.u16(message.questions.length);
  writer.u16(message.answers.length);
  writer.u16(message.authorities.length);
  writer.u16(message.additionals.length);
  for (const question of message.questions) {
    writer.name(question.name);
    writer.u16(question.type);
    writer.u16(question.class);
  }
  for (const record of [...message.answers, ...message.authorities, ...message.additionals]) {
    writeRecord(writer, record);
  }
  return writer.bytes();
}

/** Appends one resource record. */
export function writeRecord(writer: WireWriter, record: WireRecord): void {
  writer.name(record.name, record.type !== RecordType.TSIG);
  writer.u16(record.type);
  writer.u16(record.class);
  writer.u32(record.ttl);
  const lengthAt = writer.length;
  writer.u16(0);
  writeRdata(writer, record.data);
  writer.patchU16(lengthAt, writer.length - lengthAt - 2);
}

/** Parses a message; throws `WireFormatError` when it is malformed. */
export function decodeMessage(bytes: Uint8Array): DecodedMessage {
  const reader = new WireReader(bytes);
  const id = reader.u16();
  const flags = reader.u16();
  const counts = [reader.u16(), reader.u16(), reader.u16(), reader.u16()] as const;
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < counts[0]; i++) {
    questions.push({ name: reader.name(), type: reader.u16(), class: reader.u16() });
  }
  const sections: WireRecord[][] = [[], [], []];
  let tsig: DecodedMessage['tsig'];
  for (let section = 0; section < 3; section++) {
    for (let i = 0; i < (counts[section + 1] ?? 0); i++) {
      const offset = reader.offset;
      const record = readRecord(reader);
      if (record.type === RecordType.TSIG) {
        if (section !== 2 || i !== counts[3] - 1)
          throw new WireFormatError('TSIG record is not the last record');
        tsig = { record, offset };
      }
      sections[section]?.push(record);
    }
  }
  if (reader.offset !== bytes.length) throw new WireFormatError('trailing bytes after the last record');
  const [answers = [], authorities = [], additionals = []] = sections;
  return { id, flags, questions, answers, authorities, additionals, ...(tsig ? { tsig } : {}) };
}

function readRecord(reader: WireReader): WireRecord {
  const name = reader.name();
  const type = reader.u16();
  const recordClass = reader.u16();
  const ttl = reader.u32();
  const length = reader.u16();
  return { name, type, class: recordClass, ttl, data: readRdata(reader, type, length) };
}
