import { once } from 'node:events';
import { createServer, type IncomingMessage, request } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readBody } from '../../../../../shared/runtime/http/read-body.ts';

/** What readBody refused, per request. */
const refusals: string[] = [];

/**
 * A loopback server that reads each request's body with `limit` after `delayMs` (0: at once, in
 * the request event, as the runtime does), and says what it got.
 */
async function serve(limit: number, delayMs: number) {
  const server = createServer((req: IncomingMessage, res) => {
    const read = () => {
      const atCall = { complete: req.complete, buffered: req.readableLength };
      new Promise<Buffer>((resolve) => resolve(readBody(req, limit))).then(
        (body) =>
          res.end(
            JSON.stringify({
              atCall,
              complete: req.complete,
              bytes: body.length,
              text: body.toString(),
            }),
          ),
        (error: Error) => {
          refusals.push(`${(error as { status?: number }).status} ${error.message}`);
          if (!res.destroyed) res.writeHead(413).end(error.message);
        },
      );
    };
    if (delayMs === 0) read();
    else setTimeout(read, delayMs);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/** POST `chunks` chunked (no Content-Length), each written as its own chunk. */
function post(port: number, chunks: readonly string[]): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', method: 'POST', path: '/' }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => {
        text += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode!, text }));
    });
    req.on('error', (error) =>
      error.message.includes('socket hang up') ? resolve({ status: 0, text: '' }) : reject(error),
    );
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

/**
 * Send a raw request with a Content-Length, its body in `parts` `gapMs` apart (the first in the
 * same write as the headers); the response's text.
 */
async function raw(port: number, parts: readonly string[], gapMs: number): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const closed = once(socket, 'close');
  const length = Buffer.byteLength(parts.join(''));
  const head = `POST / HTTP/1.1\r\nhost: x\r\ncontent-length: ${length}\r\nconnection: close\r\n\r\n`;
  let answer = '';
  socket.on('data', (c: Buffer) => {
    answer += c.toString();
  });
  for (const [i, part] of parts.entries()) {
    socket.write(i === 0 ? head + part : part);
    await new Promise((r) => setTimeout(r, gapMs));
  }
  await closed;
  return answer.slice(answer.indexOf('\r\n\r\n') + 4);
}

describe('readBody', () => {
  let server: ReturnType<typeof createServer> | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
  });

  it('takes a body that has wholly arrived from the buffer, every chunk of it', async () => {
    server = await serve(1024, 50);
    const { port } = server.address() as AddressInfo;
    const { status, text } = await post(port, ['{"a":', '1,"b":', '"two"}']);
    expect(status).toBe(200);
    expect(JSON.parse(text)).toMatchObject({ complete: true, bytes: 17, text: '{"a":1,"b":"two"}' });
  });

  it('refuses a body that has wholly arrived but is past the limit', async () => {
    server = await serve(8, 50);
    const { port } = server.address() as AddressInfo;
    refusals.length = 0;
    await post(port, ['0123456', '789']);
    expect(refusals).toEqual(['413 body exceeds the limit of 8 bytes']);
  });

  // A declared length read at once in the request event, which comes before the parser reaches
  // the body even when the body came in the same packet.
  it.each([
    { arrival: 'in one packet with the headers', parts: ['{"a":1,"b":"two"}'], gapMs: 0 },
    { arrival: 'in two parts 50 ms apart', parts: ['{"a":', '1}'], gapMs: 50 },
  ])('reads a declared-length body that came $arrival whole', async ({ parts, gapMs }) => {
    server = await serve(1024, 0);
    const { port } = server.address() as AddressInfo;
    const text = await raw(port, parts, gapMs);
    const body = parts.join('');
    expect(JSON.parse(text)).toMatchObject({
      atCall: { complete: false, buffered: 0 },
      bytes: body.length,
      text: body,
    });
  });

  it('reads a body still arriving to its end', async () => {
    server = await serve(1024, 0);
    const { port } = server.address() as AddressInfo;
    const { text } = await post(port, ['{"a":', '1}']);
    expect(JSON.parse(text)).toMatchObject({ bytes: 7, text: '{"a":1}' });
  });
});
