import { createPrivateKey, generateKeyPair, type KeyObject, sign } from 'node:crypto';
import { promisify } from 'node:util';

const generateKeyPairAsync = promisify(generateKeyPair);

/**
 * The few DER encodings (X.690) a PKCS#10 request needs. node:crypto signs and makes keys but
 * writes no certificate requests, so the request is assembled here.
 */
export const der = {
  /** One TLV: tag byte, definite length, value. */
  tlv(tag: number, value: Uint8Array): Buffer {
    const n = value.length;
    const length =
      n < 0x80
        ? [n]
        : n < 0x100
          ? [0x81, n]
          : n < 0x10000
            ? [0x82, n >> 8, n & 0xff]
            : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
    return Buffer.concat([Buffer.from([tag, ...length]), value]);
  },
  sequence: (...items: Uint8Array[]): Buffer => der.tlv(0x30, Buffer.concat(items)),
  set: (...items: Uint8Array[]): Buffer => der.tlv(0x31, Buffer.concat(items)),
  /** A non-negative integer given as big-endian bytes (a leading zero keeps it positive). */
  integer(value: Uint8Array | number): Buffer {
    const hex = typeof value === 'number' ? value.toString(16) : '';
    let bytes =
      typeof value === 'number' ? Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex') : Buffer.from(value);
    while (bytes.length > 1 && bytes[0] === 0 && (bytes[1] ?? 0) < 0x80) bytes = bytes.subarray(1);
    if ((bytes[0] ?? 0) >= 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
    return der.tlv(0x02, bytes);
  },
  oid(dotted: string): Buffer {
    const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
    const bytes = [40 * first + second];
    for (const arc of rest) {
      const chunk = [arc & 0x7f];
      for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
      bytes.push(...chunk);
    }
    return der.tlv(0x06, Buffer.from(bytes));
  },
  utf8: (text: string): Buffer => der.tlv(0x0c, Buffer.from(text, 'utf8')),
  nul: (): Buffer => Buffer.from([0x05, 0x00]),
  bitString: (bytes: Uint8Array): Buffer => der.tlv(0x03, Buffer.concat([Buffer.from([0]), bytes])),
  octetString: (bytes: Uint8Array): Buffer => der.tlv(0x04, bytes),
  /** Context-specific constructed tag `[n]`. */
  context: (n: number, ...items: Uint8Array[]): Buffer => der.tlv(0xa0 + n, Buffer.concat(items)),
  /** An X.501 Name of (OID, UTF8String) attributes, one per RDN. */
  name: (attributes: readonly (readonly [string, string])[]): Buffer =>
    der.sequence(...attributes.map(([oid, value]) => der.set(der.sequence(der.oid(oid), der.utf8(value))))),
  pem: (label: string, body: Uint8Array): string =>
    `-----BEGIN ${label}-----\n${(
      Buffer.from(body)
        .toString('base64')
        .match(/.{1,64}/g) ?? []
    ).join('\n')}\n-----END ${label}-----\n`,
};

/** Attribute and algorithm identifiers used by the request. */
export const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
} as const;

/** A client certificate request and the private key that stays with us. */
export interface ClientCsr {
  readonly csrPem: string;
  readonly keyPem: string;
}

/**
 * A PKCS#10 request for a Kubernetes client certificate, with a fresh ECDSA P-256 key (cheap to
 * make on every call, and accepted by Magnum's signer and by Kubernetes). Kubernetes reads the
 * user from CN and the groups from O; `admin` in `system:masters` is what Magnum's own
 * `cluster config` asks for.
 *
 * @example
 * const { csrPem, keyPem } = await makeClientCsr({ commonName: 'admin', organization: 'system:masters' });
 */
export async function makeClientCsr(subject: {
  commonName: string;
  organization?: string;
}): Promise<ClientCsr> {
  const { privateKey, publicKey } = await generateKeyPairAsync('ec', { namedCurve: 'P-256' });
  const attributes: [string, string][] = [[OID.commonName, subject.commonName]];
  if (subject.organization) attributes.unshift([OID.organization, subject.organization]);
  const info = der.sequence(
    der.integer(0),
    der.name(attributes),
    publicKey.export({ type: 'spki', format: 'der' }),
    der.context(0),
  );
  return {
    csrPem: der.pem('CERTIFICATE REQUEST', signed(info, privateKey)),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** The AlgorithmIdentifier for SHA-256 signatures with this key (ECDSA or RSA PKCS#1 v1.5). */
export function signatureAlgorithm(key: KeyObject): Buffer {
  return key.asymmetricKeyType === 'ec'
    ? der.sequence(der.oid(OID.ecdsaWithSHA256))
    : der.sequence(der.oid(OID.sha256WithRSAEncryption), der.nul());
}

/** `SEQUENCE { tbs, algorithm, signature }`: the shape of both CSRs and certificates. */
export function signed(tbs: Buffer, key: KeyObject | string): Buffer {
  const privateKey = typeof key === 'string' ? createPrivateKey(key) : key;
  return der.sequence(tbs, signatureAlgorithm(privateKey), der.bitString(sign('sha256', tbs, privateKey)));
}
