import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Opcode } from '../../../../../../shared/drivers/dns/rfc2136/constants.ts';
import {
  decodeMessage,
  encodeMessage,
  makeFlags,
} from '../../../../../../shared/drivers/dns/rfc2136/message.ts';
import { Rfc2136OptionsSchema } from '../../../../../../shared/drivers/dns/rfc2136/options.ts';
import { Rfc2136Dns } from '../../../../../../shared/drivers/dns/rfc2136/rfc2136.ts';
import { signMessage } from '../../../../../../shared/drivers/dns/rfc2136/tsig.ts';
import { TsigKey } from '../../../../../../shared/drivers/dns/rfc2136/tsig-key.ts';
import { DriverError } from '../../../../../../shared/errors.ts';

const SECRET = randomBytes(32).toString('base64');
let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A DNS server on TCP that answers every request with NOERROR, signed by `sign` (or not at all). */
async function forger(sign: ((answer: Uint8Array) => Uint8Array) | undefined): Promise<number> {
  server = createServer((socket) => {
    socket.on('data', (frame: Buffer) => {
      const request = decodeMessage(frame.subarray(2));
      const answer = encodeMessage({
        id: request.id,
        flags: makeFlags({ qr: true, opcode: Opcode.UPDATE }),
        questions: request.questions,
        answers: [],
        authorities: [],
        additionals: [],
      });
      const bytes = sign ? sign(answer) : answer;
      const out = Buffer.alloc(bytes.length + 2);
      out.writeUInt16BE(bytes.length, 0);
      out.set(bytes, 2);
      socket.write(out);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

const plan = {
  changes: [
    {
      action: 'create' as const,
      record: {
        name: 'web.example.org',
        type: 'A' as const,
        ttl: 30,
        values: ['192.0.2.1'],
        owner: 'site-a',
        burstId: 'b-1',
      },
    },
  ],
};

function driver(port: number): Rfc2136Dns {
  return new Rfc2136Dns(
    Rfc2136OptionsSchema.parse({
      server: '127.0.0.1',
      port,
      zone: 'example.org',
      keyName: 'clusterburst-key',
      keySecret: SECRET,
      timeoutMs: 5000,
    }),
  );
}

describe('rfc2136 driver answers', () => {
  it('does not take a NOERROR answer signed with another secret as success', async () => {
    const impostor = new TsigKey('clusterburst-key', 'hmac-sha256', randomBytes(32).toString('base64'));
    const port = await forger(
      (answer) => signMessage(answer, impostor, { timeSigned: Math.floor(Date.now() / 1000) }).bytes,
    );
    const error = await driver(port)
      .apply(plan)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DriverError);
    expect((error as DriverError).message).toBe(
      `rfc2136: TSIG key "clusterburst-key": answer from 127.0.0.1:${port} rejected, response MAC does not verify (BADSIG)`,
    );
    expect((error as DriverError).retryable).toBe(false);
  });

  it('does not take an unsigned NOERROR answer as success', async () => {
    const port = await forger(undefined);
    await expect(driver(port).apply(plan)).rejects.toThrow(/response is not signed \(BADSIG\)/);
  });
});
