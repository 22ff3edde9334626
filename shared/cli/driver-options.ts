/**
 * The `options` of each configured driver, checked offline against the schema that driver
 * parses them with at start-up, so `config check` finds a missing `classRef` or a bad runtime
 * address before a deploy does. Schemas are imported only for the drivers the file names.
 */
import type { z } from 'zod';
import type { Config } from '../config/config-schema.ts';

interface OptionsCheck {
  /** Where the options are in the file, e.g. `providers.0.options`. */
  readonly at: string;
  readonly value: unknown;
  readonly schema: () => Promise<z.ZodType>;
}

/** Option schemas by capability and driver name; drivers without options are absent. */
const PROVIDERS: Record<string, () => Promise<z.ZodType>> = {
  simulated: async () => (await import('../drivers/provider/simulated.ts')).SimulatedProviderOptionsSchema,
  clusterapi: async () => (await import('../drivers/provider/clusterapi.ts')).ClusterApiOptionsSchema,
  eks: async () => (await import('../drivers/provider/eks.ts')).EksOptionsSchema,
  gke: async () => (await import('../drivers/provider/gke.ts')).GkeOptionsSchema,
  aks: async () => (await import('../drivers/provider/aks.ts')).AksOptionsSchema,
  magnum: async () => (await import('../drivers/provider/magnum.ts')).MagnumOptionsSchema,
};
const FEDERATION: Record<string, () => Promise<z.ZodType>> = {
  karmada: async () => (await import('../drivers/federation/karmada.ts')).KarmadaOptionsSchema,
  kubefed: async () => (await import('../drivers/federation/kubefed.ts')).KubefedOptionsSchema,
};
const DNS: Record<string, () => Promise<z.ZodType>> = {
  rfc2136: async () => (await import('../drivers/dns/rfc2136/options.ts')).Rfc2136OptionsSchema,
  powerdns: async () => (await import('../drivers/dns/powerdns.ts')).PowerDnsOptionsSchema,
  route53: async () => (await import('../drivers/dns/route53.ts')).Route53OptionsSchema,
};
const GATEWAY: Record<string, () => Promise<z.ZodType>> = {
  haproxy: async () => (await import('../drivers/gateway/haproxy.ts')).HaproxyGatewayOptionsSchema,
  'gateway-api': async () => (await import('../drivers/gateway/gateway-api.ts')).GatewayApiOptionsSchema,
  octavia: async () => (await import('../drivers/gateway/octavia-options.ts')).OctaviaGatewayOptionsSchema,
};
const LOAD: Record<string, () => Promise<z.ZodType>> = {
  prometheus: async () => (await import('../drivers/load/prometheus.ts')).PrometheusLoadOptionsSchema,
};
const BUS: Record<string, () => Promise<z.ZodType>> = {
  eventbridge: async () => (await import('../drivers/bus/eventbridge.ts')).EventBridgeBusOptionsSchema,
};

/**
 * Problems in driver options as `path: message` lines naming the field in the file. Fields whose
 * value is an `env:` reference this shell cannot resolve (`unresolved`, dotted paths) are not
 * judged: their value is only known where the runtime runs.
 */
export async function driverOptionIssues(config: Config, unresolved: ReadonlySet<string>): Promise<string[]> {
  const checks: OptionsCheck[] = [];
  const add = (
    table: Record<string, () => Promise<z.ZodType>>,
    driver: string,
    at: string,
    value: unknown,
  ) => {
    const schema = table[driver];
    if (schema) checks.push({ at, value, schema });
  };
  config.providers.forEach((p, i) => {
    add(PROVIDERS, p.driver, `providers.${i}.options`, p.options);
  });
  add(FEDERATION, config.federation.driver, 'federation.options', config.federation.options);
  // The DNS drivers get the zone from `dns.zone` unless their options name one (registry.ts).
  add(DNS, config.dns.driver, 'dns.options', { zone: config.dns.zone, ...config.dns.options });
  add(GATEWAY, config.gateway.driver, 'gateway.options', config.gateway.options);
  add(LOAD, config.load.driver, 'load.options', config.load.options);
  add(BUS, config.bus.driver, 'bus.options', config.bus.options);
  const issues: string[] = [];
  for (const check of checks) {
    const result = (await check.schema()).safeParse(check.value);
    if (result.success) continue;
    for (const issue of result.error.issues) {
      const path = [check.at, ...issue.path.map(String)].join('.');
      if (!unresolved.has(path)) issues.push(`${path}: ${issue.message}`);
    }
  }
  return issues;
}
