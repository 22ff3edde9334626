import { type ClientRequest, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HaproxyGateway } from '../../shared/drivers/gateway/haproxy.ts';
import { HaproxyGatewayOptionsSchema } from '../../shared/drivers/gateway/haproxy-options.ts';
import { waitForDrain } from '../../shared/drivers/gateway/wait-for-drain.ts';
import { DriverError } from '../../shared/errors.ts';
import { type HaproxyInstance, startHaproxy } from '../support/haproxy.ts';
import { startNamedHttpServer, startNamedTcpServer } from '../support/haproxy-backends.ts';

const DRAIN_BOUND_MS = 1500;

/** A long streaming response through HAProxy: who serves it, and whether it ended or was cut. */
interface Stream {
  readonly req: ClientRequest;
  readonly backend: Promise<string>;
  readonly outcome: Promise<'complete' | 'cut'>;
}

function slowGet(port: number): Stream {
  let named: (name: string) => void = () => {};
  const backend = new Promise<string>((resolve) => {
    named = resolve;
  });
  let req!: ClientRequest;
  const outcome = new Promise<'complete' | 'cut'>((resolve) => {
    req = request({ host: '127.0.0.1', port, path: '/slow?ms=60000', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (body.includes('\n')) named(body.split('\n')[0] ?? '');
      });
      res.on('end', () => resolve(res.complete ? 'complete' : 'cut'));
      res.on('error', () => resolve('cut'));
      res.on('aborted', () => resolve('cut'));
    });
    req.on('error', () => resolve('cut'));
    req.end();
  });
  return { req, backend, outcome };
}

/** An idle TCP connection through HAProxy: who greeted it, and whether it was closed. */
function idleTcp(port: number): { socket: Socket; backend: Promise<string>; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  const backend = new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(text.split('\n')[0] ?? '');
    });
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, backend, closed };
}

