import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freeLoopbackPort, stopChild } from './bind.ts';

/** A real Prometheus (Debian `prometheus`) on a loopback port, with its TSDB in a temp dir. */
export interface PrometheusServer {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** Whether the process is running (between `start` and `stop`). */
  readonly running: boolean;
  /** Values of an instant query, for tests that wait on what Prometheus has seen. */
  query(expr: string): Promise<number[]>;
  /** States of the alerts of the rules file (`pending`, `firing`), by alert name. */
  alerts(): Promise<{ name: string; state: string }[]>;
  /** Stop the process and keep its data (an outage). */
  stop(): Promise<void>;
  /** Start again on the same port and data (the end of the outage). */
  start(): Promise<void>;
  /** Stop and remove the temp dir. */
  remove(): Promise<void>;
}

/** Options of `startPrometheus`. */
export interface PrometheusOptions {
  /** Scrape targets (`127.0.0.1:PORT`) of the one job. */
  readonly targets: readonly string[];
  /** Name of that job (the `job` label). @default 'utilisation' */
  readonly job?: string;
  /** Rule groups, as the `groups` list of a rules file. */
  readonly ruleGroups?: readonly unknown[];
  /** Alertmanagers to notify (`127.0.0.1:PORT`). */
  readonly alertmanagers?: readonly string[];
  /** Listen port; pick one ahead when another component must know the URL first. @default free */
  readonly port?: number;
  /** Scrape and rule evaluation interval. @default 1 */
  readonly intervalSeconds?: number;
}

/**
 * Starts `prometheus` with short scrape and evaluation intervals (1 s) and a fast alert resend,
 * so a rule fires within seconds, and resolves once `/-/ready` answers. `stop`/`start` play an
 * outage on the same port and data.
 * @example
 * const prometheus = await startPrometheus({ targets: [exporter.target], ruleGroups: RULES });
 */
export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  const dir = await mkdtemp(join(tmpdir(), 'cb-prometheus-'));
  const port = options.port ?? (await freeLoopbackPort());
  const interval = `${options.intervalSeconds ?? 1}s`;
  const config = {
    global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
    rule_files: options.ruleGroups ? [join(dir, 'rules.yaml')] : [],
    ...(options.alertmanagers?.length
      ? {
          alerting: {
            alertmanagers: [
              { api_version: 'v2', timeout: '5s', static_configs: [{ targets: options.alertmanagers }] },
            ],
          },
        }
      : {}),
    scrape_configs: [
      { job_name: options.job ?? 'utilisation', static_configs: [{ targets: options.targets }] },
    ],
  };
  await writeFile(join(dir, 'prometheus.yml'), stringify(config));
  if (options.ruleGroups) await writeFile(join(dir, 'rules.yaml'), stringify({ groups: options.ruleGroups }));
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let output = '';

  async function start(): Promise<void> {
    if (child) return;
    output = '';
    child = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        // Resend firing alerts every second, so Alertmanager hears of them without the 1 min default.
        '--rules.alert.resend-delay=1s',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const started = child;
    const exited = new Promise<never>((_, reject) =>
      started.once('exit', (code) => {
        if (child === started) child = undefined;
        reject(new Error(`prometheus exited with ${code}:\n${output}`));
      }),
    );
    exited.catch(() => {});
    const ready = waitFor(
      // A process that exited stops the polling; the race then reports the exit.
      async () => child !== started || (await fetch(`${url}/-/ready`)).ok,
      { timeoutMs: 60_000, what: 'prometheus ready' },
    );
    await Promise.race([ready, exited]);
  }

  async function api(path: string): Promise<unknown> {
    const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5000) });
    const body = (await res.json()) as { status: string; data: unknown; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error}`);
    return body.data;
  }

  await start();
  async function stop(): Promise<void> {
    const running = child;
    child = undefined;
    if (running) await stopChild(running);
  }
  return {
    url,
    port,
    dir,
    get running() {
      return child !== undefined;
    },
    async query(expr) {
      const data = (await api(`/api/v1/query?query=${encodeURIComponent(expr)}`)) as {
        result: { value: [number, string] }[];
      };
      return data.result.map((r) => Number(r.value[1]));
    },
    async alerts() {
      const data = (await api('/api/v1/alerts')) as {
        alerts: { labels: { alertname: string }; state: string }[];
      };
      return data.alerts.map((a) => ({ name: a.labels.alertname, state: a.state }));
    },
    stop,
    start,
    async remove() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Polls `check` until it returns true (errors count as "not yet"), or throws after `timeoutMs`
 * with the last error. The monitoring-chain tests wait on real programs with it, never a fixed sleep.
 */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  options: { readonly timeoutMs?: number; readonly intervalMs?: number; readonly what: string },
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
      last = undefined;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const why = last instanceof Error ? `: ${last.message}` : '';
      throw new Error(`timed out waiting for ${options.what}${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 200));
  }
}
