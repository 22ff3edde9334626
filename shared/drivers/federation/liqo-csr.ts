/**
 * The certificate signing request a Liqo consumer sends in its Tenant: PKCS#10 (RFC 2986),
 * subject O=liqo.io, CN=<consumer cluster id>, signed with the cluster's authentication key (the
 * `authentication-keys` Secret Liqo creates at install), as Liqo's `GenerateCSRForControlPlane`
 * does (pkg/liqo-controller-manager/authentication/csr.go). node:crypto signs but does not build
 * CSRs, hence the few DER encoders here. Ed25519 (Liqo's default) and RSA keys.
 */
import { createPrivateKey, createPublicKey, type KeyObject, sign } from 'node:crypto';

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const out = [40 * a + b];
  for (const n of rest) {
    const chunk = [n & 0x7f];
    for (let v = n >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** PrintableString when the value allows it (as Go's asn1 does), else UTF8String. */
function directoryString(value: string): Buffer {
  return tlv(/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(value) ? 0x13 : 0x0c, Buffer.from(value, 'utf8'));
}

function attribute(type: string, value: string): Buffer {
  return tlv(0x31, tlv(0x30, oid(type), directoryString(value)));
}

const SEQUENCE = 0x30;
const ED25519 = '1.3.101.112';
const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';

/** The consumer's public key, as PEM text (the Tenant's `spec.publicKey`). */
export function publicKeyPem(privateKeyPem: string): string {
  return createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'pem' }).toString();
}

/** A PEM `CERTIFICATE REQUEST` for the control-plane identity of cluster `clusterId`. */
export function controlPlaneCsr(privateKeyPem: string, clusterId: string): string {
  const key: KeyObject = createPrivateKey(privateKeyPem);
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  // Go's pkix.Name orders Organization before CommonName.
  const subject = tlv(SEQUENCE, attribute('2.5.4.10', 'liqo.io'), attribute('2.5.4.3', clusterId));
  const info = tlv(SEQUENCE, tlv(0x02, Buffer.from([0])), subject, spki, Buffer.from([0xa0, 0x00]));
  let algorithm: Buffer;
  let signature: Buffer;
  if (key.asymmetricKeyType === 'ed25519') {
    algorithm = tlv(SEQUENCE, oid(ED25519));
    signature = sign(null, info, key);
  } else if (key.asymmetricKeyType === 'rsa') {
    algorithm = tlv(SEQUENCE, oid(SHA256_WITH_RSA), Buffer.from([0x05, 0x00]));
    signature = sign('sha256', info, key);
  } else {
    throw new Error(`unsupported Liqo authentication key type ${key.asymmetricKeyType ?? 'unknown'}`);
  }
  const der = tlv(SEQUENCE, info, algorithm, tlv(0x03, Buffer.from([0]), signature));
  const body = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return `-----BEGIN CERTIFICATE REQUEST-----\n${body}\n-----END CERTIFICATE REQUEST-----\n`;
}
