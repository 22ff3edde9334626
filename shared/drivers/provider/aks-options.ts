/** Options of the `aks` provider; zod only, so the config loads it without the Azure SDK. */
import { z } from 'zod';

/** Options of the AKS provider: one subscription, resource group and region. */
export const AksOptionsSchema = z.strictObject({
  /** Azure subscription id. */
  subscriptionId: z.guid(),
  /** Resource group the managed clusters go into (it must exist). */
  resourceGroup: z.string().regex(/^[-\w._()]{1,90}$/, 'an Azure resource group name'),
  /** Azure region, e.g. `westeurope`. */
  location: z.string().regex(/^[a-z0-9]+$/, 'an Azure region name such as westeurope'),
  /** VM size of the node pool. @default 'Standard_D4s_v5' */
  vmSize: z.string().min(1).default('Standard_D4s_v5'),
  /** OS disk of each node in GB. @default 64 */
  osDiskSizeGB: z.number().int().min(30).max(2048).default(64),
  /** Kubernetes version, e.g. `1.33`. @default the AKS default */
  kubernetesVersion: z.string().min(1).optional(),
  /** Another Azure Resource Manager endpoint (sovereign cloud, Azure Stack Hub). @default https://management.azure.com */
  endpoint: z
    .url({ protocol: /^https$/ })
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
  /** PEM CA certificates to trust for `endpoint` instead of the public ones (private clouds). */
  caCertificates: z.string().includes('BEGIN CERTIFICATE').optional(),
});

/** The options as written in configuration. */
export type AksOptionsInput = z.input<typeof AksOptionsSchema>;
/** The options the driver receives: parsed once at load, defaults applied. */
export type AksOptions = z.output<typeof AksOptionsSchema>;
