import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlertmanagerServer, startAlertmanager } from '../support/alertmanager.ts';
import { freeLoopbackPort } from '../support/bind.ts';
import { type Json, startTestRuntime, type TestRuntime } from '../support/local-runtime.ts';
import { type PrometheusServer, startPrometheus, waitFor } from '../support/prometheus.ts';
import {
  startUtilisationExporter,
  UTILISATION_METRIC,
  type UtilisationExporter,
} from '../support/utilisation-exporter.ts';

// The whole chain with real programs: a gauge the test sets, Prometheus scraping it and
// evaluating an alert rule, Alertmanager posting to the webhook with a bearer token, the local
// runtime bursting, and its scheduled scale-down asking Prometheus for the window.
const TOKEN = randomBytes(24).toString('hex');
const AUTH = { authorization: `Bearer ${TOKEN}` };
const WINDOW = 5;

const RULES = [
  {
    name: 'clusterburst',
    rules: [
      {
        alert: 'ClusterburstCapacityHigh',
        expr: `max(${UTILISATION_METRIC}) > 0.8`,
        for: '2s',
        labels: { severity: 'page', clusterburst_nodes: '2' },
        annotations: { summary: 'home cluster utilisation above 80%' },
      },
    ],
  },
];

let exporter: UtilisationExporter | undefined;
let prometheus: PrometheusServer | undefined;
let alertmanager: AlertmanagerServer | undefined;
let runtime: TestRuntime | undefined;

beforeAll(async () => {
  exporter = await startUtilisationExporter({ initial: 0.2 });
  // The runtime's load driver must know Prometheus' address before Prometheus knows Alertmanager's.
  const prometheusPort = await freeLoopbackPort();
  runtime = await startTestRuntime({
    server: { port: 0, auth: { bearerToken: TOKEN } },
    policy: {
      scaleDownWindowSeconds: WINDOW,
      minLifetimeSeconds: 3,
      scaleDownDelayAfterAddSeconds: 3,
      drainTimeoutSeconds: 5,
    },
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
        url: `http://127.0.0.1:${prometheusPort}`,
        query: `max(${UTILISATION_METRIC})`,
        stepSeconds: 1,
      },
    },
    // The real schedule drives scale-down here; reconcile stays out of the way.
    schedules: { scaleDown: '*/2 * * * * *', health: '* * * * * *', reconcile: '0 0 0 1 1 *' },
  });
  alertmanager = await startAlertmanager({
    webhookUrl: `${runtime.url}/alerts/alertmanager`,
    bearerToken: TOKEN,
  });
  prometheus = await startPrometheus({
    port: prometheusPort,
    targets: [exporter.target],
    ruleGroups: RULES,
    alertmanagers: [alertmanager.target],
  });
}, 120_000);

afterAll(async () => {
  await runtime?.close();
  await prometheus?.remove();
  await alertmanager?.stop();
  await exporter?.stop();
}, 60_000);

async function api(method: string, path: string): Promise<Json> {
  const res = await runtime!.request(method, path, undefined, AUTH);
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  return res.body;
}

async function burstRecord(id: string): Promise<Json> {
  return api('GET', `/bursts/${id}`);
}

async function metric(line: string): Promise<number> {
  const text: string = (await runtime!.request('GET', '/metrics')).body;
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found ? Number(found.slice(line.length + 1)) : 0;
}

describe('Prometheus -> Alertmanager -> clusterburst -> scale-down', () => {
  it('bursts when utilisation rises, keeps the cluster while it is high, and tears it down once it stays low', async () => {
    const started = Date.now();
    exporter!.set(0.95);

    let id = '';
    await waitFor(
      async () => {
        const bursts: Json[] = (await api('GET', '/bursts')).bursts;
        id = bursts[0]?.id ?? '';
        return bursts.length > 0;
      },
      { timeoutMs: 60_000, what: 'a burst from the Alertmanager webhook' },
    );
    const requested = await burstRecord(id);
    expect(requested).toMatchObject({
      source: 'alertmanager',
      reason: 'home cluster utilisation above 80%',
      nodes: 2,
    });

    await waitFor(async () => (await burstRecord(id)).phase === 'Active', {
      timeoutMs: 60_000,
      what: 'the burst to become Active',
    });

    // Old enough and active long enough: only the load keeps it now.
    await waitFor(
      async () => {
        const report = await api('POST', '/schedule/scale-down');
        const verdict = report.decision.verdicts.find((v: Json) => v.id === id);
        return /utilisation reached 0\.95 >= 0\.5/.test(verdict?.why ?? '');
      },
      { timeoutMs: 60_000, what: 'scale-down to keep the burst because of the high utilisation' },
    );
    expect((await burstRecord(id)).phase).toBe('Active');

    exporter!.set(0.1);
    await waitFor(async () => Boolean((await burstRecord(id)).signalResolvedAt), {
      timeoutMs: 60_000,
      what: 'the resolved notification from Alertmanager',
    });
    await waitFor(async () => (await burstRecord(id)).phase === 'Deleted', {
      timeoutMs: 60_000,
      what: 'the scheduled scale-down to tear the burst down',
    });

    const history: Json[] = (await burstRecord(id)).history;
    expect(history.map((h) => h.phase)).toEqual([
      'Requested',
      'Provisioning',
      'Ready',
      'Joined',
      'Active',
      'Draining',
      'Leaving',
      'Deleting',
      'Deleted',
    ]);
    expect(history.find((h) => h.phase === 'Draining').why).toMatch(
      new RegExp(`^scale-down: utilisation at most 0\\.1 < 0\\.5 over the whole ${WINDOW}s window`),
    );
    expect(await metric('clusterburst_signals_total{source="alertmanager",outcome="burst"}')).toBe(1);
    // Alertmanager's credentials were accepted every time.
    expect(await metric('clusterburst_auth_refused_total{route="POST /alerts/alertmanager"}')).toBe(0);
    expect(Date.now() - started).toBeLessThan(120_000);
  }, 180_000);

  it('refuses a webhook call without the bearer token, changes nothing, and counts it', async () => {
    const before = (await api('GET', '/bursts')).bursts.length;
    const refused = await runtime!.request('POST', '/alerts/alertmanager', { version: '4' });
    const wrong = await runtime!.request(
      'POST',
      '/alerts/alertmanager',
      { version: '4' },
      { authorization: 'Bearer not-the-token' },
    );
    expect([refused.status, wrong.status]).toEqual([401, 401]);
    expect((await api('GET', '/bursts')).bursts).toHaveLength(before);
    expect(await metric('clusterburst_auth_refused_total{route="POST /alerts/alertmanager"}')).toBe(2);
  });
});

describe('the deploy examples', () => {
  const run = promisify(execFile);
  const example = (path: string) => fileURLToPath(new URL(`../../deploy/${path}`, import.meta.url));

  it('are accepted by promtool and amtool', async () => {
    const rules = await run('promtool', ['check', 'rules', example('prometheus/clusterburst-rules.yaml')]);
    expect(rules.stdout).toContain('SUCCESS: 3 rules found');
    const receiver = await run('amtool', [
      'check-config',
      example('alertmanager/clusterburst-receiver.yaml'),
    ]);
    expect(receiver.stdout).toContain('SUCCESS');
  });
});
