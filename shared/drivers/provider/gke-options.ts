/** Options of the `gke` provider; zod only, so the config loads it without the Google client. */
import { z } from 'zod';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/;

/** Options of the GKE provider: one project and location. Credentials: Application Default Credentials. */
export const GkeOptionsSchema = z
  .strictObject({
    /** Google Cloud project id. */
    project: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'a Google Cloud project id'),
    /** Region (regional cluster) or zone (zonal cluster), e.g. `europe-west1` or `europe-west1-b`. */
    location: z.string().regex(/^[a-z]+-[a-z]+\d+(-[a-z])?$/, 'a Google Cloud region or zone'),
    /** Standard (our node pool) or Autopilot (Google sizes the nodes; `nodes` is ignored). @default 'standard' */
    mode: z.enum(['standard', 'autopilot']).default('standard'),
    /** Machine type of the node pool (Standard). @default 'e2-standard-4' */
    machineType: z.string().min(1).default('e2-standard-4'),
    /** Boot disk of each node in GB (Standard). @default 50 */
    diskSizeGb: z.number().int().min(10).max(65536).default(50),
    /** Initial Kubernetes version, e.g. `1.33`. @default the GKE default */
    kubernetesVersion: z.string().min(1).optional(),
    /** VPC network and subnetwork. @default the project's default network */
    network: z.string().min(1).optional(),
    subnetwork: z.string().min(1).optional(),
    /** Another API host[:port] (private endpoint, emulator). @default container.googleapis.com */
    apiEndpoint: z.string().min(1).optional(),
    /** Scheme of `apiEndpoint`; plain http only to loopback, since it carries a bearer token. @default 'https' */
    protocol: z.enum(['https', 'http']).default('https'),
    /** Deadline of one API call in ms. @default 30000 */
    callTimeoutMs: z.number().int().min(1000).default(30_000),
  })
  .refine((o) => o.protocol === 'https' || (o.apiEndpoint !== undefined && LOOPBACK.test(o.apiEndpoint)), {
    message: 'protocol http is allowed only with a loopback apiEndpoint',
    path: ['protocol'],
  });

/** The options as written in configuration. */
export type GkeOptionsInput = z.input<typeof GkeOptionsSchema>;
/** The options the driver receives: parsed once at load, defaults applied. */
export type GkeOptions = z.output<typeof GkeOptionsSchema>;
