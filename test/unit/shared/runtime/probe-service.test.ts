import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceSpec } from '../../../../shared/domain/services.ts';
import { probeService } from '../../../../shared/runtime/probe-service.ts';

const servers: (Server | TcpServer)[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function listen(server: Server | TcpServer): Promise<number> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

const web: ServiceSpec = {
  name: 'web',
  hostname: 'web.example.org',
  protocol: 'http',
  burstable: true,
  workloads: [{ namespace: 'web', kind: 'Deployment', name: 'web' }],
  expose: { kind: 'Service', namespace: 'web', name: 'web', port: 80 },
  health: { type: 'http', path: '/ready', expectStatus: 204 },
};

describe('the health check of a service through its ingress', () => {
  it('passes only when the service answers its health path, for its own Host, with the expected status', async () => {
    let status = 204;
    const port = await listen(
      createServer((req, res) => {
        // Like an ingress controller: another Host is another virtual server.
        res.writeHead(req.headers.host === 'web.example.org' && req.url === '/ready' ? status : 404).end();
      }),
    );
    const ingress = { host: '127.0.0.1', port };
    expect(await probeService(web, ingress)).toBe(true);
    expect(await probeService({ ...web, hostname: 'other.example.org' }, ingress)).toBe(false);
    expect(
      await probeService({ ...web, health: { type: 'http', path: '/', expectStatus: 204 } }, ingress),
    ).toBe(false);
    status = 200; // a 2xx other than the one expected is not the service saying it is ready
    expect(await probeService(web, ingress)).toBe(false);
  });

  it('passes a tcp service that accepts a connection, and fails, without throwing, when nothing listens', async () => {
    const db: ServiceSpec = { ...web, protocol: 'tcp', health: { type: 'tcp' } };
    const port = await listen(createTcpServer((socket) => socket.end()));
    expect(await probeService(db, { host: '127.0.0.1', port })).toBe(true);
    servers.pop()!.close();
    expect(await probeService(db, { host: '127.0.0.1', port })).toBe(false);
    expect(await probeService(web, { host: '127.0.0.1', port })).toBe(false);
  });
});
