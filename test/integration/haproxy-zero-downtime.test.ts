import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HaproxyGateway } from '../../shared/drivers/gateway/haproxy.ts';
import { HaproxyGatewayOptionsSchema } from '../../shared/drivers/gateway/haproxy-options.ts';
import { waitForDrain } from '../../shared/drivers/gateway/wait-for-drain.ts';
import { type HaproxyInstance, startHaproxy } from '../support/haproxy.ts';
import { type NamedHttpServer, startNamedHttpServer } from '../support/haproxy-backends.ts';
import { clock, startLoadProcess } from '../support/haproxy-load.ts';

const RATE = 300;

/** Failures counted by reason, for the log. */
function summarise(failures: readonly { readonly reason: string }[]): Record<string, number> {
  const byReason: Record<string, number> = {};
  for (const f of failures) byReason[f.reason] = (byReason[f.reason] ?? 0) + 1;
  return byReason;
}

describe('zero-downtime burst in and out through HAProxy', () => {
  let hx: HaproxyInstance;
  let burst: NamedHttpServer;
  beforeAll(async () => {
    hx = await startHaproxy();
    burst = await startNamedHttpServer('burst-1');
  });
  afterAll(async () => {
    await burst?.stop();
    await hx?.stop();
  });

  it('adds and later removes a cluster under 300 requests/s, kept-alive and new connections, without one failed request', async () => {
    const gw = new HaproxyGateway(
      HaproxyGatewayOptionsSchema.parse({
        runtime: hx.socketPath,
        configPath: hx.configDir,
        check: { interMs: 250, rise: 2, fall: 3 },
      }),
    );
    const server = {
      backend: hx.httpBackend,
      server: 'cb-0a1b2c3d4e5f',
      burstId: 'b-0a1b2c3d4e5f',
      address: burst.address,
      port: burst.port,
      protocol: 'http' as const,
    };
    // In its own process, so the load keeps its pace even when this one is busy serving.
    const load = await startLoadProcess({ url: `http://127.0.0.1:${hx.httpPort}/`, ratePerSecond: RATE });
    try {
      await expect
        .poll(async () => ((await load.report()).perBackend.home ?? 0) >= 300, {
          message: 'traffic on the home server',
          timeout: 20_000,
          interval: 50,
        })
        .toBe(true);

      await gw.add(server);
      // The core's own health check of the cluster's endpoint, before it enables the server.
      await expect
        .poll(
          async () => {
            const res = await fetch(`http://${burst.address}:${burst.port}/healthz`).catch(() => undefined);
            return res?.ok === true;
          },
          { message: 'the cluster to answer its health check', timeout: 20_000, interval: 50 },
        )
        .toBe(true);
      expect(burst.served).toBe(0);
      const enabledAt = clock();
      await gw.enable(server);
      const enableMs = clock() - enabledAt;
      await expect
        .poll(() => burst.served >= 300, {
          message: 'the cluster to serve 300 requests',
          timeout: 20_000,
          interval: 50,
        })
        .toBe(true);

      await gw.drain(server);
      const drain = await waitForDrain({
        connections: () => gw.connections(server),
        timeoutMs: 10_000,
        pollMs: 50,
      });
      await gw.remove(server, { force: !drain.drained });
      const servedAtRemoval = burst.served;
      const removedAt = clock();
      await expect
        .poll(async () => ((await load.report()).lastServedAt.home ?? 0) > removedAt + 1000, {
          message: 'more traffic on the home server',
          timeout: 20_000,
          interval: 50,
        })
        .toBe(true);
      const report = await load.stop();

      const firstBurstMs = (burst.firstServedAt ?? Number.NaN) - enabledAt;
      console.log(
        [
          `zero-downtime: ${report.requests} requests in ${(report.durationMs / 1000).toFixed(1)} s`,
          `(${report.achievedRps.toFixed(0)}/s; ${report.keptAlive} kept-alive, ${report.fresh} new connections)`,
          `failed ${report.failures.length} ${JSON.stringify(summarise(report.failures))}, skipped ${report.skipped}`,
          `served per backend ${JSON.stringify(report.perBackend)}`,
          `enable -> first request served by the cluster ${firstBurstMs.toFixed(1)} ms (the enable call itself ${enableMs.toFixed(1)} ms)`,
          `drain ${drain.drained ? 'completed' : 'hit its bound'} after ${drain.waitedMs} ms`,
        ].join('; '),
      );
      expect(report.failures).toEqual([]);
      expect(report.achievedRps).toBeGreaterThanOrEqual(200);
      expect(report.perBackend['burst-1']).toBeGreaterThanOrEqual(300);
      expect(report.perBackend.home).toBeGreaterThan(0);
      expect(Object.keys(report.perBackend).sort()).toEqual(['burst-1', 'home']);
      expect(drain).toMatchObject({ drained: true, remaining: 0 });
      expect(burst.served).toBe(servedAtRemoval);
      expect(firstBurstMs).toBeGreaterThanOrEqual(0);
      expect(firstBurstMs).toBeLessThan(15_000);
      expect(await gw.listOwned()).toEqual([]);
    } finally {
      await load.stop();
    }
  }, 120_000);
});
