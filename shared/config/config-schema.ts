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
  moveHomeTimeoutSeconds: z.number().int().min(1).default(DEFAULT_POLICY.moveHomeTimeoutSeconds),
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
  /** Price per GB of data leaving this provider, in the budget's currency (placement adds it). */
  egressPricePerGB: z.number().min(0).optional(),
});

/** Provisioning deadline of a real provider when its entry sets none. */
export const PROVIDER_DEADLINE_SECONDS = 1800;

/** Namespace of the embedded default service, which the default protection allows. */
const DEMO_NAMESPACE = 'clusterburst-demo';

const WorkloadSchema = z.strictObject({
  namespace: z.string().min(1).optional(),
  kind: z.enum(['Deployment', 'StatefulSet']).default('Deployment'),
  name: z.string().min(1),
});

const ExposeSchema = z.strictObject({
  /** A `type: LoadBalancer` Service (its load-balancer address) or a Gateway (its address). */
  kind: z.enum(['Service', 'Gateway']).default('Service'),
  namespace: z.string().min(1).optional(),
  name: z.string().min(1).optional(),
  /** Port users reach on the ingress. */
  port: z.number().int().min(1).max(65535).optional(),
});

const HealthSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('http'),
    path: z.string().startsWith('/').default('/'),
    expectStatus: z.number().int().min(100).max(599).default(200),
  }),
  z.strictObject({ type: z.literal('tcp') }),
]);

/**
 * One service of the research infrastructure. A short entry stays short: the workload is the
 * Deployment named like the service in `namespace`, exposed by the Service of that name on port
 * 80 (http) and checked with `GET /` expecting 200 (http) or a TCP connect (tcp).
 */
const ServiceSchema = z
  .strictObject({
    /** Service name; also the gateway backend unless `backend` is set. */
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    /** Public name users reach (direct mode writes weighted records for it). */
    hostname: z.string().min(1),
    backend: z.string().min(1).optional(),
    protocol: z.enum(['http', 'tcp']).default('http'),
    /** Whether it may burst at all (customer protection: only when said so). */
    burstable: z.boolean().default(false),
    /** Default namespace of its workloads and of what exposes it. */
    namespace: z.string().min(1).default('default'),
    workloads: z.array(WorkloadSchema).min(1).optional(),
    expose: ExposeSchema.default({ kind: 'Service' }),
    health: HealthSchema.optional(),
    /** Expected GB it sends out of a burst cluster per burst node-hour (priced at the provider's egress price). */
    egressGBPerNodeHour: z.number().min(0).optional(),
    /** Where its data lives: placement prefers that provider and/or region, which moves none of it. */
    dataLocality: z
      .strictObject({ provider: z.string().min(1).optional(), region: z.string().min(1).optional() })
      .refine((l) => l.provider !== undefined || l.region !== undefined, 'names a provider or a region')
      .optional(),
  })
  .superRefine((s, ctx) => {
    if (s.protocol === 'tcp' && s.expose.port === undefined)
      ctx.addIssue({ code: 'custom', path: ['expose', 'port'], message: 'a tcp service names its port' });
    if (s.protocol === 'tcp' && s.health?.type === 'http')
      ctx.addIssue({
        code: 'custom',
        path: ['health', 'type'],
        message: 'a tcp service is checked with tcp',
      });
  })
  .transform((s) => ({
    ...s,
    workloads: (s.workloads ?? [{ kind: 'Deployment' as const, name: s.name }]).map((w) => ({
      namespace: w.namespace ?? s.namespace,
      kind: w.kind,
      name: w.name,
    })),
    expose: {
      kind: s.expose.kind,
      namespace: s.expose.namespace ?? s.namespace,
      name: s.expose.name ?? s.name,
      port: s.expose.port ?? 80,
    },
    health:
      s.health ??
      (s.protocol === 'tcp'
        ? { type: 'tcp' as const }
        : { type: 'http' as const, path: '/', expectStatus: 200 }),
  }));

/** Where services may never go, whatever else the configuration says. */
const ProtectionSchema = z.strictObject({
  /** Namespaces whose workloads may propagate at all (a service elsewhere never bursts). */
  allowedNamespaces: z.array(z.string().min(1)).default([DEMO_NAMESPACE]),
  /** A namespace or workload carrying this label (with `value`, if set) never propagates. */
  restrictedLabel: z
    .strictObject({
      key: z.string().min(1).default('clusterburst.io/restricted-data'),
      value: z.string().optional(),
    })
    .default({ key: 'clusterburst.io/restricted-data' }),
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
      .prefault([
        { name: 'web', hostname: 'web.clusterburst.local', burstable: true, namespace: DEMO_NAMESPACE },
      ]),
    protection: ProtectionSchema.prefault({}),
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
    const services = config.services.map((s) => s.name);
    const twice = services.find((n, i) => services.indexOf(n) !== i);
    if (twice)
      ctx.addIssue({ code: 'custom', path: ['services'], message: `service name "${twice}" is used twice` });
    const names = config.providers.map((p) => p.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup)
      ctx.addIssue({ code: 'custom', path: ['providers'], message: `provider name "${dup}" is used twice` });
    // A data locality no provider can meet is a typo: placement would silently ignore it.
    config.services.forEach((s, i) => {
      const where = s.dataLocality;
      if (!where) return;
      const offer =
        where.provider === undefined ? undefined : config.providers.find((p) => p.name === where.provider);
      if (where.provider !== undefined && !offer)
        ctx.addIssue({
          code: 'custom',
          path: ['services', i, 'dataLocality', 'provider'],
          message: `provider "${where.provider}" is not configured (configured providers: ${names.join(', ')})`,
        });
      else if (
        where.region !== undefined &&
        !(offer ? [offer] : config.providers).some((p) => p.regions.includes(where.region!))
      )
        ctx.addIssue({
          code: 'custom',
          path: ['services', i, 'dataLocality', 'region'],
          message: `region "${where.region}" is not offered by ${offer ? `provider ${offer.name}` : 'any configured provider'}`,
        });
    });
  });

/** The validated configuration, defaults applied. */
export type Config = z.output<typeof ConfigSchema>;
/** The configuration as written in the file. */
export type ConfigInput = z.input<typeof ConfigSchema>;
/** One configured provider. */
export type ProviderEntry = z.output<typeof ProviderEntrySchema>;
/** One service, defaults filled in (a ServiceSpec). */
export type ServiceEntry = z.output<typeof ServiceSchema>;
/** The customer protection section. */
export type ProtectionEntry = z.output<typeof ProtectionSchema>;
