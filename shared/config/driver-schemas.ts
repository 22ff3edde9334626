/**
 * The driver choice of each capability as one schema: `driver` picks the branch of a
 * discriminated union and `options` is checked against that driver's own schema (declared beside
 * the driver, zod only, so loading the configuration never loads an SDK). The whole file is
 * therefore checked once, at start-up or cold start, and drivers receive parsed options.
 */
import { z } from 'zod';
import { EventBridgeBusOptionsSchema } from '../drivers/bus/eventbridge-options.ts';
import { PowerDnsOptionsSchema } from '../drivers/dns/powerdns-options.ts';
import { Rfc2136OptionsSchema } from '../drivers/dns/rfc2136/options.ts';
import { Route53OptionsSchema } from '../drivers/dns/route53-options.ts';
import { KarmadaOptionsSchema } from '../drivers/federation/karmada-options.ts';
import { KubefedOptionsSchema } from '../drivers/federation/kubefed-options.ts';
import { LiqoOptionsSchema } from '../drivers/federation/liqo-options.ts';
import { SimulatedFederationOptionsSchema } from '../drivers/federation/simulated-options.ts';
import { GatewayApiOptionsSchema } from '../drivers/gateway/gateway-api-options.ts';
import { HaproxyGatewayOptionsSchema } from '../drivers/gateway/haproxy-options.ts';
import { OctaviaGatewayOptionsSchema } from '../drivers/gateway/octavia-options.ts';
import { PrometheusLoadOptionsSchema } from '../drivers/load/prometheus-options.ts';
import { NoOptionsSchema } from '../drivers/no-options.ts';
import { AksOptionsSchema } from '../drivers/provider/aks-options.ts';
import { ClusterApiOptionsSchema } from '../drivers/provider/clusterapi-options.ts';
import { EksOptionsSchema } from '../drivers/provider/eks-options.ts';
import { GkeOptionsSchema } from '../drivers/provider/gke-options.ts';
import { MagnumOptionsSchema } from '../drivers/provider/magnum-options.ts';
import { SimulatedProviderOptionsSchema } from '../drivers/provider/simulated-options.ts';
import { DynamoDbStoreOptionsSchema } from '../drivers/store/dynamodb-options.ts';
import { KubernetesStoreOptionsSchema } from '../drivers/store/kubernetes-options.ts';

/** Missing options are parsed as none given, so each required field is reported by name. */
const NONE = {};

/**
 * One branch: this driver name with its options. `prefault` parses a missing `options` as `{}`,
 * so a driver with required options reports each missing field by name.
 */
function branch<D extends string, O extends z.ZodType, F extends z.core.$ZodLooseShape>(
  driver: D,
  options: O,
  fields: F,
) {
  return driverBranch(z.literal(driver), options, fields);
}

/** A branch whose `driver` field is `discriminator`: a literal, or one with a default. */
function driverBranch<K extends z.ZodType, O extends z.ZodType, F extends z.core.$ZodLooseShape>(
  discriminator: K,
  options: O,
  fields: F,
) {
  return z.strictObject({
    ...fields,
    driver: discriminator,
    options: options.prefault(NONE as z.input<O>),
  });
}

/** The message when `driver` names none of the branches (instead of zod's list of literals). */
const unknownDriver = (names: readonly string[]) => (issue: z.core.$ZodRawIssue) =>
  issue.code === 'invalid_union' ? `must be one of ${names.join(', ')}` : undefined;

/** Names of the drivers, for the message when `driver` names none. */
const names = (...list: string[]) => ({ error: unknownDriver(list) });

/** The provider drivers and their options, for `providers[]` entries (`fields` are the common ones). */
export function providerEntrySchema<F extends z.core.$ZodLooseShape>(fields: F) {
  return z.discriminatedUnion(
    'driver',
    [
      branch('simulated', SimulatedProviderOptionsSchema, fields),
      branch('clusterapi', ClusterApiOptionsSchema, fields),
      branch('eks', EksOptionsSchema, fields),
      branch('gke', GkeOptionsSchema, fields),
      branch('aks', AksOptionsSchema, fields),
      branch('magnum', MagnumOptionsSchema, fields),
    ],
    names('simulated', 'clusterapi', 'eks', 'gke', 'aks', 'magnum'),
  );
}

/** The default branch: like `branch`, and `driver` may be left out. */
function fallback<D extends string, O extends z.ZodType, F extends z.core.$ZodLooseShape>(
  driver: D,
  options: O,
  fields: F,
) {
  return driverBranch(z.literal(driver).default(driver), options, fields);
}

