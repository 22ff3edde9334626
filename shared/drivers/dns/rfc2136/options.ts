import { z } from 'zod';
import { DEFAULT_FUDGE } from './tsig.ts';
import { TSIG_ALGORITHMS } from './tsig-key.ts';

const DNS_NAME =
  /^(?=.{1,253}\.?$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Options of the rfc2136 driver, validated once when the configuration loads. */
export const Rfc2136OptionsSchema = z.object({
  /** Primary server to update (IP address or host name). */
  server: z.string().min(1),
  /** @default 53 */
  port: z.number().int().min(1).max(65535).default(53),
  /** Zone holding the records, e.g. `example.org`. */
  zone: z.string().regex(DNS_NAME, 'must be a DNS name'),
  /** TSIG key name as the server knows it (`key "…" { … }` in named.conf). */
  keyName: z.string().regex(DNS_NAME, 'must be a DNS name'),
  /** @default 'hmac-sha256' */
  keyAlgorithm: z.enum(TSIG_ALGORITHMS).default('hmac-sha256'),
  /** Base64 secret as `tsig-keygen` prints it. Never logged or shown in errors. */
  keySecret: z
    .string()
    .regex(BASE64, 'must be base64 (as tsig-keygen prints it)')
    .refine((secret) => Buffer.from(secret, 'base64').length >= 16, 'must decode to at least 16 bytes'),
  /** Changes per UPDATE message (each message is atomic). @default 50 */
  batchSize: z.number().int().min(1).max(1000).default(50),
  /** Per answer. @default 10000 */
  timeoutMs: z.number().int().positive().default(10_000),
  /** Allowed clock difference in seconds (RFC 8945 recommends 300). @default 300 */
  fudge: z.number().int().min(1).max(65535).default(DEFAULT_FUDGE),
  /** UPDATEs over TCP, or UDP (falling back to TCP above 512 bytes). Transfers always use TCP. @default 'tcp' */
  transport: z.enum(['tcp', 'udp']).default('tcp'),
});

/** Options as written in config (defaults not yet applied). */
export type Rfc2136OptionsInput = Readonly<z.input<typeof Rfc2136OptionsSchema>>;

/** The options the driver receives: parsed once at load, defaults applied. */
export type Rfc2136Options = Readonly<z.output<typeof Rfc2136OptionsSchema>>;
