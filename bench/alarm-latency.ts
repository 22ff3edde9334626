/**
 * Alarm-to-provision-call latency on the local runtime: time from posting an Alertmanager
 * webhook to the provider's create call for the burst it causes, over 1,000 distinct alarms;
 * then a duplicate storm (one alert group delivered 1,000 times, 50 at a time).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startLocalRuntime } from '../functions/local/runtime.ts';
import { loadConfig } from '../shared/config/load-config.ts';
import type { ClusterSpec, ProviderDriver } from '../shared/drivers/provider/provider.ts';
import { SimulatedProvider } from '../shared/drivers/provider/simulated.ts';
import { SimulatedProviderOptionsSchema } from '../shared/drivers/provider/simulated-options.ts';
import { createLogger } from '../shared/runtime/logger.ts';
import { loadEvent } from '../test/support/events.ts';

const ALARMS = 1000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Run the benchmark and print its figures. */
export async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cb-bench-'));
  const created = new Map<string, number>();
  const simulated = new SimulatedProvider(
    'simulated',
    SimulatedProviderOptionsSchema.parse({ readyAfterMs: 3_600_000 }),
  );
  const provider: ProviderDriver = {
    name: 'simulated',
    create: (spec: ClusterSpec) => {
      if (!created.has(spec.burstId)) created.set(spec.burstId, performance.now());
      return simulated.create(spec);
    },
    describe: (name) => simulated.describe(name),
    delete: (name, owner) => simulated.delete(name, owner),
    credentials: (name) => simulated.credentials(name),
    resize: (name, nodes) => simulated.resize(name, nodes),
    list: (owner) => simulated.list(owner),
  };
  const config = loadConfig({
    value: {
      stateDir: dir,
      store: { path: join(dir, 'state.db') },
      server: { port: 0 },
      logLevel: 'ERROR',
      policy: { maxClusters: 100_000, hourlyBudget: 1e9 },
      providers: [
        {
          name: 'simulated',
          driver: 'simulated',
          regions: ['local'],
          pricePerNodeHour: 0.1,
          maxClusters: 100_000,
        },
      ],
      schedules: { scaleDown: '0 0 0 1 1 *', health: '0 0 0 1 1 *', reconcile: '0 0 0 1 1 *' },
    },
  });
  const rt = await startLocalRuntime(config, {
    logger: createLogger('ERROR'),
    overrides: { providers: new Map([['simulated', provider]]) },
  });
  const base = loadEvent('alertmanager', 'firing') as Record<string, unknown>;
  const post = (body: unknown) =>
    fetch(`${rt.url}/alerts/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then(async (r) => (await r.json()) as { decision: string; burstId?: string });

  const latencies: number[] = [];
  for (let i = 0; i < ALARMS; i++) {
    const sent = performance.now();
    const answer = await post({ ...base, groupKey: `{}/{severity="page"}:{alertname="Bench${i}"}` });
    if (!answer.burstId) throw new Error(`alarm ${i}: ${JSON.stringify(answer)}`);
    const deadline = Date.now() + 5000;
    while (!created.has(answer.burstId) && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    latencies.push(created.get(answer.burstId)! - sent);
  }
  latencies.sort((a, b) => a - b);
  console.log(
    `alarm-to-provision-call latency over ${ALARMS} alarms: p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms (target p99 < 50 ms)`,
  );

  const storm = { ...base, groupKey: '{}/{severity="page"}:{alertname="Storm"}' };
  const answers: string[] = [];
  for (let wave = 0; wave < 20; wave++) {
    const batch = await Promise.all(Array.from({ length: 50 }, () => post(storm)));
    answers.push(...batch.map((a) => a.decision));
  }
  const bursts = answers.filter((d) => d === 'burst').length;
  console.log(
    `duplicate storm: ${answers.length} deliveries of one alert group -> ${bursts} burst, ${answers.filter((d) => d === 'duplicate').length} answered duplicate`,
  );
  await rt.stop();
  await simulated.close();
  rmSync(dir, { recursive: true, force: true });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
