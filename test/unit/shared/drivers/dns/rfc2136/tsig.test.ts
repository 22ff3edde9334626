import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { udpExchange } from '../../../../../../shared/drivers/dns/rfc2136/client.ts';
import {
  Opcode,
  Rcode,
  RecordClass,
  RecordType,
} from '../../../../../../shared/drivers/dns/rfc2136/constants.ts';
import {
  type DnsMessage,
  decodeMessage,
  encodeMessage,
  makeFlags,
} from '../../../../../../shared/drivers/dns/rfc2136/message.ts';
import { signMessage, TsigError, TsigVerifier } from '../../../../../../shared/drivers/dns/rfc2136/tsig.ts';
import { type TsigAlgorithm, TsigKey } from '../../../../../../shared/drivers/dns/rfc2136/tsig-key.ts';
import { type BindServer, startBind } from '../../../../../support/bind.ts';

/** Runs `nsupdate -y` against a UDP listener and returns the first packet it sends. */
async function captureNsupdate(
  algorithm: TsigAlgorithm,
  keyName: string,
  secret: string,
  commands: string[],
): Promise<Uint8Array> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  const child = spawn('nsupdate', ['-y', `${algorithm}:${keyName}:${secret}`], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  try {
    return await new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nsupdate sent nothing: ${stderr}`)), 20_000);
      socket.once('message', (packet) => {
        clearTimeout(timer);
        resolve(new Uint8Array(packet));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`nsupdate exited with ${code} before sending: ${stderr}`));
      });
      child.stdin.end(`server 127.0.0.1 ${port}\n${commands.join('\n')}\nsend\n`);
    });
  } finally {
    child.removeAllListeners('exit');
    child.kill();
    socket.close();
  }
}

const ZONE = 'example.org';
const OWNER_TXT = 'heritage=clusterburst,clusterburst/owner=site-a,clusterburst/resource=burst/b-1';

/** The same update as the nsupdate script below, built with our encoder. */
function sameUpdate(id: number): DnsMessage {
  return {
    id,
    flags: makeFlags({ opcode: Opcode.UPDATE }),
    questions: [{ name: ZONE, type: RecordType.SOA, class: RecordClass.IN }],
    answers: [
      {
        name: 'web.example.org',
        type: RecordType.A,
        class: RecordClass.NONE,
        ttl: 0,
        data: { kind: 'empty' },
      },
    ],
    authorities: [
      {
        name: 'web.example.org',
        type: RecordType.A,
        class: RecordClass.IN,
        ttl: 30,
        data: { kind: 'address', address: '192.0.2.10' },
      },
      {
        name: 'cb-owner-a.web.example.org',
        type: RecordType.TXT,
        class: RecordClass.IN,
        ttl: 30,
        data: { kind: 'txt', strings: [OWNER_TXT] },
      },
      {
        name: 'old.example.org',
        type: RecordType.AAAA,
        class: RecordClass.ANY,
        ttl: 0,
        data: { kind: 'empty' },
      },
      {
        name: 'old.example.org',
        type: RecordType.A,
        class: RecordClass.NONE,
        ttl: 0,
        data: { kind: 'address', address: '192.0.2.99' },
      },
      {
        name: 'www.example.org',
        type: RecordType.CNAME,
        class: RecordClass.IN,
        ttl: 30,
        data: { kind: 'name', target: 'web.example.org' },
      },
    ],
    additionals: [],
  };
}

const NSUPDATE_SCRIPT = [
  `zone ${ZONE}`,
  'prereq nxrrset web.example.org A',
  'update add web.example.org 30 A 192.0.2.10',
  `update add cb-owner-a.web.example.org 30 TXT "${OWNER_TXT}"`,
  'update delete old.example.org AAAA',
  'update delete old.example.org A 192.0.2.99',
  'update add www.example.org 30 CNAME web.example.org',
];

describe('TSIG signing', () => {
  for (const algorithm of ['hmac-sha256', 'hmac-sha512'] as const) {
    it(`produces the bytes nsupdate -y ${algorithm} sends for the same message, id and time`, async () => {
      const secret = randomBytes(32).toString('base64');
      const captured = await captureNsupdate(algorithm, 'clusterburst-key', secret, NSUPDATE_SCRIPT);
      const theirs = decodeMessage(captured);
      const tsig = theirs.tsig?.record.data;
      if (tsig?.kind !== 'tsig') throw new Error('nsupdate sent no TSIG');

      const key = new TsigKey('clusterburst-key', algorithm, secret);
      const ours = signMessage(encodeMessage(sameUpdate(theirs.id)), key, {
        timeSigned: tsig.tsig.timeSigned,
      });

      expect(Buffer.from(ours.mac).toString('hex')).toBe(Buffer.from(tsig.tsig.mac).toString('hex'));
      expect(Buffer.from(ours.bytes).toString('hex')).toBe(Buffer.from(captured).toString('hex'));
    });
  }

  it('never shows the secret when the key is printed, serialised or interpolated', () => {
    const secret = 'c2VjcmV0LXRoYXQtbXVzdC1ub3QtbGVhay0xMjM0NTY=';
    const key = new TsigKey('clusterburst-key', 'hmac-sha256', secret);
    const shown = [String(key), JSON.stringify(key), `${key}`, JSON.stringify({ key })].join(' ');
    expect(shown).toContain('clusterburst-key');
    expect(shown).not.toContain(secret);
  });
});

describe('TSIG verification of a BIND response', () => {
  let bind: BindServer;
  let key: TsigKey;

  beforeAll(async () => {
    bind = await startBind();
    key = new TsigKey(bind.keyName, bind.keyAlgorithm, bind.keySecret);
  });
  afterAll(async () => {
    await bind?.stop();
  });

  /** A signed SOA query to BIND and its raw answer. */
  async function askBind(): Promise<{ requestMac: Uint8Array; response: Uint8Array; now: number }> {
    const query: DnsMessage = {
      id: randomBytes(2).readUInt16BE(0),
      flags: makeFlags({ opcode: Opcode.QUERY }),
      questions: [{ name: bind.zone, type: RecordType.SOA, class: RecordClass.IN }],
      answers: [],
      authorities: [],
      additionals: [],
    };
    const now = Math.floor(Date.now() / 1000);
    const signed = signMessage(encodeMessage(query), key, { timeSigned: now });
    const response = await udpExchange({ host: bind.host, port: bind.port, timeoutMs: 5000 }, signed.bytes);
    return { requestMac: signed.mac, response, now };
  }

  it('accepts the response MAC chained with the request MAC', async () => {
    const { requestMac, response, now } = await askBind();
    const decoded = decodeMessage(response);
    expect(decoded.answers[0]?.type).toBe(RecordType.SOA);
    expect(() => new TsigVerifier(key, requestMac).verify(response, decoded, now)).not.toThrow();
  });

  it('rejects the response when one bit of it is changed', async () => {
    const { requestMac, response, now } = await askBind();
    const tampered = Uint8Array.from(response);
    // The AA flag: covered by the MAC, and the message still parses.
    tampered[2] = (tampered[2] ?? 0) ^ 0x04;
    const check = () => new TsigVerifier(key, requestMac).verify(tampered, decodeMessage(tampered), now);
    expect(check).toThrow(TsigError);
    expect(check).toThrow(/BADSIG/);
  });

  it('rejects the response when it is checked against another request MAC', async () => {
    const { response, now } = await askBind();
    const verifier = new TsigVerifier(key, randomBytes(32));
    expect(() => verifier.verify(response, decodeMessage(response), now)).toThrow(
      /does not verify \(BADSIG\)/,
    );
  });

  it('rejects the response when the local clock is further off than the fudge', async () => {
    const { requestMac, response, now } = await askBind();
    const verifier = new TsigVerifier(key, requestMac);
    expect(() => verifier.verify(response, decodeMessage(response), now + 301 + 5)).toThrow(/BADTIME/);
  });

  it('reports BADSIG from BIND when the request was signed with a wrong secret', async () => {
    const wrong = new TsigKey(bind.keyName, bind.keyAlgorithm, randomBytes(32).toString('base64'));
    const query = encodeMessage({
      id: 4242,
      flags: makeFlags({ opcode: Opcode.QUERY }),
      questions: [{ name: bind.zone, type: RecordType.SOA, class: RecordClass.IN }],
      answers: [],
      authorities: [],
      additionals: [],
    });
    const now = Math.floor(Date.now() / 1000);
    const signed = signMessage(query, wrong, { timeSigned: now });
    const response = await udpExchange({ host: bind.host, port: bind.port, timeoutMs: 5000 }, signed.bytes);
    const decoded = decodeMessage(response);
    expect(decoded.flags & 0xf).toBe(Rcode.NOTAUTH);
    const verify = () => new TsigVerifier(wrong, signed.mac).verify(response, decoded, now);
    expect(verify).toThrow(TsigError);
    expect(verify).toThrow(expect.objectContaining({ code: Rcode.BADSIG }));
  });

  it('rejects an unsigned response to a signed request', () => {
    const unsigned = encodeMessage({
      id: 1,
      flags: makeFlags({ qr: true, opcode: Opcode.UPDATE }),
      questions: [],
      answers: [],
      authorities: [],
      additionals: [],
    });
    expect(() => new TsigVerifier(key, randomBytes(32)).verify(unsigned, decodeMessage(unsigned), 0)).toThrow(
      /not signed/,
    );
  });
});
