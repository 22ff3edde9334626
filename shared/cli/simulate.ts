/**
 * `clusterburst simulate`: read a trace and a configuration (with `--set` overrides), replay the
 * trace through the production policy, print the figures (a table, or one JSON object), and
 * optionally plot the run or a sweep of one setting. Runs offline; contacts nothing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { type Config, ConfigSchema } from '../config/config-schema.ts';
import { ValidationError } from '../errors.ts';
import { dataTransferOf } from '../runtime/data-transfer.ts';
import { parseInput } from '../schemas/parse.ts';
import { runSpec, type SweepPoint, sweepSpec, toPng, toSvg } from '../simulate/plot.ts';
import { type Figures, type SimulationResult, simulate } from '../simulate/simulate.ts';
import { parseTrace, type Trace } from '../simulate/trace.ts';
import { UsageError } from './usage-error.ts';

/** The command's options, as commander parsed them. */
export interface SimulateOptions {
  readonly trace: string;
  readonly config?: string;
  readonly set: readonly string[];
  readonly json?: boolean;
  readonly plot?: string;
  readonly sweep?: string;
  readonly timeColumn?: string;
  readonly loadColumn?: string;
  readonly countRows?: boolean;
  readonly step?: number;
}

/** Where the command writes. */
export interface SimulateIo {
  out(text: string): void;
  err(text: string): void;
  readonly tty?: boolean;
}

/** Parse `a.b.c=value` (value read as YAML: numbers, booleans, `{min: 1, max: 2}`). */
function assignment(text: string, flag: string): { path: string[]; value: string } {
  const eq = text.indexOf('=');
  const path = text.slice(0, eq).split('.');
  if (eq <= 0 || path.some((p) => p === ''))
    throw new UsageError(`${flag} ${text}: expected key=value, e.g. simulation.homeCapacity=5000`);
  return { path, value: text.slice(eq + 1) };
}

function yamlValue(text: string, flag: string): unknown {
  try {
    return parseYaml(text);
  } catch (error) {
    throw new UsageError(`${flag}: cannot read value "${text}": ${(error as Error).message.split('\n')[0]}`);
  }
}

/** A copy of `raw` with `value` at `path` (objects and arrays created on the way). */
function setPath(raw: unknown, path: readonly string[], value: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  const base: Record<string, unknown> | unknown[] =
    raw && typeof raw === 'object' ? (Array.isArray(raw) ? [...raw] : { ...raw }) : {};
  const current = (base as Record<string, unknown>)[head];
  (base as Record<string, unknown>)[head] = setPath(current, rest, value);
  return base;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${path}: ${(error as Error).message}`);
  }
}

/** The configuration file as written (none: embedded defaults), then each `--set`. */
function rawConfig(opts: SimulateOptions, env: NodeJS.ProcessEnv, defaultPath?: string) {
  const path = opts.config ?? env.CLUSTERBURST_CONFIG ?? defaultPath;
  let raw: unknown = {};
  if (path !== undefined) {
    try {
      raw = parseYaml(readText(path, 'configuration')) ?? {};
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`invalid configuration ${path}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  for (const s of opts.set) {
    const { path: key, value } = assignment(s, '--set');
    raw = setPath(raw, key, yamlValue(value, `--set ${s}`));
  }
  return { raw, where: path ?? 'embedded defaults' };
}

function validConfig(raw: unknown, where: string): Config {
  try {
    return parseInput(ConfigSchema, raw, `configuration ${where}`);
  } catch (error) {
    if (error instanceof ValidationError) throw new UsageError(error.message);
    throw error;
  }
}

function quantile(sorted: readonly number[], q: number): number {
  return Math.round(sorted[Math.floor(q * (sorted.length - 1))]! * 100) / 100;
}

/** One run; progress every second on a terminal. */
function run(config: Config, trace: Trace, io: SimulateIo, label: string): SimulationResult {
  const { homeCapacity, loadPerNode } = config.simulation;
  if (homeCapacity === undefined || loadPerNode === undefined) {
    const sorted = [...trace.load].sort((a, b) => a - b);
    const field = homeCapacity === undefined ? 'homeCapacity' : 'loadPerNode';
    throw new UsageError(
      `simulation.${field} is not set: the load ${field === 'homeCapacity' ? 'the home clusters serve' : 'one burst node serves'}, in the trace's unit per ${trace.stepSeconds}s step (this trace: median ${quantile(sorted, 0.5)}, 90th percentile ${quantile(sorted, 0.9)}, max ${quantile(sorted, 1)}); set it in the configuration or with --set simulation.${field}=...`,
    );
  }
  let shown = Date.now();
  const transfer = dataTransferOf(config);
  return simulate({
    trace,
    policy: config.policy,
    offers: config.providers,
    ...(transfer && { transfer }),
    settings: { ...config.simulation, homeCapacity, loadPerNode },
    onProgress: (done, total) => {
      if (!io.tty || done === total || Date.now() - shown < 1000) return;
      shown = Date.now();
      io.err(`${label}: ${Math.floor((done / total) * 100)}% (${done} of ${total} steps)`);
    },
  });
}

