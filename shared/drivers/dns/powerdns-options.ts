/** Options of the `powerdns` DNS driver; zod only. */
import { z } from 'zod';

/** Options of the powerdns driver, validated once when the configuration loads. */
export const PowerDnsOptionsSchema = z.object({
  /** Base URL of the PowerDNS webserver, e.g. `http://127.0.0.1:8081`. */
  apiUrl: z.url({ protocol: /^https?$/ }),
  /** The `api-key` of pdns.conf, sent as `X-API-Key`. Never logged or shown in errors. */
  apiKey: z.string().min(1),
  /** @default 'localhost' */
  serverId: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/)
    .default('localhost'),
  /** Zone holding the records, e.g. `example.org`. */
  zone: z.string().regex(/^([A-Za-z0-9_-]+\.)*[A-Za-z0-9_-]+\.?$/, 'must be a DNS name'),
  /** Per request. @default 10000 */
  timeoutMs: z.number().int().positive().default(10_000),
});

/** The options as written in configuration. */
export type PowerDnsOptionsInput = z.input<typeof PowerDnsOptionsSchema>;
/** The options the driver receives: parsed once at load, defaults applied. */
export type PowerDnsOptions = z.output<typeof PowerDnsOptionsSchema>;
