import { timingSafeEqual } from 'node:crypto';
import { ClusterburstError } from '../../../errors.ts';
import { Rcode, RecordClass, RecordType, rcodeName } from './constants.ts';
import { type DecodedMessage, writeRecord } from './message.ts';
import type { TsigData } from './rdata.ts';
import type { TsigKey } from './tsig-key.ts';
import { canonicalName, WireWriter } from './wire.ts';

/** RFC 8945 recommends 300 seconds. */
export const DEFAULT_FUDGE = 300;

/** A signed or verified message failed TSIG; `code` is the TSIG error (BADSIG, BADKEY, BADTIME). */
export class TsigError extends ClusterburstError {
  readonly code: number;
  /** True when the server refused our signature; false when we refused the server's answer. */
  readonly byServer: boolean;

  constructor(code: number, message: string, options: { readonly byServer?: boolean } = {}) {
    super(`${message} (${rcodeName(code)})`);
    this.code = code;
    this.byServer = options.byServer ?? false;
  }
}

/** A request signed with TSIG and the MAC that its response must chain. */
export interface SignedMessage {
  readonly bytes: Uint8Array;
  readonly mac: Uint8Array;
}

/** Signs an encoded message (which has no TSIG yet) and returns it with the TSIG record appended. */
export function signMessage(
  unsigned: Uint8Array,
  key: TsigKey,
  options: { readonly timeSigned: number; readonly fudge?: number },
): SignedMessage {
  const fudge = options.fudge ?? DEFAULT_FUDGE;
  const originalId = (unsigned[0] ?? 0) * 256 + (unsigned[1] ?? 0);
  const tsig: Omit<TsigData, 'mac'> = {
    algorithm: key.algorithm,
    timeSigned: options.timeSigned,
    fudge,
    originalId,
    error: 0,
    other: new Uint8Array(0),
  };
  const mac = key.mac([unsigned, variables(key, tsig, true)]);
  const writer = new WireWriter();
  writer.raw(unsigned);
  writeRecord(writer, {
    name: key.name,
    type: RecordType.TSIG,
    class: RecordClass.ANY,
    ttl: 0,
    data: { kind: 'tsig', tsig: { ...tsig, mac } },
  });
  const bytes = writer.bytes();
  const additionals = (bytes[10] ?? 0) * 256 + (bytes[11] ?? 0) + 1;
  bytes[10] = additionals >> 8;
  bytes[11] = additionals & 0xff;
  return { bytes, mac };
}

/** The TSIG variables of RFC 8945 4.3.3; `full` false gives the timers only (4.3.1, later TCP messages). */
function variables(key: TsigKey, tsig: Omit<TsigData, 'mac'>, full: boolean): Uint8Array {
  const writer = new WireWriter();
  if (full) {
    writer.raw(canonicalName(key.name));
    writer.u16(RecordClass.ANY);
    writer.u32(0);
    writer.raw(canonicalName(tsig.algorithm));
  }
  writer.u48(tsig.timeSigned);
  writer.u16(tsig.fudge);
  if (full) {
    writer.u16(tsig.error);
    writer.u16(tsig.other.length);
    writer.raw(tsig.other);
  }
  return writer.bytes();
}

/** The message as it was before the TSIG record was added: no TSIG, ARCOUNT one less, original id. */
function stripTsig(bytes: Uint8Array, decoded: DecodedMessage, tsig: TsigData): Uint8Array {
  const offset = decoded.tsig?.offset ?? bytes.length;
  const stripped = bytes.slice(0, offset);
  stripped[0] = tsig.originalId >> 8;
  stripped[1] = tsig.originalId & 0xff;
  const additionals = decoded.additionals.length - 1;
  stripped[10] = additionals >> 8;
  stripped[11] = additionals & 0xff;
  return stripped;
}

function u16Prefixed(mac: Uint8Array): Uint8Array {
  const writer = new WireWriter();
  writer.u16(mac.length);
  writer.raw(mac);
  return writer.bytes();
}

/**
 * Verifies the responses to one signed request: a single UPDATE answer, or every message of a
 * zone transfer, each chained to the MAC before it (RFC 8945 5.3 and 5.3.1).
 */
export class TsigVerifier {
  readonly #key: TsigKey;
  #priorMac: Uint8Array;
  #first = true;
  readonly #unsigned: Uint8Array[] = [];

  constructor(key: TsigKey, requestMac: Uint8Array) {
    this.#key = key;
    this.#priorMac = requestMac;
  }

  /** Whether messages arrived unsigned since the last signed one (a stream must end signed). */
  get pending(): boolean {
    return this.#unsigned.length > 0;
  }

  /**
   * Checks one response and returns quietly when it is authentic; throws `TsigError` otherwise.
   * `now` is the local time in seconds.
   */
  verify(bytes: Uint8Array, decoded: DecodedMessage, now: number): void {
    const record = decoded.tsig?.record;
    if (record?.data.kind !== 'tsig') {
      // Only later messages of a TCP stream may come unsigned, and at most 99 in a row.
      if (this.#first || this.#unsigned.length >= 99)
        throw new TsigError(Rcode.BADSIG, 'response is not signed');
      this.#unsigned.push(bytes);
      return;
    }
    const tsig = record.data.tsig;
    if (tsig.error !== 0)
      throw new TsigError(tsig.error, 'server rejected the TSIG of the request', { byServer: true });
    if (
      record.name.toLowerCase() !== this.#key.name ||
      tsig.algorithm.toLowerCase() !== this.#key.algorithm
    ) {
      throw new TsigError(
        Rcode.BADKEY,
        `response is signed with another key ("${record.name}", ${tsig.algorithm})`,
      );
    }
    const minimum = Math.max(10, this.#key.macLength / 2);
    if (tsig.mac.length < minimum || tsig.mac.length > this.#key.macLength) {
      throw new TsigError(Rcode.BADTRUNC, `response MAC has ${tsig.mac.length} bytes`);
    }
    const message = stripTsig(bytes, decoded, tsig);
    const expected = this.#key.mac([
      u16Prefixed(this.#priorMac),
      ...this.#unsigned,
      message,
      variables(this.#key, tsig, this.#first),
    ]);
    if (!timingSafeEqual(expected.subarray(0, tsig.mac.length), tsig.mac)) {
      throw new TsigError(Rcode.BADSIG, 'response MAC does not verify');
    }
    // Checked after the MAC so a forged time cannot be told apart from a forged MAC.
    if (Math.abs(now - tsig.timeSigned) > tsig.fudge) {
      throw new TsigError(
        Rcode.BADTIME,
        `response signed at ${tsig.timeSigned}, ${now - tsig.timeSigned} s from local time`,
      );
    }
    this.#priorMac = tsig.mac;
    this.#first = false;
    this.#unsigned.length = 0;
  }
}
