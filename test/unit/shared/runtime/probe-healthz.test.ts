import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { probeHealthz } from '../../../../shared/runtime/create-deps.ts';
import { makeServerTls, makeTestCa } from '../../../support/provider-apis/x509.ts';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

describe('probeHealthz', () => {
  it('passes on 2xx and fails on 5xx over plain HTTP', async () => {
    let status = 503;
    const port = await listen(createServer((_req, res) => res.writeHead(status).end()));
    expect(await probeHealthz(`http://127.0.0.1:${port}`)).toBe(false);
    status = 200;
    expect(await probeHealthz(`http://127.0.0.1:${port}`)).toBe(true);
  });

  it("trusts a cluster's private CA only when it is given", async () => {
    const ca = makeTestCa('cluster-ca');
    const port = await listen(
      createHttpsServer(makeServerTls(ca), (_req, res) => res.writeHead(200).end('ok')),
    );
    const endpoint = `https://127.0.0.1:${port}`;
    expect(await probeHealthz(endpoint)).toBe(false);
    expect(await probeHealthz(endpoint, Buffer.from(ca.certPem).toString('base64'))).toBe(true);
  });

  it('fails, without throwing, when nothing listens', async () => {
    const port = await listen(createServer());
    servers.pop()!.close();
    expect(await probeHealthz(`http://127.0.0.1:${port}`)).toBe(false);
  });
});
