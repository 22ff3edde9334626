import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HaproxyGateway } from '../../shared/drivers/gateway/haproxy.ts';
import { HaproxyGatewayOptionsSchema } from '../../shared/drivers/gateway/haproxy-options.ts';
import { parseServersState } from '../../shared/drivers/gateway/haproxy-runtime.ts';
import { runGatewayContract } from '../support/contracts/gateway.ts';
import { type HaproxyInstance, startHaproxy } from '../support/haproxy.ts';
import {
  type NamedHttpServer,
  startNamedHttpServer,
  startNamedTcpServer,
} from '../support/haproxy-backends.ts';
import { burstId } from '../support/records.ts';

/** One GET on a new connection; resolves to the body (the serving backend's name). */
function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () =>
        res.statusCode === 200 ? resolve(body.trim()) : reject(new Error(`status ${res.statusCode}`)),
      );
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Names of the backends answering `n` requests in a row. */
async function servedBy(port: number, n: number): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < n; i++) names.push(await get(port));
  return names;
}

/** Connects through the TCP frontend; resolves to the greeting (the backend's name) after an echo round trip. */
function tcpGreeting(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.setTimeout(10_000, () => socket.destroy(new Error('timeout')));
    socket.on('data', (chunk) => {
      text += chunk.toString();
      if (text.includes('\n') && !text.includes('ping')) socket.write('ping\n');
      if (text.includes('ping\n')) {
        socket.end();
        resolve(text.split('\n')[0] ?? '');
      }
    });
    socket.on('error', reject);
  });
}

let shared: Promise<HaproxyInstance> | undefined;
const haproxy = () => {
  shared ??= startHaproxy({ checkInterMs: 250 });
  return shared;
};
const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const stop of stops.splice(0)) await stop();
  await (await shared)?.stop();
});
const gatewayFor = (hx: HaproxyInstance, runtime = hx.socketPath, owner?: string) =>
  new HaproxyGateway(
    HaproxyGatewayOptionsSchema.parse({
      runtime,
      configPath: hx.configDir,
      check: { interMs: 250, rise: 1, fall: 2 },
    }),
    owner === undefined ? {} : { owner },
  );

async function startHttp(name: string): Promise<NamedHttpServer> {
  const server = await startNamedHttpServer(name);
  stops.push(() => server.stop());
  return server;
}

runGatewayContract('haproxy', async () => {
  const hx = await haproxy();
  return {
    gateway: gatewayFor(hx),
    backend: hx.httpBackend,
    target: async () => {
      const s = await startHttp('contract');
      return { address: s.address, port: s.port };
    },
    foreign: { backend: hx.httpBackend, server: 'home' },
    forOwner: (owner) => gatewayFor(hx, hx.socketPath, owner),
  };
});

