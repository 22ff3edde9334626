import { z } from 'zod';
import { DEFAULT_POLICY } from '../domain/policy.ts';
import { CloudWatchDemandFactorSchema } from '../schemas/cloudwatch-demand.ts';
import {
  BusSchema,
  DnsSchema,
  FederationSchema,
  GatewaySchema,
  LoadSchema,
  providerEntrySchema,
  StoreSchema,
} from './driver-schemas.ts';
import { SimulationSchema } from './simulation-schema.ts';

/** A secret: a literal (discouraged) or a reference `env:NAME` resolved at start-up. */
export const SecretSchema = z.string().min(1);

const PolicySchema = z.strictObject({
  maxClusters: z.number().int().min(0).default(DEFAULT_POLICY.maxClusters),
  hourlyBudget: z.number().min(0).default(DEFAULT_POLICY.hourlyBudget),
  cooldownSeconds: z.number().int().min(0).default(DEFAULT_POLICY.cooldownSeconds),
  scaleDownThreshold: z.number().min(0).max(1).default(DEFAULT_POLICY.scaleDownThreshold),
  scaleDownWindowSeconds: z.number().int().min(0).default(DEFAULT_POLICY.scaleDownWindowSeconds),
  scaleDownDelayAfterAddSeconds: z
    .number()
    .int()
    .min(0)
    .default(DEFAULT_POLICY.scaleDownDelayAfterAddSeconds),
  minLifetimeSeconds: z.number().int().min(0).default(DEFAULT_POLICY.minLifetimeSeconds),
  nodesPerCluster: z.number().int().min(1).default(DEFAULT_POLICY.nodesPerCluster),
  maxNodesPerCluster: z.number().int().min(1).default(DEFAULT_POLICY.maxNodesPerCluster),
  provisioningDeadlineSeconds: z.number().int().min(1).default(DEFAULT_POLICY.provisioningDeadlineSeconds),
  joinDeadlineSeconds: z.number().int().min(1).default(DEFAULT_POLICY.joinDeadlineSeconds),
  routeDeadlineSeconds: z.number().int().min(1).default(DEFAULT_POLICY.routeDeadlineSeconds),
  drainTimeoutSeconds: z.number().int().min(0).default(DEFAULT_POLICY.drainTimeoutSeconds),
  leaveDeadlineSeconds: z.number().int().min(1).default(DEFAULT_POLICY.leaveDeadlineSeconds),
  dnsTtlSeconds: z.number().int().min(0).default(DEFAULT_POLICY.dnsTtlSeconds),
  stuckAfterSeconds: z.number().int().min(1).default(DEFAULT_POLICY.stuckAfterSeconds),
  warmClusters: z.number().int().min(0).default(DEFAULT_POLICY.warmClusters),
  warmNodes: z.number().int().min(0).optional(),
  billingGranularitySeconds: z.number().int().min(0).default(DEFAULT_POLICY.billingGranularitySeconds),
});

/** One `providers[]` entry: placement fields, and `driver` with that driver's `options`. */
const ProviderEntrySchema = providerEntrySchema({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,30}$/, 'must be lowercase letters, digits and dashes'),
  regions: z.array(z.string().min(1)).min(1),
  pricePerNodeHour: z.number().min(0),
  maxClusters: z.number().int().min(0).default(10),
  priority: z.number().int().default(0),
  /**
   * Provisioning longer than this fails the burst (with cleanup). Default: 1800 s for a real
   * provider (an EKS control plane alone takes about 15 min), the policy's deadline for simulated.
   */
  provisioningDeadlineSeconds: z.number().int().min(1).optional(),
});

/** Provisioning deadline of a real provider when its entry sets none. */
export const PROVIDER_DEADLINE_SECONDS = 1800;

const ServiceSchema = z.strictObject({
  /** Service name; also the gateway backend unless `backend` is set. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  /** Public name users reach (direct mode writes weighted records for it). */
  hostname: z.string().min(1),
  backend: z.string().min(1).optional(),
  protocol: z.enum(['http', 'tcp']).default('http'),
  /** Port of the service's ingress on a burst cluster; default: the port of the cluster endpoint. */
  port: z.number().int().min(1).max(65535).optional(),
});

const AUTH_SHAPE = 'must be { bearerToken } and/or { basic: { username, password } }, or "none"';

const CredentialsSchema = z.strictObject(
  {
    bearerToken: SecretSchema.optional(),
    basic: z.strictObject({ username: z.string().min(1), password: SecretSchema }).optional(),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? AUTH_SHAPE : undefined) },
);