const ROWS: readonly [keyof Figures | 'oracleCost' | 'oracleNodeHours', string][] = [
  ['cost', 'cost'],
  ['oracleCost', 'oracle cost'],
  ['costRatioToOracle', 'cost / oracle'],
  ['nodeHours', 'node-hours'],
  ['oracleNodeHours', 'oracle node-hours'],
  ['clusterHours', 'cluster-hours'],
  ['unservedLoadMinutes', 'unserved load-minutes'],
  ['unservedMinutes', 'unserved minutes'],
  ['unservedMinutesBeyondLatency', 'beyond latency'],
  ['clustersCreated', 'clusters created'],
  ['resizes', 'resizes'],
  ['drainsCancelled', 'drains cancelled'],
  ['flaps', 'flaps'],
];

function cell(f: Figures, key: (typeof ROWS)[number][0]): string {
  if (key === 'oracleCost') return String(f.oracle.cost);
  if (key === 'oracleNodeHours') return String(f.oracle.nodeHours);
  const v = f[key];
  return v === null ? 'n/a' : String(v);
}

/** Columns padded to their widest cell. */
function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  '))
    .join('\n');
}

/** Run `clusterburst simulate` with `opts`. */
export async function runSimulate(
  opts: SimulateOptions,
  io: SimulateIo,
  env: NodeJS.ProcessEnv,
  defaultConfig?: string,
): Promise<void> {
  const format = opts.plot ? extname(opts.plot).toLowerCase() : undefined;
  if (format !== undefined && format !== '.svg' && format !== '.png')
    throw new UsageError(`--plot ${opts.plot}: the file must end in .svg or .png`);
  const { raw, where } = rawConfig(opts, env, defaultConfig);
  const sweep = opts.sweep ? assignment(opts.sweep, '--sweep') : undefined;
  const values = sweep ? sweep.value.split(',').map((v) => v.trim()) : [];
  if (sweep && values.some((v) => v === ''))
    throw new UsageError(`--sweep ${opts.sweep}: expected key=a,b,c with no empty value`);
  const configs = sweep
    ? values.map((v) =>
        validConfig(
          setPath(raw, sweep.path, yamlValue(v, `--sweep ${v}`)),
          `${where} with ${sweep.path.join('.')}=${v}`,
        ),
      )
    : [validConfig(raw, where)];
  let trace: Trace;
  try {
    trace = parseTrace(readText(opts.trace, 'trace'), opts.trace, {
      ...(opts.timeColumn && { timeColumn: opts.timeColumn }),
      ...(opts.loadColumn && { loadColumn: opts.loadColumn }),
      ...(opts.countRows && { countRows: true }),
      ...(opts.step && { stepSeconds: opts.step }),
    });
  } catch (error) {
    if (error instanceof ValidationError) throw new UsageError(error.message);
    throw error;
  }
  const name = basename(opts.trace);
  if (!sweep) {
    const result = run(configs[0]!, trace, io, name);
    if (opts.json) io.out(JSON.stringify(result.figures, null, 2));
    else
      io.out(
        [
          `${name}: ${trace.load.length} steps of ${trace.stepSeconds}s, ${trace.loadColumn} by ${trace.timeColumn}; policy: ${result.figures.policyFunctions}`,
          table([['figure', 'value'], ...ROWS.map(([k, label]) => [label, cell(result.figures, k)])]),
        ].join('\n'),
      );
    if (opts.plot) await writePlot(opts.plot, await toSvg(runSpec({ title: name, ...result })));
    return;
  }
  const key = sweep.path.join('.');
  const runs: SweepPoint[] = configs.map((config, i) => ({
    value: values[i]!,
    figures: run(config, trace, io, `${name} ${key}=${values[i]}`).figures,
  }));
  if (opts.json)
    io.out(
      JSON.stringify({ sweep: key, runs: runs.map((r) => ({ value: r.value, ...r.figures })) }, null, 2),
    );
  else
    io.out(
      [
        `${name}: ${trace.load.length} steps of ${trace.stepSeconds}s; sweep of ${key}`,
        table([
          [key, ...runs.map((r) => r.value)],
          ...ROWS.map(([k, label]) => [label, ...runs.map((r) => cell(r.figures, k))]),
        ]),
      ].join('\n'),
    );
  if (opts.plot) await writePlot(opts.plot, await toSvg(sweepSpec(name, key, runs)));
}

async function writePlot(path: string, svg: string): Promise<void> {
  try {
    writeFileSync(path, path.toLowerCase().endsWith('.png') ? toPng(svg) : svg);
  } catch (error) {
    throw new UsageError(`cannot write plot ${path}: ${(error as Error).message}`);
  }
}
