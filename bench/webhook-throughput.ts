/**
 * Webhook throughput: requests/s of the local runtime's `POST /alerts/alertmanager` (bearer
 * auth, schema validation, normalisation, the admission transaction on SQLite) against a bare
 * node:http server that reads the body and answers 202, on the same machine in the same run.
 * After the first delivery every request repeats it, so the figure is the path of a duplicate
 * (what an HA pair and retries send), not provisioning: the burst is left to become Active
 * first, so the lifecycle's own work (driver loading, provisioning steps) is not measured.
 * Prints both rates and their ratio.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startLocalRuntime } from '../functions/local/runtime.ts';
import { loadConfig } from '../shared/config/load-config.ts';
import { createLogger } from '../shared/runtime/logger.ts';
import { loadEvent } from '../test/support/events.ts';

/** Options of the benchmark. */
export interface ThroughputOptions {
  /** Seconds measured per target (after a 1 s warm-up), in 1 s slices taken in turns. @default 10 */
  readonly seconds?: number;
  /** Concurrent connections. @default 10 */
  readonly connections?: number;
}

/** One target's figures. */
interface Rate {
  readonly requestsPerSecond: number;
  readonly total: number;
  readonly failed: number;
  readonly p99Ms: number;
}
type Measure = (url: string, headers: Record<string, string>, body: string, seconds: number) => Promise<Rate>;

/** Run the benchmark, print its figures, and return them. */
export async function main(
  options: ThroughputOptions = {},
): Promise<{ runtime: Rate; bare: Rate; ratio: number }> {
  const seconds = options.seconds ?? 10;
  const connections = options.connections ?? 10;
  const dir = mkdtempSync(join(tmpdir(), 'cb-bench-webhook-'));
  const token = randomBytes(24).toString('hex');
  const runtime = await startLocalRuntime(
    loadConfig({
      value: {
        stateDir: dir,
        store: { path: join(dir, 'state.db') },
        server: { port: 0, auth: { bearerToken: token } },
        logLevel: 'ERROR',
        schedules: { scaleDown: '0 0 0 1 1 *', health: '* * * * * *', reconcile: '0 0 0 1 1 *' },
      },
    }),
    { logger: createLogger('ERROR') },
  );
  const bare = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"decision":"duplicate"}');
    });
  });
  bare.listen(0, '127.0.0.1');
  await once(bare, 'listening');
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/alerts/alertmanager`;
  try {
    const body = JSON.stringify(loadEvent('alertmanager', 'firing'));
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const url = `${runtime.url}/alerts/alertmanager`;
    const first = await fetch(url, { method: 'POST', headers, body });
    const { decision, burstId } = (await first.json()) as { decision: string; burstId: string };
    if (first.status !== 202 || decision !== 'burst')
      throw new Error(`first delivery: ${first.status} ${decision}`);
    await settled(runtime, burstId);

    const measure = await pickMeasure(connections);
    await measure(url, headers, body, 1);
    await measure(bareUrl, headers, body, 1);
    // One-second slices, taking turns: a shared machine's load drifts over seconds, and two
    // back-to-back runs of several seconds each would compare different loads.
    const slices: { rt: Rate[]; bare: Rate[] } = { rt: [], bare: [] };
    for (let i = 0; i < seconds; i++) {
      slices.rt.push(await measure(url, headers, body, 1));
      slices.bare.push(await measure(bareUrl, headers, body, 1));
    }
    const rt = combine(slices.rt);
    const bt = combine(slices.bare);
    const ratio = rt.requestsPerSecond / bt.requestsPerSecond;
    const line = (name: string, r: Rate) =>
      `${name.padEnd(34)} ${r.requestsPerSecond.toFixed(0).padStart(7)} req/s  p99 ${r.p99Ms.toFixed(1).padStart(6)} ms  (${r.total} requests, ${r.failed} not 2xx)`;
    console.log(
      `webhook throughput, ${connections} connections, ${seconds} s each in 1 s slices taken in turns, duplicate deliveries`,
    );
    console.log(line('local runtime /alerts/alertmanager', rt));
    console.log(line('bare node:http answering 202', bt));
    console.log(`ratio runtime / bare: ${ratio.toFixed(3)} (${(100 * ratio).toFixed(1)} %)`);
    if (rt.failed > 0) throw new Error(`${rt.failed} webhook requests were not answered 2xx`);
    return { runtime: rt, bare: bt, ratio };
  } finally {
    bare.closeAllConnections();
    await new Promise((resolve) => bare.close(resolve));
    await runtime.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Slices of one target added up; p99 is the worst slice's. */
function combine(slices: readonly Rate[]): Rate {
  const total = slices.reduce((n, r) => n + r.total, 0);
  return {
    requestsPerSecond: slices.reduce((n, r) => n + r.requestsPerSecond, 0) / slices.length,
    total,
    failed: slices.reduce((n, r) => n + r.failed, 0),
    p99Ms: Math.max(...slices.map((r) => r.p99Ms)),
  };
}

/** Wait until the burst is Active (the simulated provider's lifecycle takes a few seconds). */
async function settled(
  runtime: { deps: { store: { get(id: string): Promise<{ phase: string } | undefined> } } },
  id: string,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const phase = (await runtime.deps.store.get(id))?.phase;
    if (phase === 'Active') return;
    if (Date.now() > deadline) throw new Error(`burst ${id} did not become Active (${phase})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** autocannon when it is installed, else a bounded loop of `connections` concurrent fetches. */
async function pickMeasure(connections: number): Promise<Measure> {
  try {
    const { default: autocannon } = await import('autocannon');
    return async (url, headers, body, seconds) => {
      const result = await autocannon({ url, method: 'POST', headers, body, connections, duration: seconds });
      return {
        requestsPerSecond: result.requests.total / result.duration,
        total: result.requests.total,
        failed: result.non2xx + result.errors + result.timeouts,
        p99Ms: result.latency.p99,
      };
    };
  } catch {
    return (url, headers, body, seconds) => loop(url, headers, body, seconds, connections);
  }
}

async function loop(
  url: string,
  headers: Record<string, string>,
  body: string,
  seconds: number,
  connections: number,
): Promise<Rate> {
  const end = performance.now() + seconds * 1000;
  const latencies: number[] = [];
  let failed = 0;
  const worker = async () => {
    while (performance.now() < end) {
      const sent = performance.now();
      const res = await fetch(url, { method: 'POST', headers, body }).catch(() => undefined);
      await res?.arrayBuffer();
      if (!res?.ok) failed++;
      latencies.push(performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  latencies.sort((a, b) => a - b);
  return {
    requestsPerSecond: latencies.length / seconds,
    total: latencies.length,
    failed,
    p99Ms: latencies[Math.max(0, Math.ceil(0.99 * latencies.length) - 1)] ?? 0,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
