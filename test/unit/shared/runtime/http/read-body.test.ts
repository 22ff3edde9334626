import { once } from 'node:events';
import { createServer, type IncomingMessage, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readBody } from '../../../../../shared/runtime/http/read-body.ts';

/** What readBody refused, per request. */
const refusals: string[] = [];

/** A loopback server that reads each request's body with `limit` after `delayMs`, and says what it got. */
async function serve(limit: number, delayMs: number) {
  const server = createServer((req: IncomingMessage, res) => {
    setTimeout(() => {
      readBody(req, limit).then(
        (body) =>
          res.end(JSON.stringify({ complete: req.complete, bytes: body.length, text: body.toString() })),
        (error: Error) => {
          refusals.push(`${(error as { status?: number }).status} ${error.message}`);
          if (!res.destroyed) res.writeHead(413).end(error.message);
        },
      );
    }, delayMs);
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
    expect(JSON.parse(text)).toEqual({ complete: true, bytes: 17, text: '{"a":1,"b":"two"}' });
  });

  it('refuses a body that has wholly arrived but is past the limit', async () => {
    server = await serve(8, 50);
    const { port } = server.address() as AddressInfo;
    refusals.length = 0;
    await post(port, ['0123456', '789']);
    expect(refusals).toEqual(['413 body exceeds the limit of 8 bytes']);
  });

  it('reads a body still arriving to its end', async () => {
    server = await serve(1024, 0);
    const { port } = server.address() as AddressInfo;
    const { text } = await post(port, ['{"a":', '1}']);
    expect(JSON.parse(text)).toMatchObject({ bytes: 7, text: '{"a":1}' });
  });
});
