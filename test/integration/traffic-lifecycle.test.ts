import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BindServer, startBind } from '../support/bind.ts';
import { type HaproxyInstance, startHaproxy } from '../support/haproxy.ts';
import { startLoadProcess } from '../support/haproxy-load.ts';
import { startTestRuntime, type TestRuntime } from '../support/local-runtime.ts';
import { siteRouting } from '../support/site-routing.ts';

const RATE = 250;

/**
 * The whole traffic path with real servers: the local runtime bursts to a simulated cluster,
 * places the service there (its own listener, apart from the cluster's API server), writes the
 * service's ingress record to a real BIND 9 over RFC 2136 + TSIG, and puts the ingress behind a
 * real HAProxy 2.6 through the runtime API, while a load generator keeps sending requests
 * through HAProxy; then it drains, moves the service home and tears it all down again.
 */
describe('burst in and out through real BIND and HAProxy, under load', () => {
  let bind: BindServer;
  let hx: HaproxyInstance;
  let rt: TestRuntime;
  beforeAll(async () => {
    bind = await startBind({ zone: 'burst.example.org', records: ['legacy 300 IN A 192.0.2.1'] });
    hx = await startHaproxy();
    process.env.CB_TEST_TSIG = bind.keySecret;
    rt = await startTestRuntime({
      providers: [
        {
          name: 'simulated',
          driver: 'simulated',
          regions: ['local'],
          pricePerNodeHour: 0.1,
          options: { readyAfterMs: 500 },
        },
      ],
      ...siteRouting(bind, hx),
      // The service's replicas land on the burst cluster (a listener of its own, ready after 0.5 s).
      federation: { driver: 'simulated', options: { readyAfterSeconds: 0.5, terminationGraceSeconds: 2 } },
      protection: { allowedNamespaces: ['web'] },
      services: [
        {
          name: 'web',
          hostname: 'web.example.org',
          backend: hx.httpBackend,
          protocol: 'http',
          burstable: true,
          namespace: 'web',
          health: { type: 'http', path: '/healthz' },
        },
      ],
      policy: { drainTimeoutSeconds: 10, dnsTtlSeconds: 5 },
    });
  });
  afterAll(async () => {
    await rt?.close();
    await hx?.stop();
    await bind?.stop();
  });

  it('serves the burst cluster once it is Active and removes it without a failed request', async () => {
    const load = await startLoadProcess({ url: `http://127.0.0.1:${hx.httpPort}/`, ratePerSecond: RATE });
    let report: Awaited<ReturnType<typeof load.stop>>;
    try {
      await expect
        .poll(async () => ((await load.report()).perBackend.home ?? 0) >= 200, {
          message: 'traffic on the home server',
          timeout: 30_000,
          interval: 50,
        })
        .toBe(true);
      const { body } = await rt.request('POST', '/bursts', { reason: 'traffic test' });
      const active = await rt.waitForPhase(body.burstId, 'Active', 30_000);
      const name: string = active.name;
      const [web] = active.services;
      expect(web).toMatchObject({ name: 'web', routed: true });
      expect(new URL(active.apiEndpoint).host).not.toBe(web.ingress);
      expect(await bind.query(`web.${name}.${bind.zone}`, 'A')).toEqual(['127.0.0.1']);
      // HAProxy's server for the burst is the service's ingress, never the API server.
      const port = web.ingress.split(':')[1];
      expect(await hx.command(`show servers state ${hx.httpBackend}`)).toMatch(
        new RegExp(`${name} 127\\.0\\.0\\.1 .*\\b${port}\\b`),
      );
      // The service on the burst cluster answers with its name and the cluster's.
      const served = JSON.stringify({ service: 'web', cluster: name });
      await expect
        .poll(async () => ((await load.report()).perBackend[served] ?? 0) >= 100, {
          message: 'traffic on the burst cluster',
          timeout: 30_000,
          interval: 50,
        })
        .toBe(true);
      const joinedAt = Date.parse(active.history.find((h: { phase: string }) => h.phase === 'Joined').at);
      const firstServed = (await load.report()).firstServedAt[served]!;

      await rt.request('DELETE', `/bursts/${body.burstId}`);
      const deleted = await rt.waitForPhase(body.burstId, 'Deleted', 60_000);
      const atRemoval = await load.report();
      const servedBefore = atRemoval.perBackend[served] ?? 0;
      // A second of traffic after the removal: none of it may reach the deleted cluster or fail.
      await expect
        .poll(async () => (await load.report()).requests > atRemoval.requests + RATE, {
          message: 'more traffic after the removal',
          timeout: 30_000,
          interval: 50,
        })
        .toBe(true);
      report = await load.stop();

      expect(report.failures).toEqual([]);
      expect(report.perBackend[served]).toBe(servedBefore);
      expect(await bind.query(`web.${name}.${bind.zone}`, 'A')).toEqual([]);
      expect(await bind.query(`legacy.${bind.zone}`, 'A')).toEqual(['192.0.2.1']);
      expect(await hx.command(`show servers state ${hx.httpBackend}`)).not.toContain('cb-');
      const leaving = deleted.history.find((h: { phase: string }) => h.phase === 'Leaving');
      expect(leaving.why).toMatch(/drained in \d+s|drain bound/);
      // Make before break: the replicas were home and ready before the member left the federation.
      expect(leaving.why).toContain('web moved home');
      const phases = deleted.history.map((h: { phase: string }) => h.phase);
      expect(phases.indexOf('Leaving')).toBeLessThan(phases.indexOf('Deleting'));
      console.log(
        `traffic: ${report.requests} requests at ${report.achievedRps.toFixed(0)}/s (${report.keptAlive} kept-alive, ${report.fresh} new connections), ${report.failures.length} failed; served per backend ${JSON.stringify(report.perBackend)}; ClusterJoined to first request served ${Math.round(firstServed - joinedAt)} ms; teardown: ${leaving.why}`,
      );
    } finally {
      await load.stop();
    }
  }, 180_000);
});
