import { createHmac } from 'node:crypto';

/** TSIG algorithms clusterburst signs with (RFC 8945 section 6). */
export const TSIG_ALGORITHMS = ['hmac-sha256', 'hmac-sha512'] as const;

/** One of `TSIG_ALGORITHMS`. */
export type TsigAlgorithm = (typeof TSIG_ALGORITHMS)[number];

const DIGESTS: Record<TsigAlgorithm, string> = { 'hmac-sha256': 'sha256', 'hmac-sha512': 'sha512' };

/**
 * A named TSIG key. The secret lives in a private field so that logging, `JSON.stringify`,
 * `util.inspect` or string interpolation of the key never shows it.
 */
export class TsigKey {
  readonly name: string;
  readonly algorithm: TsigAlgorithm;
  readonly #secret: Buffer;

  /** `secret` is the base64 text of `tsig-keygen` / `nsupdate -y`. */
  constructor(name: string, algorithm: TsigAlgorithm, secret: string) {
    this.name = name.replace(/\.$/, '').toLowerCase();
    this.algorithm = algorithm;
    this.#secret = Buffer.from(secret, 'base64');
  }

  /** HMAC of the concatenated parts with this key. */
  mac(parts: readonly Uint8Array[]): Uint8Array {
    const hmac = createHmac(DIGESTS[this.algorithm], this.#secret);
    for (const part of parts) hmac.update(part);
    return hmac.digest();
  }

  /** MAC length in bytes for this algorithm. */
  get macLength(): number {
    return this.algorithm === 'hmac-sha256' ? 32 : 64;
  }

  toString(): string {
    return `TSIG key "${this.name}" (${this.algorithm})`;
  }

  toJSON(): { name: string; algorithm: TsigAlgorithm } {
    return { name: this.name, algorithm: this.algorithm };
  }
}
