/**
 * Adding and removing a backend server under load, three ways, on the same HAProxy 2.6 in the
 * same run: the runtime API alone, the haproxy driver (runtime API plus the config line that
 * survives reloads), and rewriting the config and reloading (master-worker, SIGUSR2).
 * For each: time until the change is applied, time until the new server answers its first
 * request, and requests that failed while the change happened (a paced load of kept-alive and
 * new connections runs throughout, in its own process).
 */
import { pathToFileURL } from 'node:url';
import { HaproxyGateway } from '../shared/drivers/gateway/haproxy.ts';
import { HaproxyConfigFiles } from '../shared/drivers/gateway/haproxy-config.ts';
import { HaproxyGatewayOptionsSchema } from '../shared/drivers/gateway/haproxy-options.ts';
import { waitForDrain } from '../shared/drivers/gateway/wait-for-drain.ts';
import { type HaproxyInstance, startHaproxy } from '../test/support/haproxy.ts';
import { type NamedHttpServer, startNamedHttpServer } from '../test/support/haproxy-backends.ts';
import { clock, type LoadReport, type RemoteLoad, startLoadProcess } from '../test/support/haproxy-load.ts';

const ROUNDS = 5;
const RATE = 300;
/** After each change, failures are still counted for this long (a reload's effects trail it). */
const SETTLE_MS = 1500;

type Method = 'runtime API' | 'driver (runtime + config line)' | 'config rewrite + reload';

interface Round {
  readonly addMs: number;
  readonly firstRequestMs: number;
  readonly removeMs: number;
  readonly failed: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = clock() + timeoutMs;
  while (!condition()) {
    if (clock() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const failuresBetween = (report: LoadReport, from: number, to: number) =>
  report.failures.filter((f) => f.at >= from && f.at <= to).length;

/** One add-then-remove of a fresh server by `method`; failures counted from start to settle. */
async function round(hx: HaproxyInstance, load: RemoteLoad, method: Method, n: number): Promise<Round> {
  const burst: NamedHttpServer = await startNamedHttpServer(`bench-${n}`);
  const id = `0b${String(n).padStart(10, '0')}`;
  const ref = { backend: hx.httpBackend, server: `cb-${id}`, burstId: `b-${id}` };
  const spec = { ...ref, address: burst.address, port: burst.port };
  const check = { interMs: 500, rise: 1, fall: 3 };
  const gw =
    method === 'runtime API'
      ? new HaproxyGateway(HaproxyGatewayOptionsSchema.parse({ runtime: hx.socketPath, check }))
      : new HaproxyGateway(
          HaproxyGatewayOptionsSchema.parse({ runtime: hx.socketPath, configPath: hx.configDir, check }),
        );
  const files = new HaproxyConfigFiles(hx.configDir);
  try {
    const started = clock();
    if (method === 'config rewrite + reload') {
      await files.put({ ...spec, state: 'ready', check: 'check inter 500 rise 1 fall 3' });
      await hx.reload();
    } else {
      await gw.add(spec);
      await gw.enable(ref);
    }
    const addMs = clock() - started;
    await until(() => burst.firstServedAt !== undefined);
    const firstRequestMs = (burst.firstServedAt ?? Number.NaN) - started;
    await new Promise((resolve) => setTimeout(resolve, 500));

    const removing = clock();
    if (method === 'config rewrite + reload') {
      await files.delete(ref.backend, ref.server);
      await hx.reload();
    } else {
      await gw.drain(ref);
      const drain = await waitForDrain({
        connections: () => gw.connections(ref),
        timeoutMs: 10_000,
        pollMs: 20,
      });
      await gw.remove(ref, { force: !drain.drained });
    }
    const removeMs = clock() - removing;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const failed = failuresBetween(await load.report(), started, clock());
    return { addMs, firstRequestMs, removeMs, failed };
  } finally {
    await burst.stop();
  }
}

/** Runs the benchmark and prints its figures. */
export async function main(): Promise<void> {
  const hx = await startHaproxy({ checkInterMs: 500 });
  const load = await startLoadProcess({ url: `http://127.0.0.1:${hx.httpPort}/`, ratePerSecond: RATE });
  const methods: Method[] = ['runtime API', 'driver (runtime + config line)', 'config rewrite + reload'];
  const results = new Map<Method, Round[]>(methods.map((m) => [m, []]));
  try {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    let n = 0;
    // Interleaved, so a slow patch of the machine hits every method alike.
    for (let r = 0; r < ROUNDS; r++) {
      for (const method of methods) results.get(method)?.push(await round(hx, load, method, n++));
    }
    const report = await load.stop();
    console.log(
      `HAProxy 2.6, ${ROUNDS} add+remove rounds per method, under ${report.achievedRps.toFixed(0)} requests/s ` +
        `(${report.requests} requests, half on new connections); medians:`,
    );
    for (const method of methods) {
      const rounds = results.get(method) ?? [];
      const failed = rounds.reduce((sum, x) => sum + x.failed, 0);
      console.log(
        `  ${method.padEnd(32)} add ${median(rounds.map((x) => x.addMs))
          .toFixed(1)
          .padStart(7)} ms` +
          `  first request ${median(rounds.map((x) => x.firstRequestMs))
            .toFixed(1)
            .padStart(7)} ms` +
          `  remove ${median(rounds.map((x) => x.removeMs))
            .toFixed(1)
            .padStart(7)} ms` +
          `  failed requests ${failed} (${rounds.map((x) => x.failed).join('/')})`,
      );
    }
    const failures = new Map<string, number>();
    for (const f of report.failures) failures.set(f.reason, (failures.get(f.reason) ?? 0) + 1);
    if (failures.size) console.log(`  failures by reason: ${JSON.stringify(Object.fromEntries(failures))}`);
  } finally {
    await load.stop().catch(() => undefined);
    await hx.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
