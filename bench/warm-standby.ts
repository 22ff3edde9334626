/**
 * Alarm-to-Active with and without a warm standby cluster (issue 12 item 5), on the local
 * runtime with the simulated provider on a scaled clock: 1 ms of real time stands for 25 ms,
 * so the provider's create takes 10 min (24 s real) and a node pool resize 2 min (4.8 s real),
 * about what REFERENCE.md gives for EKS. Providers send no "done" event, so the health poll
 * (every second: 0.4 min scaled) adds up to one interval to either figure. Same run: the cold baseline creates a cluster for the alarm;
 * the warm run takes the standby cluster and resizes it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startLocalRuntime } from '../functions/local/runtime.ts';
import { loadConfig } from '../shared/config/load-config.ts';
import { createLogger } from '../shared/runtime/logger.ts';
import { loadEvent } from '../test/support/events.ts';

/** Real milliseconds per simulated minute. */
const MS_PER_MIN = 2400;
const CREATE_MIN = 10;
const RESIZE_MIN = 2;
const RUNS = 2;

async function alarmToActive(warmClusters: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'cb-bench-warm-'));
  const config = loadConfig({
    value: {
      stateDir: dir,
      store: { path: join(dir, 'state.db') },
      server: { port: 0 },
      logLevel: 'ERROR',
      policy: { warmClusters, warmNodes: 1, maxNodesPerCluster: 10 },
      providers: [
        {
          name: 'simulated',
          driver: 'simulated',
          regions: ['local'],
          pricePerNodeHour: 0.1,
          options: { readyAfterMs: CREATE_MIN * MS_PER_MIN, resizeAfterMs: RESIZE_MIN * MS_PER_MIN },
        },
      ],
      schedules: { scaleDown: '0 0 0 1 1 *', health: '* * * * * *', reconcile: '0 0 0 1 1 *' },
    },
  });
  const rt = await startLocalRuntime(config, { logger: createLogger('ERROR') });
  const call = async (method: string, path: string, body?: unknown) =>
    (await (
      await fetch(new URL(path, rt.url), {
        method,
        headers: body ? { 'content-type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
      })
    ).json()) as Record<string, unknown>;
  const phaseOf = async (id: string) => (await call('GET', `/bursts/${id}`)).phase;
  try {
    if (warmClusters > 0) {
      await call('POST', '/schedule/reconcile');
      const deadline = Date.now() + 60_000;
      for (;;) {
        const records = await rt.deps.store.list({ live: true });
        if (records.some((r) => r.warm && r.phase === 'Joined')) break;
        if (Date.now() > deadline) throw new Error('warm cluster never joined');
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const alert = structuredClone(loadEvent('alertmanager', 'firing')) as Record<
      string,
      Record<string, string>
    >;
    alert.commonAnnotations = { ...alert.commonAnnotations, clusterburst_nodes: '4' };
    const sent = performance.now();
    const answer = await call('POST', '/alerts/alertmanager', alert);
    const id = answer.burstId as string;
    while ((await phaseOf(id)) !== 'Active') {
      if (performance.now() - sent > 60_000) throw new Error(`burst ${id} never became Active`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return performance.now() - sent;
  } finally {
    await rt.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const minutes = (ms: number) => (ms / MS_PER_MIN).toFixed(1);

/** Run the benchmark and print its figures. */
export async function main(): Promise<void> {
  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    cold.push(await alarmToActive(0));
    warm.push(await alarmToActive(1));
  }
  console.log(
    `provider latencies (scaled 1 ms = 25 ms): create ${CREATE_MIN} min, resize ${RESIZE_MIN} min; health poll 1 s (${minutes(1000)} min)`,
  );
  console.log(
    `alarm-to-Active, median of ${RUNS}: warm standby ${minutes(median(warm))} min (${median(warm).toFixed(0)} ms real) vs baseline without ${minutes(median(cold))} min (${median(cold).toFixed(0)} ms real)`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
