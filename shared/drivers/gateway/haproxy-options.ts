/** Options of the `haproxy` gateway driver; zod only. */
import { z } from 'zod';

/** A unix socket path (`/…`, `./…`, `unix@…`) or `host:port`, as parseRuntimeAddress takes them. */
function isRuntimeAddress(address: string): boolean {
  const bare = address.replace(/^(unix@|unix:|ipv4@|ipv6@|tcp:\/\/)/, '');
  if (address.startsWith('unix') || bare.startsWith('/') || bare.startsWith('.')) return true;
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(bare);
  const port = Number(match?.[2]);
  return Boolean(match?.[1]) && Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** Options of the haproxy driver, validated once when the configuration loads. */
export const HaproxyGatewayOptionsSchema = z.object({
  /** Runtime API: a unix socket path or `host:port` of a `stats socket … level admin`. */
  runtime: z
    .string()
    .min(1)
    .refine(isRuntimeAddress, { message: 'must be a socket path (/run/haproxy.sock) or host:port' }),
  /** Config file (or `-f` directory of `*.cfg`) declaring the backends; omit to skip reload survival. */
  configPath: z.string().min(1).optional(),
  /** @default 5000 */
  timeoutMs: z.number().int().positive().default(5000),
  /** HAProxy's own health check on our servers; `false` adds them without `check`. */
  check: z
    .object({
      enabled: z.boolean().default(true),
      /** @default 2000 */
      interMs: z.number().int().min(100).default(2000),
      /** @default 2 */
      rise: z.number().int().min(1).max(100).default(2),
      /** @default 3 */
      fall: z.number().int().min(1).max(100).default(3),
    })
    .prefault({}),
  /** How long `remove` retries `del server` while cut sessions finish closing. @default 5000 */
  deleteWaitMs: z.number().int().min(0).default(5000),
});

/** The options as written in configuration. */
export type HaproxyGatewayOptionsInput = z.input<typeof HaproxyGatewayOptionsSchema>;
/** The options the driver receives: parsed once at load, defaults applied. */
export type HaproxyGatewayOptions = z.output<typeof HaproxyGatewayOptionsSchema>;