describe('teardown while long-lived connections are open', () => {
  let hx: HaproxyInstance;
  let gw: HaproxyGateway;
  beforeAll(async () => {
    hx = await startHaproxy({ checkInterMs: 250 });
    gw = new HaproxyGateway(
      HaproxyGatewayOptionsSchema.parse({
        runtime: hx.socketPath,
        configPath: hx.configDir,
        check: { interMs: 250, rise: 1 },
      }),
    );
  });
  afterAll(async () => {
    await hx?.stop();
  });

  it('waits for a streaming HTTP response up to its bound, then cuts it, and reports both', async () => {
    const burst = await startNamedHttpServer('burst-slow');
    const ref = { backend: hx.httpBackend, server: 'cb-5107a11c0ffe', burstId: 'b-5107a11c0ffe' };
    const streams: Stream[] = [];
    try {
      await gw.add({ ...ref, address: burst.address, port: burst.port });
      await gw.enable(ref);
      // Round robin: open streams until one lands on the burst cluster (and some on home).
      await expect
        .poll(
          async () => {
            streams.push(slowGet(hx.httpPort));
            const names = await Promise.all(streams.map((s) => s.backend));
            return names.includes('burst-slow') && names.includes('home');
          },
          { message: 'a stream on the burst cluster', timeout: 20_000, interval: 50 },
        )
        .toBe(true);
      const ours = (await Promise.all(streams.map((s) => s.backend))).filter(
        (n) => n === 'burst-slow',
      ).length;

      await gw.drain(ref);
      const drain = await waitForDrain({
        connections: () => gw.connections(ref),
        timeoutMs: DRAIN_BOUND_MS,
        pollMs: 100,
      });
      console.log(`drain of a streaming response: ${JSON.stringify(drain)}; forcing`);
      expect(drain).toMatchObject({ drained: false, remaining: ours });
      expect(drain.waitedMs).toBeGreaterThanOrEqual(DRAIN_BOUND_MS);
      expect(drain.waitedMs).toBeLessThan(DRAIN_BOUND_MS + 5000);

      const refused = await gw.remove(ref).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(DriverError);
      expect(refused).toMatchObject({
        retryable: true,
        message: expect.stringMatching(/still has \d+ connections/),
      });

      await gw.remove(ref, { force: true });
      expect(await gw.listOwned()).toEqual([]);
      for (const [i, s] of streams.entries()) {
        if ((await s.backend) === 'burst-slow') expect(await streams[i]?.outcome).toBe('cut');
      }
      // The home server's streams are not ours: they carry on.
      await expect
        .poll(() => burst.inFlight === 0, {
          message: 'the cut to reach the burst server',
          timeout: 20_000,
          interval: 50,
        })
        .toBe(true);
      expect(hx.home.http.inFlight).toBe(streams.length - ours);
    } finally {
      for (const s of streams) s.req.destroy();
      await burst.stop();
    }
  });

  it('cuts an idle TCP connection once the bound passes, leaving the home server connection open', async () => {
    const echo = await startNamedTcpServer('burst-idle');
    const ref = { backend: hx.tcpBackend, server: 'cb-1d1e7c90aaaa', burstId: 'b-1d1e7c90aaaa' };
    const conns: ReturnType<typeof idleTcp>[] = [];
    try {
      await gw.add({ ...ref, address: echo.address, port: echo.port, protocol: 'tcp' });
      await gw.enable(ref);
      await expect
        .poll(
          async () => {
            conns.push(idleTcp(hx.tcpPort));
            const names = await Promise.all(conns.map((c) => c.backend));
            return names.includes('burst-idle') && names.includes('home');
          },
          { message: 'a connection on the burst cluster', timeout: 20_000, interval: 50 },
        )
        .toBe(true);
      const names = await Promise.all(conns.map((c) => c.backend));

      await gw.drain(ref);
      const drain = await waitForDrain({
        connections: () => gw.connections(ref),
        timeoutMs: DRAIN_BOUND_MS,
        pollMs: 100,
      });
      console.log(`drain of idle TCP connections: ${JSON.stringify(drain)}; forcing`);
      expect(drain.drained).toBe(false);
      expect(drain.remaining).toBe(names.filter((n) => n === 'burst-idle').length);

      await gw.remove(ref, { force: true });
      await Promise.all(conns.filter((_, i) => names[i] === 'burst-idle').map((c) => c.closed));
      const home = conns.find((_, i) => names[i] === 'home');
      const echoed = new Promise<string>((resolve) =>
        home?.socket.once('data', (d) => resolve(d.toString())),
      );
      home?.socket.write('still here\n');
      expect(await echoed).toBe('still here\n');
    } finally {
      for (const c of conns) c.socket.destroy();
      await echo.stop();
    }
  });

  it('drains without forcing when the long connection ends within the bound', async () => {
    const echo = await startNamedTcpServer('burst-brief');
    const ref = { backend: hx.tcpBackend, server: 'cb-b41ef0000001', burstId: 'b-b41ef0000001' };
    const conns: ReturnType<typeof idleTcp>[] = [];
    try {
      await gw.add({ ...ref, address: echo.address, port: echo.port, protocol: 'tcp' });
      await gw.enable(ref);
      await expect
        .poll(
          async () => {
            conns.push(idleTcp(hx.tcpPort));
            return (await Promise.all(conns.map((c) => c.backend))).includes('burst-brief');
          },
          { message: 'a connection on the burst cluster', timeout: 20_000, interval: 50 },
        )
        .toBe(true);
      await gw.drain(ref);
      // The clients finish on their own a moment after the drain starts.
      setTimeout(() => {
        for (const c of conns) c.socket.end();
      }, 300);
      const drain = await waitForDrain({
        connections: () => gw.connections(ref),
        timeoutMs: 15_000,
        pollMs: 50,
      });
      expect(drain).toMatchObject({ drained: true, remaining: 0 });
      expect(drain.waitedMs).toBeGreaterThanOrEqual(250);
      await gw.remove(ref);
      expect(await gw.listOwned()).toEqual([]);
    } finally {
      for (const c of conns) c.socket.destroy();
      await echo.stop();
    }
  });
});
