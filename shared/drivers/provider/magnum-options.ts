/** Options of the `magnum` provider; zod only (and the Keystone credentials schema). */
import { z } from 'zod';
import { KeystoneAuthSchema } from '../openstack/keystone.ts';

/** https, or http to loopback only: the password and tokens travel in these requests. */
const secureUrl = z
  .url()
  .refine((u) => u.startsWith('https://') || /^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])[:/]/.test(u), {
    message: 'must be https (plain http only to loopback)',
  });

/** Options of the Magnum provider: one OpenStack project and region. */
export const MagnumOptionsSchema = z.strictObject({
  /** Keystone v3 root, e.g. `https://keystone.example.org:5000/v3`. */
  authUrl: secureUrl,
  /** Keystone credentials (secrets by reference in the config file). */
  auth: KeystoneAuthSchema,
  /** OpenStack region: the catalog region and what placement calls this provider's region. */
  region: z.string().min(1),
  /** Catalog interface of the Magnum endpoint. @default 'public' */
  interface: z.enum(['public', 'internal', 'admin']).default('public'),
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
