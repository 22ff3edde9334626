import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadEvent } from '../support/events.ts';
import type { Json } from '../support/local-runtime.ts';
import { type PrometheusServer, startPrometheus, waitFor } from '../support/prometheus.ts';
import { freePort, type RuntimeProcess, spawnRuntime } from '../support/runtime-process.ts';

// The dashboard against the real thing: clusterburst started the way `npm start` runs it, a
// Debian Prometheus scraping it every second as job "clusterburst" (with the alert rules
// loaded), one burst from an Alertmanager notification and one manual burst with a time to live,
// then every panel's query through Prometheus' HTTP API.
const deploy = (path: string) => fileURLToPath(new URL(`../../deploy/${path}`, import.meta.url));
const DASHBOARD: Json = JSON.parse(readFileSync(deploy('grafana/clusterburst.json'), 'utf8'));
const ALERTS: Json = parse(readFileSync(deploy('prometheus/clusterburst-alerts.yml'), 'utf8'));

/** Grafana's built-in interval variables, as Grafana would fill them for a recent 1 h view. */
const GRAFANA_RANGES: Readonly<Record<string, string>> = {
  __rate_interval: '1m',
  __interval: '15s',
  __range: '1h',
};

/** The expression Grafana would send: its interval variables replaced, no other variable left. */
function concrete(expr: string): string {
  const out = expr.replace(/\$\{?(__\w+)\}?/g, (whole, name: string) => GRAFANA_RANGES[name] ?? whole);
  if (out.includes('$')) throw new Error(`unknown Grafana variable in ${expr}`);
  return out;
}

interface PanelQuery {
  readonly panel: string;
  readonly refId: string;
  readonly expr: string;
}

const QUERIES: PanelQuery[] = (DASHBOARD.panels as Json[]).flatMap((p) =>
  (p.targets as Json[]).map((t) => ({ panel: p.title, refId: t.refId, expr: t.expr })),
);

interface Sample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

let dir = '';
let runtime: RuntimeProcess | undefined;
let prometheus: PrometheusServer | undefined;
let alarmBurst = '';
let manualBurst = '';

async function instant(expr: string): Promise<Sample[]> {
  const res = await fetch(`${prometheus!.url}/api/v1/query?query=${encodeURIComponent(expr)}`, {
    signal: AbortSignal.timeout(5000),
  });
  const body = (await res.json()) as Json;
  if (body.status !== 'success') throw new Error(`${body.errorType}: ${body.error}`);
  // Instant vectors carry [time, value] per series; a scalar expression answers the pair itself.
  if (body.data.resultType === 'scalar') return [{ metric: {}, value: Number(body.data.result[1]) }];
  return (body.data.result as Json[]).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

/** The panel queries that return no series, or only NaN (a panel with nothing to draw). */
async function emptyPanels(): Promise<string[]> {
  const failures: string[] = [];
  for (const q of QUERIES) {
    try {
      const samples = await instant(concrete(q.expr));
      if (!samples.some((s) => Number.isFinite(s.value)))
        failures.push(`${q.panel} [${q.refId}] ${q.expr}: ${samples.length ? 'only NaN' : 'no series'}`);
    } catch (error) {
      failures.push(`${q.panel} [${q.refId}] ${q.expr}: ${(error as Error).message}`);
    }
  }
  return failures;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cb-dashboard-'));
  const port = await freePort();
  runtime = await spawnRuntime(dir, {
    stateDir: dir,
    store: { path: join(dir, 'state.db') },
    server: { port },
    logLevel: 'WARN',
    // Teardown waits a DNS TTL after removing the records; keep it short for the ending burst.
    policy: { dnsTtlSeconds: 1 },
    schedules: { scaleDown: '*/2 * * * * *', health: '* * * * * *', reconcile: '0 0 0 1 1 *' },
    providers: [
      {
        name: 'simulated',
        driver: 'simulated',
        regions: ['local'],
        pricePerNodeHour: 0.1,
        options: { readyAfterMs: 300 },
      },
    ],
  });
  prometheus = await startPrometheus({
    job: 'clusterburst',
    targets: [`127.0.0.1:${port}`],
    ruleGroups: ALERTS.groups,
    intervalSeconds: 1,
  });
  // Bursts come long after Prometheus first scrapes a real control plane: the counters' first
  // samples are their zeros, so increase() sees each event.
  await waitFor(async () => (await instant('clusterburst_time_to_active_seconds_count')).length === 1, {
    timeoutMs: 30_000,
    what: 'the first scrape of clusterburst',
  });
  const post = async (path: string, body: unknown): Promise<Json> => {
    const res = await fetch(`${runtime!.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await res.json()) as Json;
    if (answer.decision !== 'burst') throw new Error(`no burst from ${path}: ${JSON.stringify(answer)}`);
    return answer.burstId;
  };
  alarmBurst = await post('/alerts/alertmanager', loadEvent('alertmanager', 'firing'));
  manualBurst = await post('/bursts', { reason: 'conference week', ttl: '2h', nodes: 1 });
  for (const id of [alarmBurst, manualBurst]) {
    await waitFor(
      async () => ((await (await fetch(`${runtime!.url}/bursts/${id}`)).json()) as Json).phase === 'Active',
      { timeoutMs: 30_000, what: `burst ${id} to become Active` },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${runtime!.output()}`);
    });
  }
}, 120_000);