/**
 * `server.auth`: credentials, or `none` to serve without any on purpose (behind a site's own
 * authenticating proxy). Unset means neither: only the local runtime on loopback serves then;
 * Lambda and Cloud Functions refuse to build and to serve (shared/runtime/auth.ts).
 */
const AuthSchema = z.union([CredentialsSchema, z.literal('none')]).default({});

/**
 * The whole configuration (`clusterburst.yaml`). Every field has a default, so an empty file
 * (or none) runs the embedded control plane: simulated provider, SQLite store, in-process bus.
 */
export const ConfigSchema = z
  .strictObject({
    /** Installation id: the owner tag on everything we create. */
    installation: z
      .strictObject({
        id: z
          .string()
          .regex(/^[a-z0-9][a-z0-9-]{0,40}$/)
          .default('local'),
      })
      .default({ id: 'local' }),
    server: z
      .strictObject({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
        bodyLimitBytes: z
          .number()
          .int()
          .min(1024)
          .default(1024 * 1024),
        auth: AuthSchema,
      })
      .default({ host: '127.0.0.1', port: 8080, bodyLimitBytes: 1024 * 1024, auth: {} }),
    policy: PolicySchema.default(PolicySchema.parse({})),
    providers: z
      .array(ProviderEntrySchema)
      .min(1)
      .prefault([{ name: 'simulated', driver: 'simulated', regions: ['local'], pricePerNodeHour: 0.1 }]),
    federation: FederationSchema,
    dns: DnsSchema,
    gateway: GatewaySchema,
    services: z
      .array(ServiceSchema)
      .default([{ name: 'web', hostname: 'web.clusterburst.local', protocol: 'http' }]),
    /** How signals that carry a measurement rather than a node count become burst nodes. */
    demand: z
      .strictObject({ cloudwatch: z.array(CloudWatchDemandFactorSchema).default([]) })
      .default({ cloudwatch: [] }),
    store: StoreSchema,
    bus: BusSchema,
    load: LoadSchema,
    /** Cron expressions (6 fields: seconds first) for the local runtime's schedules. */
    schedules: z
      .strictObject({
        scaleDown: z.string().default('*/30 * * * * *'),
        health: z.string().default('* * * * * *'),
        reconcile: z.string().default('*/30 * * * * *'),
      })
      .default({ scaleDown: '*/30 * * * * *', health: '* * * * * *', reconcile: '*/30 * * * * *' }),
    /** State directory of the embedded drivers (SQLite file, simulated cloud inventory). */
    stateDir: z.string().default('.clusterburst'),
    logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
    /** Settings of `clusterburst simulate` (shared/config/simulation-schema.ts); the runtime ignores them. */
    simulation: SimulationSchema.prefault({}),
  })
  .superRefine((config, ctx) => {
    // Weighted records (direct mode) need a backend that has them.
    if (
      config.dns.mode === 'direct' &&
      (config.dns.driver === 'rfc2136' || config.dns.driver === 'powerdns')
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['dns', 'mode'],
        message: `direct mode needs weighted records, which the ${config.dns.driver} driver does not have (use gateway mode or route53)`,
      });
    }
    // Cooldown reads ended records of a signal: they must outlive it.
    if (config.store.retentionSeconds <= config.policy.cooldownSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['store', 'retentionSeconds'],
        message: `must be longer than policy.cooldownSeconds (${config.policy.cooldownSeconds}): cooldown looks at ended bursts`,
      });
    }
    // Every routed service needs its Octavia pool: say so at start-up, not at the first burst.
    if (config.gateway.driver === 'octavia') {
      const { pools } = config.gateway.options;
      const missing = config.services.map((s) => s.backend ?? s.name).find((b) => !(b in pools));
      if (missing !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['gateway', 'options', 'pools'],
          message: `no pool for backend "${missing}"`,
        });
    }
    const names = config.providers.map((p) => p.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup)
      ctx.addIssue({ code: 'custom', path: ['providers'], message: `provider name "${dup}" is used twice` });
  });

/** The validated configuration, defaults applied. */
export type Config = z.output<typeof ConfigSchema>;
/** The configuration as written in the file. */
export type ConfigInput = z.input<typeof ConfigSchema>;
/** One configured provider. */
export type ProviderEntry = z.output<typeof ProviderEntrySchema>;
/** One routed service. */
export type ServiceEntry = z.output<typeof ServiceSchema>;
