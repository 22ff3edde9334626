/**
 * `clusterburst simulate` on the team's traces (../shared/traces, or the folder given as the
 * first argument): the default policy and a sweep of the scale-down window for each trace, as
 * the markdown tables of docs/simulate.md, with the simulator's speed (steps per second) beside
 * the oracle's share of the time. Settings per trace are below: the load home serves and one
 * burst node serves, in each trace's unit.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigSchema } from '../shared/config/config-schema.ts';
import { type Figures, simulate } from '../shared/simulate/simulate.ts';
import { parseTrace, type TraceOptions } from '../shared/simulate/trace.ts';

/** Each trace with the settings docs/simulate.md uses. */
export const TRACES: readonly {
  file: string;
  options: TraceOptions;
  homeCapacity: number;
  loadPerNode: number;
}[] = [
  { file: 'alibaba-genai-qps.csv', options: {}, homeCapacity: 3, loadPerNode: 0.5 },
  { file: 'twitter-per-minute.csv', options: {}, homeCapacity: 4000, loadPerNode: 250 },
  { file: 'azure-llm-code.csv', options: { countRows: true }, homeCapacity: 200, loadPerNode: 50 },
];

const WINDOWS = [300, 600, 1200, 1800];

function row(label: string, f: Figures): string {
  return `| ${label} | ${f.cost.toFixed(2)} | ${f.oracle.cost.toFixed(2)} | ${f.costRatioToOracle ?? 'n/a'} | ${f.nodeHours.toFixed(1)} | ${f.oracle.nodeHours.toFixed(1)} | ${f.unservedMinutes} | ${f.unservedMinutesBeyondLatency} | ${f.clustersCreated} | ${f.resizes} | ${f.drainsCancelled} | ${f.flaps} |`;
}

/** Print the tables; `dir` holds the traces. */
export async function main(dir = resolve(import.meta.dirname, '../../shared/traces')): Promise<void> {
  if (!existsSync(dir)) {
    console.log(`no traces at ${dir}: skipped`);
    return;
  }
  console.log(
    '| run | cost | oracle cost | ratio | node-hours | oracle node-hours | unserved min | beyond latency | clusters | resizes | drains cancelled | flaps |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const t of TRACES) {
    const trace = parseTrace(readFileSync(join(dir, t.file), 'utf8'), t.file, t.options);
    for (const window of [undefined, ...WINDOWS]) {
      const config = ConfigSchema.parse({
        ...(window !== undefined && { policy: { scaleDownWindowSeconds: window } }),
        simulation: { homeCapacity: t.homeCapacity, loadPerNode: t.loadPerNode },
      });
      const started = performance.now();
      const { figures } = simulate({
        trace,
        policy: config.policy,
        offers: config.providers,
        settings: { ...config.simulation, homeCapacity: t.homeCapacity, loadPerNode: t.loadPerNode },
      });
      const seconds = (performance.now() - started) / 1000;
      const label = window === undefined ? `${t.file} default` : `window ${window}s`;
      console.log(`${row(label, figures)} <!-- ${Math.round(trace.load.length / seconds)} steps/s -->`);
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main(process.argv[2]);
