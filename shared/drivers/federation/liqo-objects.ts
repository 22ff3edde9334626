/**
 * Liqo v1 (liqotech/liqo, apis/ and pkg/consts): the resources, labels and names the `liqo`
 * driver writes and reads, and zod schemas for what it reads back. One place, so the peering,
 * offloading and status code agree on every name.
 */
import { z } from 'zod';
import { ConditionsSchema } from '../kube/conditions.ts';

/** Custom resources, as `CustomObjectsApi` addresses them. */
export const LIQO = {
  foreignCluster: { group: 'core.liqo.io', version: 'v1beta1', plural: 'foreignclusters' },
  tenant: { group: 'authentication.liqo.io', version: 'v1beta1', plural: 'tenants' },
  identity: { group: 'authentication.liqo.io', version: 'v1beta1', plural: 'identities' },
  resourceSlice: { group: 'authentication.liqo.io', version: 'v1beta1', plural: 'resourceslices' },
  namespaceOffloading: { group: 'offloading.liqo.io', version: 'v1beta1', plural: 'namespaceoffloadings' },
  virtualNode: { group: 'offloading.liqo.io', version: 'v1beta1', plural: 'virtualnodes' },
} as const;

/** Liqo's labels and annotations (pkg/consts). */
export const LIQO_LABELS = {
  remoteClusterId: 'liqo.io/remote-cluster-id',
  tenantNamespace: 'liqo.io/tenant-namespace',
  nonce: 'liqo.io/nonce',
  signedNonce: 'liqo.io/signed-nonce',
  replication: 'liqo.io/replication',
  replicationDestination: 'liqo.io/remoteID',
  createVirtualNode: 'liqo.io/create-virtual-node',
  clusterIdConfigMap: 'app.kubernetes.io/name=clusterid-configmap',
} as const;

/** Our label naming the member (burst cluster name) on every object of its peering. */
export const MEMBER_LABEL = 'clusterburst.io/member';
/** Annotation on our ForeignCluster: the Tenant condition we set (status reads it without calling the burst). */
export const TENANT_CONDITION_ANNOTATION = 'clusterburst.io/tenant-condition';

/** `liqo-tenant-<cluster id>` (pkg/tenantNamespace). */
export const tenantNamespaceOf = (clusterId: string): string => `liqo-tenant-${clusterId}`;
/** `controlplane-<provider id>` (authentication/forge/identity.go). */
export const controlPlaneIdentityOf = (clusterId: string): string => `controlplane-${clusterId}`;
/** Secrets of the authentication challenge (authentication/forge). */
export const NONCE_SECRET = 'liqo-nonce';
export const SIGNED_NONCE_SECRET = 'liqo-signed-nonce';
/** The consumer's key pair, created by Liqo at install in its namespace. */
export const AUTH_KEYS_SECRET = 'authentication-keys';
/** Liqo serves one NamespaceOffloading per namespace, with this name. */
export const NAMESPACE_OFFLOADING = 'offloading';

const Labels = z.record(z.string(), z.string()).default({});
const Meta = z.looseObject({
  name: z.string(),
  namespace: z.string().optional(),
  resourceVersion: z.string().optional(),
  labels: Labels,
  annotations: Labels,
  deletionTimestamp: z.string().optional(),
});

const Module = z.looseObject({ enabled: z.boolean().optional(), conditions: ConditionsSchema }).optional();

/** ForeignCluster, as far as the driver reads it. */
export const ForeignClusterSchema = z.looseObject({
  metadata: Meta,
  spec: z.looseObject({ clusterID: z.string() }),
  status: z
    .looseObject({
      modules: z.looseObject({ networking: Module, authentication: Module, offloading: Module }).optional(),
    })
    .optional(),
});
export type ForeignCluster = z.output<typeof ForeignClusterSchema>;

/** ResourceSlice: its conditions say whether the provider accepted authentication and resources. */
export const ResourceSliceSchema = z.looseObject({
  metadata: Meta,
  status: z
    .looseObject({
      conditions: ConditionsSchema,
      resources: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
    })
    .optional(),
});
export type ResourceSlice = z.output<typeof ResourceSliceSchema>;

/** Tenant (on the burst cluster). */
export const TenantSchema = z.looseObject({
  metadata: Meta,
  spec: z.looseObject({ tenantCondition: z.string().optional() }).default({}),
  status: z
    .looseObject({
      tenantNamespace: z.string().optional(),
      authParams: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
});

/** NamespaceOffloading: the cluster ids its selector names. */
export const NamespaceOffloadingSchema = z.looseObject({
  metadata: Meta,
  spec: z.looseObject({
    clusterSelector: z
      .looseObject({
        nodeSelectorTerms: z
          .array(
            z.looseObject({
              matchExpressions: z
                .array(
                  z.looseObject({
                    key: z.string(),
                    operator: z.string(),
                    values: z.array(z.string()).optional(),
                  }),
                )
                .optional(),
            }),
          )
          .default([]),
      })
      .optional(),
  }),
  status: z
    .looseObject({ remoteNamespaceName: z.string().optional(), offloadingPhase: z.string().optional() })
    .optional(),
});
export type NamespaceOffloading = z.output<typeof NamespaceOffloadingSchema>;

/** Parses a listed or read object, or undefined when it is not the expected shape. */
export function parsed<T extends z.ZodType>(schema: T, value: unknown): z.output<T> | undefined {
  const result = schema.safeParse(value);
  return result.success ? result.data : undefined;
}

/** The `items` of a custom-object list answer. */
export function itemsOf(list: unknown): unknown[] {
  return ((list as { items?: unknown[] } | undefined)?.items ?? []) as unknown[];
}
