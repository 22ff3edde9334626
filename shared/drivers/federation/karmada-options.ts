/** Options of the `karmada` federation driver; zod only, so the config loads it without client-node. */
import { z } from 'zod';
import { KUBECONFIG_SOURCE_FIELDS, oneKubeconfigSource } from '../kube/kubeconfig-source-options.ts';

/** Options of the `karmada` federation driver (`federation.options` in clusterburst.yaml). */
export const KarmadaOptionsSchema = z
  .strictObject({
    /** The karmada-apiserver kubeconfig (inline, path or in-cluster); see KUBECONFIG_SOURCE_FIELDS. */
    ...KUBECONFIG_SOURCE_FIELDS,
    /** Control-plane namespace of the members' token Secrets. @default 'karmada-cluster' */
    clusterNamespace: z.string().min(1).default('karmada-cluster'),
    /** Member namespace of Karmada's service accounts. @default 'karmada-cluster' */
    memberNamespace: z.string().min(1).default('karmada-cluster'),
    /** Bound on the wait for the member's token controller at join. @default 30 */
    tokenTimeoutSeconds: z.number().positive().default(30),
    /** Bound on a Cluster staying in deletion (Works not released) before leave reports it. @default 600 */
    leaveTimeoutSeconds: z.number().positive().default(600),
  })
  .superRefine(oneKubeconfigSource);

/** The options as written in configuration. */
export type KarmadaOptionsInput = z.input<typeof KarmadaOptionsSchema>;
/** The options the driver receives: parsed once at load, defaults applied. */
export type KarmadaOptions = z.output<typeof KarmadaOptionsSchema>;
