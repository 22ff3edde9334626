import { createPublicKey, generateKeyPairSync, type KeyObject, randomBytes, verify } from 'node:crypto';
import { der, OID, signatureAlgorithm, signed } from '../../../shared/drivers/provider/magnum-csr.ts';

/** A certificate authority of an emulated cloud. */
export interface TestCa {
  readonly certPem: string;
  readonly keyPem: string;
  readonly key: KeyObject;
  readonly subject: Buffer;
}

/** What a certificate is issued for. */
export interface IssueRequest {
  /** DER X.501 Name of the subject. */
  readonly subject: Buffer;
  /** DER SubjectPublicKeyInfo. */
  readonly publicKey: Buffer;
  readonly usage: 'server' | 'client';
  /** IP addresses for a server certificate's subjectAltName. */
  readonly ips?: readonly string[];
}

const EXT = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

/** A self-signed ECDSA P-256 CA valid for a day around now (RSA keys take seconds on a busy machine). */
export function makeTestCa(commonName: string): TestCa {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const subject = der.name([[OID.commonName, commonName]]);
  const extensions = [
    extension(EXT.basicConstraints, der.sequence(Buffer.from([0x01, 0x01, 0xff])), true),
    // keyCertSign and cRLSign (bits 5 and 6).
    extension(EXT.keyUsage, Buffer.from([0x03, 0x02, 0x01, 0x06]), true),
  ];
  const certDer = certificate(
    subject,
    subject,
    publicKey.export({ type: 'spki', format: 'der' }),
    extensions,
    privateKey,
  );
  return {
    certPem: der.pem('CERTIFICATE', certDer),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    key: privateKey,
    subject,
  };
}

/** A certificate signed by `ca`, as PEM. */
export function issueCertificate(ca: TestCa, request: IssueRequest): string {
  const extensions = [
    extension(EXT.basicConstraints, der.sequence(), true),
    // digitalSignature (bit 0): all an ECDSA key does in TLS and client authentication.
    extension(EXT.keyUsage, Buffer.from([0x03, 0x02, 0x07, 0x80]), true),
    extension(
      EXT.extKeyUsage,
      der.sequence(der.oid(request.usage === 'server' ? EXT.serverAuth : EXT.clientAuth)),
    ),
  ];
  if (request.ips?.length) {
    const names = request.ips.map((ip) => der.tlv(0x87, Buffer.from(ip.split('.').map(Number))));
    extensions.push(extension(EXT.subjectAltName, der.sequence(...names)));
  }
  return der.pem(
    'CERTIFICATE',
    certificate(ca.subject, request.subject, request.publicKey, extensions, ca.key),
  );
}

/** A server key and certificate for 127.0.0.1 (or the given addresses), signed by `ca` (for HTTPS emulators). */
export function makeServerTls(
  ca: TestCa,
  ips: readonly string[] = ['127.0.0.1'],
): { key: string; cert: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const cert = issueCertificate(ca, {
    subject: der.name([[OID.commonName, ips[0] ?? '127.0.0.1']]),
    publicKey: publicKey.export({ type: 'spki', format: 'der' }),
    usage: 'server',
    ips,
  });
  return { key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), cert };
}

/** Subject and key of a PKCS#10 request whose self-signature checks out; undefined otherwise. */
export function readCsr(pem: string): { subject: Buffer; publicKey: Buffer } | undefined {
  try {
    const body = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
    const [request] = children(body);
    const [info, , signature] = children(request!.value);
    const [, subject, spki] = children(info!.value);
    const key = createPublicKey({ key: spki!.raw, format: 'der', type: 'spki' });
    const ok = verify('sha256', info!.raw, key, signature!.value.subarray(1));
    return ok ? { subject: subject!.raw, publicKey: spki!.raw } : undefined;
  } catch {
    return undefined;
  }
}

function certificate(
  issuer: Buffer,
  subject: Buffer,
  spki: Buffer,
  extensions: Buffer[],
  key: KeyObject,
): Buffer {
  const now = Date.now();
  const tbs = der.sequence(
    der.context(0, der.integer(2)),
    der.integer(randomBytes(8)),
    signatureAlgorithm(key),
    issuer,
    der.sequence(utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + 86_400_000))),
    subject,
    spki,
    der.context(3, der.sequence(...extensions)),
  );
  return signed(tbs, key);
}

function extension(oid: string, value: Buffer, critical = false): Buffer {
  return der.sequence(
    der.oid(oid),
    ...(critical ? [Buffer.from([0x01, 0x01, 0xff])] : []),
    der.octetString(value),
  );
}

function utcTime(date: Date): Buffer {
  const iso = date.toISOString();
  const text = `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return der.tlv(0x17, Buffer.from(text, 'ascii'));
}

interface Tlv {
  readonly raw: Buffer;
  readonly value: Buffer;
}

/** The TLVs directly inside `buf` (definite lengths only, as DER has). */
function children(buf: Buffer): Tlv[] {
  const out: Tlv[] = [];
  for (let i = 0; i < buf.length; ) {
    let length = buf[i + 1] ?? 0;
    let header = 2;
    if (length & 0x80) {
      const count = length & 0x7f;
      length = 0;
      for (let k = 0; k < count; k++) length = length * 256 + (buf[i + 2 + k] ?? 0);
      header += count;
    }
    out.push({
      raw: buf.subarray(i, i + header + length),
      value: buf.subarray(i + header, i + header + length),
    });
    i += header + length;
  }
  return out;
}
