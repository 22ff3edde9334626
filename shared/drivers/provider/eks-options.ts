/** Options of the `eks` provider; zod only, so the config loads it without the AWS SDK. */
import { z } from 'zod';

const IAM_ROLE = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

/** An IPv4 block allowed to call a cluster's public API endpoint: never the whole Internet. */
const PublicAccessCidr = z
  .cidrv4('must be an IPv4 CIDR block such as 192.0.2.0/24')
  .refine(
    (cidr) => !cidr.endsWith('/0'),
    'must not be the whole Internet (/0): list who calls the cluster API',
  );

/** Options of the EKS provider: one AWS account and region. Credentials come from the SDK's default chain. */
export const EksOptionsSchema = z.strictObject({
  /** AWS region, e.g. `eu-west-1`. Every cluster of this provider lives there. */
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS region such as eu-west-1'),
  /** IAM role the EKS control plane assumes. */
  roleArn: z.string().regex(IAM_ROLE, 'an IAM role ARN'),
  /** IAM role of the managed node group's instances. */
  nodeRoleArn: z.string().regex(IAM_ROLE, 'an IAM role ARN'),
  /** Subnets in at least two availability zones (an EKS requirement). */
  subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/)).min(2),
  /** Extra security groups for the control plane ENIs. @default [] */
  securityGroupIds: z.array(z.string().regex(/^sg-[0-9a-f]+$/)).default([]),
  /**
   * Who may reach the cluster's Kubernetes API (control plane only; the services' ingress is
   * not affected): IPv4 CIDRs of whatever calls it from outside the VPC, i.e. clusterburst and
   * the federation controller (up to 40, the EKS limit; a /0 is refused). Empty: no public API
   * endpoint at all, only the private one in the VPC, which the control plane must then reach
   * over VPN, Direct Connect or peering. The API is never open to the whole Internet.
   * @default [] (private endpoint only)
   */
  publicAccessCidrs: z.array(PublicAccessCidr).max(40).default([]),
  /** Kubernetes minor version, e.g. `1.33`. @default the EKS default */
  kubernetesVersion: z
    .string()
    .regex(/^\d+\.\d+$/)
    .optional(),
  /** Instance types of the node group. @default ['m5.large'] */
  instanceTypes: z.array(z.string().min(1)).min(1).default(['m5.large']),
  /** On-demand or spot nodes. @default 'ON_DEMAND' */
  capacityType: z.enum(['ON_DEMAND', 'SPOT']).default('ON_DEMAND'),
  /** Root volume size of each node in GiB. @default 20 */
  diskSizeGiB: z.number().int().min(1).max(16384).default(20),
  /** Another EKS API endpoint (VPC endpoint, FIPS). @default the regional endpoint */
  endpoint: z.url().optional(),
  /** STS host the bearer token is presigned for. @default sts.<region>.amazonaws.com */
  stsHost: z.string().min(1).optional(),
});

/** The options as written in configuration. */
export type EksOptionsInput = z.input<typeof EksOptionsSchema>;
/** The options the driver receives: parsed once at load, defaults applied. */
export type EksOptions = z.output<typeof EksOptionsSchema>;
