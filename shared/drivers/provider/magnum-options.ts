/** Options of the `magnum` provider; zod only (and the Keystone credentials schema). */
import { z } from 'zod';
import { KEYSTONE_OPTION_FIELDS, secureUrl } from '../openstack/keystone-options.ts';

/** Options of the Magnum provider: one OpenStack project and region. */
export const MagnumOptionsSchema = z.strictObject({
  ...KEYSTONE_OPTION_FIELDS,
  /** OpenStack region: the catalog region and what placement calls this provider's region. */
  region: z.string().min(1),
  /** Magnum endpoint instead of the catalog's, e.g. `https://magnum.example.org:9511/v1`. */
  magnumUrl: secureUrl.optional(),
  /** Cluster template (UUID or name) the clusters are made from. */
  clusterTemplateId: z.string().min(1),
  /** Nova keypair for the nodes. @default the template's */
  keypair: z.string().min(1).optional(),
  /** Flavors of workers and masters. @default the template's */
  flavorId: z.string().min(1).optional(),
  masterFlavorId: z.string().min(1).optional(),
  /** Control-plane nodes. @default 1 */
  masterCount: z.number().int().min(1).default(1),
  /** Minutes Magnum (Heat) allows the create before it fails it. @default 60 */
  createTimeoutMinutes: z.number().int().min(1).default(60),
  /** Labels that configure the driver (e.g. `kube_tag`), merged with ours. @default {} */
  labels: z.record(z.string(), z.string()).default({}),
  /** Merge our labels into the template's instead of replacing them (Magnum `merge_labels`). @default true */
  mergeLabels: z.boolean().default(true),
  /** Deadline of one HTTP call in ms. @default 30000 */
  callTimeoutMs: z.number().int().min(1000).default(30_000),
});

/** The options as written in configuration. */
export type MagnumOptionsInput = z.input<typeof MagnumOptionsSchema>;
/** The options the driver receives: parsed once at load, defaults applied. */
export type MagnumOptions = z.output<typeof MagnumOptionsSchema>;