/** A driver branch, as `branch` or `fallback` make it. */
type Branch = z.ZodObject<{ driver: z.ZodLiteral<string> | z.ZodDefault<z.ZodLiteral<string>> }>;

/** A capability's drivers: a union on `driver` whose error for an unknown name lists the branches. */
function drivers<const B extends readonly [Branch, ...Branch[]]>(branches: B) {
  const listed = branches.map((b) => {
    const driver = b.shape.driver;
    return (driver instanceof z.ZodDefault ? driver.unwrap() : driver).value;
  });
  return z.discriminatedUnion('driver', branches, names(...listed));
}

/** `federation`: which federation control plane members join. */
export const FederationSchema = z
  .discriminatedUnion(
    'driver',
    [
      fallback('simulated', SimulatedFederationOptionsSchema, {}),
      branch('karmada', KarmadaOptionsSchema, {}),
      branch('kubefed', KubefedOptionsSchema, {}),
      branch('liqo', LiqoOptionsSchema, {}),
    ],
    names('simulated', 'karmada', 'kubefed', 'liqo'),
  )
  .prefault({});

/** Zone for per-cluster ingress records (gateway mode) when `dns.zone` is unset. */
export const DEFAULT_DNS_ZONE = 'burst.clusterburst.local';

const DNS_FIELDS = {
  /** gateway: users keep reaching the RI gateway; direct: weighted records per service. */
  mode: z.enum(['gateway', 'direct']).default('gateway'),
  /** Zone for per-cluster ingress records (gateway mode); the DNS driver's zone unless its options name one. */
  zone: z.string().min(1).default(DEFAULT_DNS_ZONE),
};

/** DNS drivers whose options carry the zone they write in. */
const ZONED = new Set(['rfc2136', 'powerdns', 'route53']);

/** `dns`: which DNS server records are written to. Its options get `dns.zone` unless they name one. */
export const DnsSchema = z
  .preprocess(
    (value) => {
      if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
      const dns = value as { driver?: unknown; zone?: unknown; options?: unknown };
      if (!ZONED.has(String(dns.driver))) return value;
      const options = dns.options ?? {};
      if (typeof options !== 'object' || Array.isArray(options) || 'zone' in options) return value;
      return { ...dns, options: { zone: dns.zone ?? DEFAULT_DNS_ZONE, ...options } };
    },
    z.discriminatedUnion(
      'driver',
      [
        fallback('memory', NoOptionsSchema, DNS_FIELDS),
        branch('rfc2136', Rfc2136OptionsSchema, DNS_FIELDS),
        branch('route53', Route53OptionsSchema, DNS_FIELDS),
        branch('powerdns', PowerDnsOptionsSchema, DNS_FIELDS),
      ],
      names('memory', 'rfc2136', 'route53', 'powerdns'),
    ),
  )
  .prefault({});

/** `gateway`: where burst clusters are added as backend servers. */
export const GatewaySchema = drivers([
  fallback('memory', NoOptionsSchema, {}),
  branch('haproxy', HaproxyGatewayOptionsSchema, {}),
  branch('gateway-api', GatewayApiOptionsSchema, {}),
  branch('octavia', OctaviaGatewayOptionsSchema, {}),
]).prefault({});

/** Default retention of ended records (7 days: longer than any cooldown). */
export const STORE_RETENTION_SECONDS = 7 * 24 * 3600;

const STORE_FIELDS = {
  /** SQLite file. */
  path: z.string().min(1).default('.clusterburst/state.db'),
  /** How long ended (Deleted/Failed) records are kept before they are pruned. @default 7 days */
  retentionSeconds: z.number().int().positive().default(STORE_RETENTION_SECONDS),
};

/** `store`: where burst records live. */
export const StoreSchema = drivers([
  fallback('sqlite', NoOptionsSchema, STORE_FIELDS),
  branch('kubernetes', KubernetesStoreOptionsSchema, STORE_FIELDS),
  branch('dynamodb', DynamoDbStoreOptionsSchema, STORE_FIELDS),
]).prefault({});

/** `bus`: how lifecycle events travel. */
export const BusSchema = drivers([
  fallback('memory', NoOptionsSchema, {}),
  branch('eventbridge', EventBridgeBusOptionsSchema, {}),
]).prefault({});

/** `load`: where scale-down reads utilisation. */
export const LoadSchema = drivers([
  fallback('signal', NoOptionsSchema, {}),
  branch('prometheus', PrometheusLoadOptionsSchema, {}),
]).prefault({});
