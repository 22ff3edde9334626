import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../shared/runtime/logger.ts';
import { freeLoopbackPort } from '../support/bind.ts';
import { loadEvent } from '../support/events.ts';
import { type Json, startTestRuntime, type TestRuntime } from '../support/local-runtime.ts';
import { type PrometheusServer, startPrometheus, waitFor } from '../support/prometheus.ts';
import {
  startUtilisationExporter,
  UTILISATION_METRIC,
  type UtilisationExporter,
} from '../support/utilisation-exporter.ts';

// A monitoring outage must never tear a cluster down. The burst comes from a posted Alertmanager
// sample (the chain test covers real Alertmanager); the load comes from a real Prometheus that the
// test stops while the cluster is otherwise ready to go, and starts again on the same data.
const TOKEN = randomBytes(24).toString('hex');
const AUTH = { authorization: `Bearer ${TOKEN}` };
const WINDOW = 5;

const logger = createLogger('ERROR');
const warn = vi.spyOn(logger, 'warn');
let exporter: UtilisationExporter | undefined;
let prometheus: PrometheusServer | undefined;
let runtime: TestRuntime | undefined;

beforeAll(async () => {
  exporter = await startUtilisationExporter({ initial: 0.9 });
  const port = await freeLoopbackPort();
  prometheus = await startPrometheus({ port, targets: [exporter.target] });
  runtime = await startTestRuntime(
    {
      server: { port: 0, auth: { bearerToken: TOKEN } },
      policy: { scaleDownWindowSeconds: WINDOW, minLifetimeSeconds: 3, scaleDownDelayAfterAddSeconds: 3 },
      providers: [
        {
          name: 'simulated',
          driver: 'simulated',
          regions: ['local'],
          pricePerNodeHour: 0.1,
          options: { readyAfterMs: 300, deleteAfterMs: 50 },
        },
      ],
      load: {
        driver: 'prometheus',
        options: {
          url: prometheus.url,
          query: `max(${UTILISATION_METRIC})`,
          stepSeconds: 1,
          timeoutMs: 2000,
        },
      },
    },
    { logger },
  );
}, 120_000);

afterAll(async () => {
  await runtime?.close();
  await prometheus?.remove();
  await exporter?.stop();
}, 60_000);

async function api(method: string, path: string, body?: unknown): Promise<Json> {
  const res = await runtime!.request(method, path, body, AUTH);
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  return res.body;
}

async function skipped(): Promise<number> {
  const text: string = (await runtime!.request('GET', '/metrics')).body;
  const line = text.split('\n').find((l) => l.startsWith('clusterburst_scale_down_skipped_total '));
  return Number(line?.split(' ')[1] ?? 0);
}

describe('scale-down while Prometheus is down', () => {
  it('tears nothing down during the outage, says so in logs and metrics, and proceeds once Prometheus is back', async () => {
    const { burstId: id } = await api('POST', '/alerts/alertmanager', loadEvent('alertmanager', 'firing'));
    await waitFor(async () => (await api('GET', `/bursts/${id}`)).phase === 'Active', {
      timeoutMs: 60_000,
      what: 'the burst to become Active',
    });
    await waitFor(
      async () => {
        const verdict = (await api('POST', '/schedule/scale-down')).decision.verdicts[0];
        return /utilisation reached 0\.9/.test(verdict?.why ?? '');
      },
      { timeoutMs: 60_000, what: 'the burst to be kept only because of its load' },
    );

    // Low for a whole window as Prometheus sees it: with Prometheus up, the next pass would drain.
    exporter!.set(0.1);
    await waitFor(
      async () =>
        (await prometheus!.query(`max_over_time(max(${UTILISATION_METRIC})[${WINDOW + 1}s:1s])`))[0]! < 0.5,
      { timeoutMs: 60_000, what: 'Prometheus to see a low window' },
    );
    await prometheus!.stop();
    const stoppedAt = Date.now();
    const before = await skipped();

    let passes = 0;
    await waitFor(
      async () => {
        const report = await api('POST', '/schedule/scale-down');
        passes++;
        expect(report.decision.drain).toEqual([]);
        expect(report.decision.verdicts[0].why).toMatch(
          /^load unknown \(Prometheus at http:\/\/127\.0\.0\.1:\d+ unreachable: .+\): fail safe$/,
        );
        return passes >= 3 && Date.now() - stoppedAt > (WINDOW + 3) * 1000;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'scale-down passes through the outage' },
    );
    expect((await api('GET', `/bursts/${id}`)).phase).toBe('Active');
    expect(await skipped()).toBe(before + passes);
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(
        /^scale-down: load unknown, draining nothing on load: Prometheus at .* unreachable/,
      ),
    );

    await prometheus!.start();
    await waitFor(async () => (await api('POST', '/schedule/scale-down')).decision.drain.includes(id), {
      timeoutMs: 60_000,
      what: 'scale-down to drain the burst once Prometheus answers again',
    });
    await waitFor(async () => (await api('GET', `/bursts/${id}`)).phase === 'Deleted', {
      timeoutMs: 60_000,
      what: 'the burst to be deleted',
    });
    const history: Json[] = (await api('GET', `/bursts/${id}`)).history;
    expect(history.find((h) => h.phase === 'Draining').why).toMatch(
      /^scale-down: utilisation at most 0\.1 < 0\.5/,
    );
  }, 240_000);
});
