import { randomInt } from 'node:crypto';
import { DriverError } from '../../../errors.ts';
import { type DnsEndpoint, DnsTcpConnection, endpointText, udpExchange } from './client.ts';
import { Opcode, Rcode, RecordClass, RecordType } from './constants.ts';
import {
  type DecodedMessage,
  type DnsMessage,
  decodeMessage,
  encodeMessage,
  isTruncated,
  makeFlags,
  rcodeOf,
  type WireRecord,
} from './message.ts';
import { asDriverError, type ExchangeContext, rcodeError } from './response-error.ts';
import { signMessage, TsigError, TsigVerifier } from './tsig.ts';
import type { TsigKey } from './tsig-key.ts';

/** How a session reaches the server and signs. */
export interface SessionOptions {
  readonly endpoint: DnsEndpoint;
  readonly key: TsigKey;
  /** UDP falls back to TCP for messages over 512 bytes and truncated answers. */
  readonly transport: 'tcp' | 'udp';
  readonly fudge: number;
  /** Local time in milliseconds (tests pin it). */
  readonly now: () => number;
}

/** Largest message sent over UDP without EDNS (RFC 1035 4.2.1). */
const UDP_LIMIT = 512;

/**
 * Signed exchanges with one server, over one TCP connection opened on first use and kept until
 * `close()` (one session per `apply` or `listOwned`, so batches share the connection).
 */
export class Rfc2136Session {
  readonly #options: SessionOptions;
  readonly #context: ExchangeContext;
  #connection: Promise<DnsTcpConnection> | undefined;

  constructor(options: SessionOptions, zone: string) {
    this.#options = options;
    this.#context = { keyName: options.key.name, server: endpointText(options.endpoint), zone };
  }

  #tcp(): Promise<DnsTcpConnection> {
    this.#connection ??= DnsTcpConnection.open(this.#options.endpoint);
    return this.#connection;
  }

  #seconds(): number {
    return Math.floor(this.#options.now() / 1000);
  }

  /**
   * Sends a message (with a random id), signed, and returns the verified answer. Transport and
   * TSIG failures throw `DriverError`; RCODEs are returned for the caller to read.
   */
  async exchange(message: Omit<DnsMessage, 'id'>): Promise<DecodedMessage> {
    try {
      return await this.#exchange(message);
    } catch (error) {
      throw asDriverError(this.#context, error);
    }
  }

  async #exchange(message: Omit<DnsMessage, 'id'>): Promise<DecodedMessage> {
    const id = randomInt(0, 0x10000);
    const signed = signMessage(encodeMessage({ ...message, id }), this.#options.key, {
      timeSigned: this.#seconds(),
      fudge: this.#options.fudge,
    });
    let bytes: Uint8Array | undefined;
    if (this.#options.transport === 'udp' && signed.bytes.length <= UDP_LIMIT) {
      bytes = await udpExchange(this.#options.endpoint, signed.bytes);
      // Read TC from the header: a truncated answer need not parse.
      if (isTruncated(((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0))) bytes = undefined;
    }
    if (!bytes) {
      const connection = await this.#tcp();
      connection.send(signed.bytes);
      bytes = await connection.receive();
    }
    const answer = decodeMessage(bytes);
    if (answer.id !== id)
      throw new DriverError('rfc2136', `answer from ${endpointText(this.#options.endpoint)} has another id`, {
        retryable: true,
      });
    verifyAnswer(new TsigVerifier(this.#options.key, signed.mac), bytes, answer, this.#seconds());
    return answer;
  }

  /**
   * Every record of the zone by a TSIG-signed AXFR over TCP (RFC 5936), each answer message
   * verified in the chain. Returns the records between the opening and closing SOA.
   */
  async transfer(): Promise<WireRecord[]> {
    try {
      return await this.#transfer(this.#context.zone);
    } catch (error) {
      throw asDriverError(this.#context, error);
    }
  }

  async #transfer(zone: string): Promise<WireRecord[]> {
    const id = randomInt(0, 0x10000);
    const query = encodeMessage({
      id,
      flags: makeFlags({ opcode: Opcode.QUERY }),
      questions: [{ name: zone, type: RecordType.AXFR, class: RecordClass.IN }],
      answers: [],
      authorities: [],
      additionals: [],
    });
    const signed = signMessage(query, this.#options.key, {
      timeSigned: this.#seconds(),
      fudge: this.#options.fudge,
    });
    const connection = await this.#tcp();
    connection.send(signed.bytes);
    const verifier = new TsigVerifier(this.#options.key, signed.mac);
    const records: WireRecord[] = [];
    for (;;) {
      const bytes = await connection.receive();
      const answer = decodeMessage(bytes);
      if (answer.id !== id)
        throw new DriverError('rfc2136', 'zone transfer answer has another id', { retryable: true });
      verifyAnswer(verifier, bytes, answer, this.#seconds());
      const rcode = rcodeOf(answer.flags);
      if (rcode !== Rcode.NOERROR) throw rcodeError(this.#context, rcode, 'zone transfer');
      for (const record of answer.answers) {
        if (records.length === 0 && record.type !== RecordType.SOA) {
          throw new DriverError('rfc2136', 'zone transfer does not start with the SOA', { retryable: true });
        }
        if (records.length > 0 && record.type === RecordType.SOA) {
          if (verifier.pending) throw new TsigError(Rcode.BADSIG, 'zone transfer ends unsigned');
          return records.slice(1);
        }
        records.push(record);
      }
    }
  }

  /** Closes the connection if one was opened. */
  async close(): Promise<void> {
    const connection = this.#connection;
    this.#connection = undefined;
    if (connection) (await connection.catch(() => undefined))?.close();
  }
}

/**
 * Verifies an answer's TSIG. An unsigned answer is tolerated only when it reports an error
 * (a server that cannot find the key or zone may not sign); it can then change nothing.
 */
function verifyAnswer(verifier: TsigVerifier, bytes: Uint8Array, answer: DecodedMessage, now: number): void {
  if (!answer.tsig && rcodeOf(answer.flags) !== Rcode.NOERROR) return;
  verifier.verify(bytes, answer, now);
}