afterAll(async () => {
  await prometheus?.remove();
  await runtime?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('the Grafana dashboard (deploy/grafana/clusterburst.json)', () => {
  it('is an importable dashboard whose every panel queries the Prometheus chosen in its datasource variable', () => {
    expect(DASHBOARD).toMatchObject({ uid: 'clusterburst', title: 'clusterburst' });
    expect(DASHBOARD.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(DASHBOARD.templating.list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }),
    );
    const panels: Json[] = DASHBOARD.panels;
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const p of panels) {
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: `\${datasource}` });
      expect(p.gridPos, p.title).toEqual({
        x: expect.any(Number),
        y: expect.any(Number),
        w: expect.any(Number),
        h: expect.any(Number),
      });
      expect(p.targets.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets) expect(t.expr, `${p.title} ${t.refId}`).toMatch(/\S/);
    }
  });

  it('draws what the issue asks for: phases, cost against budget, signals, step times, alarm to Active, dead letters, skipped scale-downs, per-burst cost', () => {
    const metrics = QUERIES.map((q) => q.expr).join('\n');
    for (const name of [
      'clusterburst_clusters',
      'clusterburst_cost_per_hour',
      'clusterburst_budget_per_hour',
      'clusterburst_signals_total',
      'clusterburst_step_duration_seconds_bucket',
      'clusterburst_time_to_active_seconds_bucket',
      'clusterburst_dead_letters_total',
      'clusterburst_scale_down_skipped_total',
      'clusterburst_burst_cost',
    ])
      expect(metrics).toContain(name);
  });

  it('returns data for every panel query from a Prometheus scraping a clusterburst that ran a burst', async () => {
    let failures: string[] = [];
    // Rates need two scrapes after the burst; give Prometheus those seconds, then name what stays empty.
    await waitFor(
      async () => {
        failures = await emptyPanels();
        return failures.length === 0;
      },
      { timeoutMs: 30_000, intervalMs: 1000, what: 'every panel to return data' },
    ).catch(() => {});
    expect(failures).toEqual([]);
  }, 60_000);

  it('shows the running bursts: Active in the phase panel, their cost in the per-burst table, their alarm-to-Active times', async () => {
    // The gauges follow the health pass (every second here), and Prometheus the next scrape.
    const activeInPanel = async () =>
      (await instant('sum by (phase) (clusterburst_clusters{phase!~"Deleted|Failed"})')).find(
        (s) => s.metric.phase === 'Active',
      )?.value;
    await waitFor(async () => (await activeInPanel()) === 2, { what: 'both bursts Active in Prometheus' });
    const cost = await instant(
      concrete('max by (burst_id, provider) (max_over_time(clusterburst_burst_cost[$__range]))'),
    );
    expect(cost.map((s) => s.metric.burst_id).sort()).toEqual([alarmBurst, manualBurst].sort());
    for (const s of cost) expect(s.value).toBeGreaterThan(0);
    // 0.1 per node-hour: the alarm's 3 nodes, the manual burst's 1.
    const perHour = await instant('clusterburst_burst_cost_per_hour');
    expect(Object.fromEntries(perHour.map((s) => [s.metric.burst_id, s.value]))).toEqual({
      [alarmBurst]: 0.3,
      [manualBurst]: 0.1,
    });
    const [toActive] = await instant('clusterburst_time_to_active_seconds_count');
    expect(toActive?.value).toBe(2);
    const [seconds] = await instant('clusterburst_time_to_active_seconds_sum');
    expect(seconds?.value).toBeGreaterThan(0.6);
    expect(seconds?.value).toBeLessThan(60);
    // Only the manual burst has a deadline in Active: its time to live, 2 h after it was requested.
    const deadlines = await instant('clusterburst_burst_deadline_timestamp_seconds');
    expect(deadlines.map((s) => s.metric)).toEqual([
      expect.objectContaining({ burst_id: manualBurst, phase: 'Active' }),
    ]);
    expect(deadlines[0]!.value - Date.now() / 1000).toBeGreaterThan(7000);
  });
});