describe('haproxy gateway on a real HAProxy 2.6', () => {
  let hx: HaproxyInstance;
  let gw: HaproxyGateway;
  beforeAll(async () => {
    hx = await haproxy();
    gw = gatewayFor(hx);
  });

  const spec = (backend: string, port: number, protocol: 'http' | 'tcp' = 'http') => {
    const id = burstId();
    return { backend, server: `cb-${id.slice(2)}`, burstId: id, address: '127.0.0.1', port, protocol };
  };

  it('sends a burst cluster no traffic until enabled, traffic once enabled, none once drained', async () => {
    const burst = await startHttp('burst-http');
    const s = spec(hx.httpBackend, burst.port);
    await gw.add(s);
    expect(await servedBy(hx.httpPort, 6)).toEqual(Array(6).fill('home'));

    await gw.enable(s);
    await expect
      .poll(async () => (await get(hx.httpPort)) === 'burst-http', {
        message: 'the cluster to serve',
        timeout: 20_000,
        interval: 50,
      })
      .toBe(true);
    expect(new Set(await servedBy(hx.httpPort, 6))).toEqual(new Set(['home', 'burst-http']));

    await gw.drain(s);
    const served = burst.served;
    expect(await servedBy(hx.httpPort, 6)).toEqual(Array(6).fill('home'));
    expect(burst.served).toBe(served);
    expect(await gw.connections(s)).toBe(0);

    await gw.remove(s);
    expect(await gw.listOwned({ burstId: s.burstId })).toEqual([]);
    expect(await hx.command(`show servers state ${hx.httpBackend}`)).not.toContain(s.server);
    expect(await readFile(hx.backendsFile, 'utf8')).not.toContain(s.server);
  });

  it('does the same for a TCP-mode backend', async () => {
    const echo = await startNamedTcpServer('burst-tcp');
    stops.push(() => echo.stop());
    const s = spec(hx.tcpBackend, echo.port, 'tcp');
    await gw.add(s);
    expect((await gw.listOwned({ burstId: s.burstId }))[0]).toMatchObject({
      protocol: 'tcp',
      state: 'disabled',
    });
    expect(await tcpGreeting(hx.tcpPort)).toBe('home');

    await gw.enable(s);
    await expect
      .poll(async () => (await tcpGreeting(hx.tcpPort)) === 'burst-tcp', {
        message: 'the cluster to serve',
        timeout: 20_000,
        interval: 50,
      })
      .toBe(true);
    await gw.drain(s);
    const clients = echo.clients;
    for (let i = 0; i < 4; i++) expect(await tcpGreeting(hx.tcpPort)).toBe('home');
    expect(echo.clients).toBe(clients);

    await gw.remove(s);
    expect(await gw.listOwned({ burstId: s.burstId })).toEqual([]);
  });

  it('never touches a server that is not ours', async () => {
    const homeBefore = parseServersState(await hx.command(`show servers state ${hx.httpBackend}`)).find(
      (r) => r.server === 'home',
    );
    const fileBefore = await readFile(hx.backendsFile, 'utf8');
    const home = { backend: hx.httpBackend, server: 'home' };
    await expect(gw.drain(home)).rejects.toThrow(/not a clusterburst server/);
    await expect(gw.remove(home, { force: true })).rejects.toThrow(/not a clusterburst server/);
    expect((await gw.listOwned()).map((s) => s.server)).not.toContain('home');

    const burst = await startHttp('burst-owned');
    const s = spec(hx.httpBackend, burst.port);
    await gw.add(s);
    await gw.enable(s);
    await gw.drain(s);
    await gw.remove(s, { force: true });

    const homeAfter = parseServersState(await hx.command(`show servers state ${hx.httpBackend}`)).find(
      (r) => r.server === 'home',
    );
    expect(homeAfter).toMatchObject({ adminState: 0, weight: homeBefore?.weight, port: homeBefore?.port });
    expect(await readFile(hx.backendsFile, 'utf8')).toBe(fileBefore);
  });

  it('refuses to put an HTTP server into a TCP-mode backend', async () => {
    const s = spec(hx.tcpBackend, 9, 'http');
    await expect(gw.add(s)).rejects.toThrow(/is mode tcp, not http/);
    expect(await gw.listOwned({ burstId: s.burstId })).toEqual([]);
  });

  it('refuses to re-add a server under the same name at another address', async () => {
    const s = spec(hx.httpBackend, 9);
    await gw.add(s);
    await expect(gw.add({ ...s, port: 10 })).rejects.toThrow(/already points at 127\.0\.0\.1:9/);
    await gw.remove(s);
  });

  it('keeps its servers across an HAProxy reload, each in the state it had', async () => {
    const [ready, disabled, draining] = await Promise.all(
      ['r-ready', 'r-disabled', 'r-drain'].map(startHttp),
    );
    const specs = [ready, disabled, draining].map((b) => spec(hx.httpBackend, b?.port ?? 0));
    const [sReady, sDisabled, sDrain] = specs as [
      ReturnType<typeof spec>,
      ReturnType<typeof spec>,
      ReturnType<typeof spec>,
    ];
    for (const s of specs) await gw.add(s);
    await gw.enable(sReady);
    await gw.enable(sDrain);
    await gw.drain(sDrain);

    await hx.reload();

    const states = Object.fromEntries((await gw.listOwned()).map((s) => [s.server, s.state]));
    expect(states).toEqual({
      [sReady.server]: 'ready',
      [sDisabled.server]: 'disabled',
      [sDrain.server]: 'drain',
    });
    await expect
      .poll(async () => (await get(hx.httpPort)) === 'r-ready', {
        message: 'the enabled cluster to serve after the reload',
        timeout: 20_000,
        interval: 50,
      })
      .toBe(true);
    const names = new Set(await servedBy(hx.httpPort, 8));
    expect(names).toEqual(new Set(['home', 'r-ready']));

    // Adding again after the reload is a no-op, not a downgrade of the enabled server.
    await gw.add(sReady);
    expect((await gw.listOwned({ burstId: sReady.burstId }))[0]?.state).toBe('ready');

    for (const s of specs) await gw.remove(s);
    await hx.reload();
    expect(await gw.listOwned()).toEqual([]);
    expect(await hx.command(`show servers state ${hx.httpBackend}`)).toMatch(/ home /);
  });

  it('works over the runtime API on loopback TCP as well as the unix socket', async () => {
    const overTcp = gatewayFor(hx, hx.runtimeTcp);
    const burst = await startHttp('burst-rt-tcp');
    const s = spec(hx.httpBackend, burst.port);
    await overTcp.add(s);
    expect((await gw.listOwned({ burstId: s.burstId }))[0]?.state).toBe('disabled');
    await overTcp.remove(s);
    expect(await gw.listOwned({ burstId: s.burstId })).toEqual([]);
  });

  it('resolves a host name once, since HAProxy 2.6 never resolves a dynamic server', async () => {
    const burst = await startHttp('burst-named');
    const asked: string[] = [];
    const resolving = new HaproxyGateway(
      HaproxyGatewayOptionsSchema.parse({ runtime: hx.socketPath, configPath: hx.configDir }),
      {
        resolve: async (host) => {
          asked.push(host);
          return '127.0.0.1';
        },
      },
    );
    const s = { ...spec(hx.httpBackend, burst.port), address: 'ingress.burst.example.org' };
    await resolving.add(s);
    expect(asked).toEqual(['ingress.burst.example.org']);
    expect((await gw.listOwned({ burstId: s.burstId }))[0]).toMatchObject({
      address: '127.0.0.1',
      port: burst.port,
    });
    await resolving.remove(s);
  });

  it('lists a server that only the config file still has, so reconcile can remove it', async () => {
    const s = spec(hx.httpBackend, 9);
    await gw.add(s);
    await hx.command(`set server ${s.backend}/${s.server} state maint`);
    await hx.command(`del server ${s.backend}/${s.server}`);
    expect(await gw.listOwned({ burstId: s.burstId })).toEqual([
      expect.objectContaining({ server: s.server, state: 'maint', connections: 0 }),
    ]);
    await gw.remove(s);
    expect(await gw.listOwned({ burstId: s.burstId })).toEqual([]);
    expect(await readFile(hx.backendsFile, 'utf8')).not.toContain(s.server);
  });
});
