import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

/** AWS credentials or a provider of them, as the signer takes them. */
export type AwsCredentials = ConstructorParameters<typeof SignatureV4>[0]['credentials'];

/** The prefix the EKS authenticator expects in front of the encoded URL. */
export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';

/** Header that binds a token to one cluster; it must be signed, or the authenticator refuses it. */
export const CLUSTER_ID_HEADER = 'x-k8s-aws-id';

/** Lifetime of the presigned URL; the authenticator accepts the token for 15 min after signing. */
const EXPIRES_IN_SECONDS = 60;

/** What an EKS bearer token is made from. */
export interface EksTokenInput {
  readonly clusterName: string;
  readonly region: string;
  readonly credentials: AwsCredentials;
  /** STS host; `sts.<region>.amazonaws.com` unless a partition or VPC endpoint needs another. */
  readonly stsHost?: string;
  /** Signing time (tests pin it). @default now */
  readonly signingDate?: Date;
}

/**
 * A Kubernetes bearer token for an EKS cluster, made in-process the way `aws eks get-token`
 * makes it: a presigned STS GetCallerIdentity URL with the cluster name in a signed header,
 * base64url-encoded behind `k8s-aws-v1.`. Nothing is sent to STS here; the cluster's
 * authenticator replays the URL to learn who we are.
 *
 * @example
 * const token = await eksToken({ clusterName: 'cb-1', region: 'eu-west-1', credentials });
 */
export async function eksToken(input: EksTokenInput): Promise<string> {
  const hostname = input.stsHost ?? `sts.${input.region}.amazonaws.com`;
  const signer = new SignatureV4({
    service: 'sts',
    region: input.region,
    credentials: input.credentials,
    sha256: Sha256,
    // STS is not S3: the path is escaped and no payload checksum goes into the query.
    uriEscapePath: true,
    applyChecksum: false,
  });
  const presigned = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname,
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host: hostname, [CLUSTER_ID_HEADER]: input.clusterName },
    },
    { expiresIn: EXPIRES_IN_SECONDS, signingDate: input.signingDate ?? new Date() },
  );
  const url = `https://${hostname}${presigned.path}?${queryString(presigned.query)}`;
  return EKS_TOKEN_PREFIX + Buffer.from(url, 'utf8').toString('base64url');
}

/** The presigned URL inside a token (for tests and diagnostics). */
export function decodeEksToken(token: string): URL {
  if (!token.startsWith(EKS_TOKEN_PREFIX)) throw new Error('not an EKS token');
  return new URL(Buffer.from(token.slice(EKS_TOKEN_PREFIX.length), 'base64url').toString('utf8'));
}

/** RFC 3986 query string, sorted, as SigV4 canonicalised it (encodeURIComponent leaves !'()* alone). */
function queryString(query: Record<string, string | string[] | null> | undefined): string {
  const parts: string[] = [];
  for (const key of Object.keys(query ?? {}).sort()) {
    const value = query?.[key];
    const values = Array.isArray(value) ? value : value === null || value === undefined ? [] : [value];
    for (const v of values) parts.push(`${rfc3986(key)}=${rfc3986(v)}`);
  }
  return parts.join('&');
}

function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
