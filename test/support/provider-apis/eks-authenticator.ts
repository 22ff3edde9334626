/**
 * The emulated EKS cluster's IAM authenticator (aws-iam-authenticator), as far as a test can
 * be: a bearer token `k8s-aws-v1.<base64url presigned URL>` is accepted when the URL is an STS
 * `GetCallerIdentity` presigned with SigV4 for `sts`, names `x-k8s-aws-id` among its signed
 * headers, is not expired (15 minutes after signing at most, whatever X-Amz-Expires says), and
 * its signature checks out for this cluster's name with the account's credentials. The real
 * authenticator replays the URL to STS with the cluster header set; we recompute the signature
 * instead, which fails for a token minted for another cluster exactly as STS would.
 *
 * Upstream: https://github.com/kubernetes-sigs/aws-iam-authenticator#api-authorization-from-outside-a-cluster
 * (token format, `x-k8s-aws-id`), https://docs.aws.amazon.com/eks/latest/userguide/cluster-auth.html.
 */
import { timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

/** AWS credentials (or a provider of them) the emulated account's STS knows. */
export type StsCredentials = ConstructorParameters<typeof SignatureV4>[0]['credentials'];

const PREFIX = 'k8s-aws-v1.';
/** aws-iam-authenticator refuses tokens signed more than 15 minutes ago. */
const MAX_AGE_MS = 15 * 60_000;

function signingDate(amzDate: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  return m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`) : undefined;
}

/** Whether `token` is a valid EKS token for `clusterName`, signed with `credentials`. */
export async function acceptEksToken(
  token: string,
  clusterName: string,
  credentials: StsCredentials,
): Promise<boolean> {
  if (!token.startsWith(PREFIX)) return false;
  let url: URL;
  try {
    url = new URL(Buffer.from(token.slice(PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    return false;
  }
  const q = url.searchParams;
  const credential = (q.get('X-Amz-Credential') ?? '').split('/');
  const date = signingDate(q.get('X-Amz-Date') ?? '');
  const signature = q.get('X-Amz-Signature') ?? '';
  const signedHeaders = (q.get('X-Amz-SignedHeaders') ?? '').split(';');
  if (
    url.protocol !== 'https:' ||
    !/^sts(\.[a-z0-9-]+)?\.amazonaws\.com(\.cn)?$/.test(url.hostname) ||
    q.get('Action') !== 'GetCallerIdentity' ||
    q.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256' ||
    credential.length !== 5 ||
    credential[3] !== 'sts' ||
    !signedHeaders.includes('x-k8s-aws-id') ||
    !date ||
    Math.abs(Date.now() - date.getTime()) > MAX_AGE_MS ||
    !/^[0-9a-f]{64}$/.test(signature)
  )
    return false;
  const query: Record<string, string> = {};
  for (const [k, v] of q) if (k.startsWith('X-Amz-') === false) query[k] = v;
  const signer = new SignatureV4({
    service: 'sts',
    region: credential[2]!,
    credentials,
    sha256: Sha256,
    uriEscapePath: true,
    applyChecksum: false,
  });
  const expected = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname: url.hostname,
      path: url.pathname,
      query,
      headers: { host: url.hostname, 'x-k8s-aws-id': clusterName },
    },
    { expiresIn: Number(q.get('X-Amz-Expires') ?? '60'), signingDate: date },
  );
  const want = Buffer.from(String(expected.query?.['X-Amz-Signature'] ?? ''));
  const got = Buffer.from(signature);
  return want.length === got.length && timingSafeEqual(want, got);
}
