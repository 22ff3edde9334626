/** Options of the `clusterapi` provider; zod only, so the config loads it without client-node. */
import { z } from 'zod';
import { KUBECONFIG_SOURCE_FIELDS, oneKubeconfigSource } from '../kube/kubeconfig-source-options.ts';

/** Options of a `clusterapi` provider (`providers[].options` in clusterburst.yaml). */
export const ClusterApiOptionsSchema = z
  .strictObject({
    /** The management cluster's kubeconfig (inline, path or in-cluster); see KUBECONFIG_SOURCE_FIELDS. */
    ...KUBECONFIG_SOURCE_FIELDS,
    /** Namespace of the Cluster objects and their kubeconfig Secrets. @default 'clusterburst-system' */
    namespace: z.string().min(1).default('clusterburst-system'),
    /** The ClusterClass; its namespace defaults to the Cluster's. */
    classRef: z.strictObject({ name: z.string().min(1), namespace: z.string().min(1).optional() }),
    kubernetesVersion: z.string().regex(/^v\d+\.\d+\.\d+/, 'must be a Kubernetes version such as v1.33.1'),
    /** @default 1 */
    controlPlaneReplicas: z.number().int().min(1).default(1),
    /** MachineDeployment class of the workers in the ClusterClass. @default 'default-worker' */
    workerClass: z.string().min(1).default('default-worker'),
    /** Name of the one MachineDeployment topology; its replicas are the burst's nodes. @default 'md-0' */
    machineDeploymentName: z.string().min(1).default('md-0'),
    /** ClusterClass variables, by name. @default {} */
    variables: z.record(z.string(), z.unknown()).default({}),
    /** Variable that receives the burst's region, when the ClusterClass has one (e.g. `region`). */
    regionVariable: z.string().min(1).optional(),
  })
  .superRefine(oneKubeconfigSource);

/** The options as written in configuration. */
export type ClusterApiOptionsInput = z.input<typeof ClusterApiOptionsSchema>;
/** The options the driver receives: parsed once at load, defaults applied. */
export type ClusterApiOptions = z.output<typeof ClusterApiOptionsSchema>;
