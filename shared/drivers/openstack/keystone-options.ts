/**
 * The options every OpenStack driver (Magnum provider, Octavia gateway) shares: where Keystone
 * is, the credentials, and which catalog interface to use. Zod only, so checking a
 * configuration loads no driver.
 */
import { z } from 'zod';

/** https, or http to loopback only: the password and tokens travel in these requests. */
export const secureUrl = z
  .url()
  .refine((u) => u.startsWith('https://') || /^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])[:/]/.test(u), {
    message: 'must be https (plain http only to loopback)',
  });

/** Keystone v3 credentials: a user and project, or an application credential (preferred for services). */
export const KeystoneAuthSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('password'),
    username: z.string().min(1),
    password: z.string().min(1),
    /** @default 'Default' */
    userDomainName: z.string().min(1).default('Default'),
    projectName: z.string().min(1),
    /** @default 'Default' */
    projectDomainName: z.string().min(1).default('Default'),
  }),
  z.strictObject({
    type: z.literal('applicationCredential'),
    id: z.string().min(1),
    secret: z.string().min(1),
  }),
]);
/** Parsed Keystone credentials. */
export type KeystoneAuth = z.output<typeof KeystoneAuthSchema>;

/**
 * The Keystone session fields of an OpenStack driver's options (spread into its schema); a site
 * using Magnum and Octavia writes the same values in both.
 */
export const KEYSTONE_OPTION_FIELDS = {
  /** Keystone v3 root, e.g. `https://keystone.example.org:5000/v3`. */
  authUrl: secureUrl,
  /** Keystone credentials (secrets by `env:` reference in the config file). */
  auth: KeystoneAuthSchema,
  /** Catalog interface of the service's endpoint. @default 'public' */
  interface: z.enum(['public', 'internal', 'admin']).default('public'),
};