describe('the clusterburst alert rules (deploy/prometheus/clusterburst-alerts.yml) on that Prometheus', () => {
  it('query only metrics clusterburst exports, and none is pending or firing while it runs a healthy burst', async () => {
    const exprs: string[] = ALERTS.groups.flatMap((g: Json) => g.rules.map((r: Json) => r.expr));
    const used = new Set(exprs.flatMap((e) => e.match(/\b(clusterburst_[a-z_]+|up)\b/g) ?? []));
    const res = await fetch(`${prometheus!.url}/api/v1/label/__name__/values`);
    const known = new Set(((await res.json()) as Json).data as string[]);
    expect([...used].filter((name) => !known.has(name))).toEqual([]);
    expect(used.size).toBeGreaterThanOrEqual(5);
    const rules = (await (await fetch(`${prometheus!.url}/api/v1/rules`)).json()) as Json;
    const loaded = rules.data.groups.flatMap((g: Json) => g.rules.map((r: Json) => r.name));
    expect(loaded.sort()).toEqual([
      'ClusterburstBudgetNearlyExhausted',
      'ClusterburstBurstPastDeadline',
      'ClusterburstDeadLetters',
      'ClusterburstDown',
    ]);
    expect(await prometheus!.alerts()).toEqual([]);
  });
});

describe('when a burst ends', () => {
  it('drops its live series, and the per-burst cost table still shows what it cost over the range', async () => {
    const res = await fetch(`${runtime!.url}/bursts/${manualBurst}`, { method: 'DELETE' });
    expect(res.status).toBe(202);
    await waitFor(
      async () =>
        ((await (await fetch(`${runtime!.url}/bursts/${manualBurst}`)).json()) as Json).phase === 'Deleted',
      { timeoutMs: 60_000, what: `burst ${manualBurst} to be Deleted` },
    );
    // Gone from /metrics at the next health pass, and from Prometheus' latest scrape after it.
    await waitFor(
      async () =>
        (await instant('clusterburst_burst_cost_per_hour')).every((s) => s.metric.burst_id !== manualBurst),
      { what: 'the ended burst to drop out of clusterburst_burst_cost_per_hour' },
    );
    const metrics = await (await fetch(`${runtime!.url}/metrics`)).text();
    expect(metrics).not.toContain(manualBurst);
    expect(metrics).toContain(alarmBurst);
    const table = await instant(
      concrete('max by (burst_id, provider) (max_over_time(clusterburst_burst_cost[$__range]))'),
    );
    expect(table.map((s) => s.metric.burst_id).sort()).toEqual([alarmBurst, manualBurst].sort());
  }, 90_000);
});
