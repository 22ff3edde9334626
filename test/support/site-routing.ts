import type { BindServer } from './bind.ts';
import type { HaproxyInstance } from './haproxy.ts';

/**
 * The research infrastructure's own routing as the integration tests run it: BIND taking RFC 2136
 * updates for the burst zone (gateway mode) and HAProxy's runtime API, as the `dns` and `gateway`
 * parts of a configuration. The TSIG secret is read from `CB_TEST_TSIG`, as a site's would be from
 * its environment: set it to `bind.keySecret` before the runtime starts.
 */
export function siteRouting(bind: BindServer, hx: HaproxyInstance, check: { readonly rise?: number } = {}) {
  return {
    dns: {
      driver: 'rfc2136' as const,
      mode: 'gateway' as const,
      zone: bind.zone,
      options: {
        server: bind.host,
        port: bind.port,
        keyName: bind.keyName,
        keyAlgorithm: bind.keyAlgorithm,
        keySecret: 'env:CB_TEST_TSIG',
      },
    },
    gateway: {
      driver: 'haproxy' as const,
      options: {
        runtime: hx.socketPath,
        configPath: hx.configDir,
        check: { interMs: 250, rise: check.rise ?? 2, fall: 3 },
      },
    },
  };
}
