/** Options of the `route53` DNS driver; zod only, so the config loads it without the AWS SDK. */
import { z } from 'zod';

/** Options of the route53 driver, validated once when the configuration loads. */
export const Route53OptionsSchema = z.object({
  /** Hosted zone id, `Z0123456789ABC` or `/hostedzone/Z0123456789ABC`. */
  hostedZoneId: z.string().regex(/^(\/hostedzone\/)?[A-Z0-9]{1,32}$/, 'must be a hosted zone id'),
  /** The hosted zone's name, e.g. `example.org`; records outside it are refused. */
  zone: z.string().regex(/^([A-Za-z0-9_-]+\.)*[A-Za-z0-9_-]+\.?$/, 'must be a DNS name'),
  /** Route 53 is global; the SDK still wants a region. @default 'us-east-1' */
  region: z.string().min(1).default('us-east-1'),
  /** Wait after each batch until Route 53 reports it INSYNC on its servers. @default false */
  waitForSync: z.boolean().default(false),
  /** Upper bound of that wait. @default 120000 */
  syncTimeoutMs: z.number().int().positive().default(120_000),
  /** Polling interval of that wait. @default 5000 */
  syncPollMs: z.number().int().positive().default(5_000),
});

/** The options as written in configuration. */
export type Route53OptionsInput = z.input<typeof Route53OptionsSchema>;
/** The options the driver receives: parsed once at load, defaults applied. */
export type Route53Options = z.output<typeof Route53OptionsSchema>;
