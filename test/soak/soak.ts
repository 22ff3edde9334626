import fc from 'fast-check';
import { runScenario } from './check.ts';
import type { FaultKind } from './faults.ts';
import { describeCommand, type Scenario, scenarioArb } from './scenario.ts';
import { INVARIANTS, type Invariant, type Violation } from './world.ts';

/** How to soak. */
export interface SoakOptions {
  readonly seed: number;
  /** Most runs (generated scenarios) to play. */
  readonly runs: number;
  /** Stop once this many bursts were admitted, if given. */
  readonly lifecycles?: number;
  readonly enabled: ReadonlySet<FaultKind>;
  /** Shrink the first failing run of each invariant to its shortest trace. @default true */
  readonly shrink?: boolean;
  /** Runs tried while shrinking one failure. @default 1500 */
  readonly shrinkBudget?: number;
  /** Play only the run at this fast-check path (from an earlier failure). */
  readonly path?: string;
  /** Most failures shrunk, one per invariant and kind of breakage. @default 8 */
  readonly maxTraces?: number;
}

/** The shortest trace found for one broken invariant. */
export interface Failure {
  readonly invariant: Invariant;
  /** The kind of breakage within the invariant (the phase a burst is stuck in, the resource). */
  readonly sig: string;
  readonly seed: number;
  /** fast-check path of the shrunk run: `--seed <seed> --path <path>` replays it. */
  readonly path: string;
  readonly scenario: Scenario;
  readonly violations: readonly Violation[];
  /** The greedy pass removed more after fast-check: replay with `--trace`, not `--path`. */
  readonly shrunkFurther?: boolean;
}

/** What a soak found. */
export interface SoakReport {
  readonly runs: number;
  readonly lifecycles: number;
  readonly injected: ReadonlyMap<string, number>;
  /** Violations of each invariant, over all runs. */
  readonly counts: Readonly<Record<Invariant, number>>;
  /** Runs that broke each invariant. */
  readonly failingRuns: Readonly<Record<Invariant, number>>;
  readonly failures: readonly Failure[];
}

/** Play randomized lifecycles, count what broke, and shrink one failure per invariant. */
export async function soak(options: SoakOptions): Promise<SoakReport> {
  const injected = new Map<string, number>();
  const counts = Object.fromEntries(INVARIANTS.map((k) => [k, 0])) as Record<Invariant, number>;
  const failingRuns = { ...counts };
  /** First failing run of each invariant and kind of breakage. */
  const firstFailure = new Map<string, { kind: Invariant; sig: string; index: number }>();
  let runs = 0;
  let lifecycles = 0;
  const base = { seed: options.seed, ...(options.path && { path: options.path }) };
  await fc.check(
    fc.asyncProperty(scenarioArb, async (scenario) => {
      if (options.lifecycles !== undefined && lifecycles >= options.lifecycles) return true;
      const index = runs++;
      const result = await runScenario(scenario, options.enabled);
      lifecycles += result.lifecycles;
      for (const [kind, n] of result.injected) injected.set(kind, (injected.get(kind) ?? 0) + n);
      for (const kind of new Set(result.violations.map((v) => v.kind))) failingRuns[kind]++;
      for (const { kind, sig } of result.violations) {
        const key = `${kind}: ${sig}`;
        if (!firstFailure.has(key)) firstFailure.set(key, { kind, sig, index });
      }
      for (const v of result.violations) counts[v.kind]++;
      return true;
    }),
    { ...base, numRuns: options.path ? 1 : options.runs },
  );
  const failures: Failure[] = [];
  if (options.shrink ?? true) {
    for (const { kind, sig, index } of [...firstFailure.values()].slice(0, options.maxTraces ?? 8)) {
      failures.push(await shrink(options, kind, sig, options.path ?? String(index)));
    }
  }
  return { runs, lifecycles, injected, counts, failingRuns, failures };
}

/** Shrink the run at `path` while it still breaks `invariant` (fast-check's shrinking). */
async function shrink(
  options: SoakOptions,
  invariant: Invariant,
  sig: string,
  path: string,
): Promise<Failure> {
  let tries = 0;
  let last: readonly Violation[] = [];
  const budget = options.shrinkBudget ?? 1500;
  const details = await fc.check(
    fc.asyncProperty(scenarioArb, async (scenario) => {
      // Past the budget every candidate "passes": the last failing one stays the answer.
      if (tries++ >= budget) return true;
      const { violations } = await runScenario(scenario, options.enabled, stopOn(invariant, sig));
      const broken = violations.filter((v) => v.kind === invariant && v.sig === sig);
      if (broken.length) last = broken;
      return broken.length === 0;
    }),
    { seed: options.seed, path, numRuns: 1 },
  );
  const found = details.counterexample?.[0] as Scenario | undefined;
  if (!details.failed || !found) {
    return { invariant, sig, seed: options.seed, path, scenario: { ...emptyScenario }, violations: [] };
  }
  // fast-check shrinks by halves and by element; a last greedy pass drops single commands and
  // faults it kept only because its budget ran out.
  let scenario = found;
  let greedy = 0;
  const still = async (candidate: Scenario) => {
    if (greedy++ >= budget) return false;
    const broken = (await runScenario(candidate, options.enabled, stopOn(invariant, sig))).violations.filter(
      (v) => v.kind === invariant && v.sig === sig,
    );
    if (broken.length) last = broken;
    return broken.length > 0;
  };
  // Until nothing more can go: a command kept because a later one needed it may go once that
  // later one is gone.
  for (let before = -1; before !== scenario.commands.length; ) {
    before = scenario.commands.length;
    for (let n = scenario.commands.length - 1; n >= 0; n--) {
      const commands = scenario.commands.filter((_c, m) => m !== n);
      if (await still({ ...scenario, commands })) scenario = { ...scenario, commands };
    }
  }
  for (let n = 0; n < scenario.commands.length; n++) {
    const { fault, ...command } = scenario.commands[n]!;
    if (!fault) continue;
    const commands = scenario.commands.map((c, m) => (m === n ? command : c));
    if (await still({ ...scenario, commands })) scenario = { ...scenario, commands };
  }
  return {
    invariant,
    sig,
    seed: options.seed,
    path: details.counterexamplePath ?? path,
    scenario,
    violations: last,
    shrunkFurther: scenario !== found,
  };
}

/** Invariants broken in flight (no quiescence needed), so a shrinking run can stop early. */
function stopOn(kind: Invariant, sig: string): { kind: Invariant; sig: string } | undefined {
  return kind === 'budget' || kind === 'foreign' || kind === 'exception' ? { kind, sig } : undefined;
}

const emptyScenario: Scenario = {
  maxClusters: 0,
  hourlyBudget: 0,
  readyAfterSeconds: 0,
  deleteAfterSeconds: 0,
  commands: [],
};

/** The counts table and the shortest traces, as the soak prints them. */
export function formatReport(report: SoakReport, command: string): string {
  const lines = [
    `runs                 ${report.runs}`,
    `lifecycles           ${report.lifecycles}`,
    'faults injected by kind:',
    ...[...report.injected.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([kind, n]) => `  ${kind.padEnd(26)} ${n}`),
    `leaks                ${report.counts.leak} (must be 0; in ${report.failingRuns.leak} runs)`,
    `stuck                ${report.counts.stuck} (must be 0; in ${report.failingRuns.stuck} runs)`,
    `budget violations    ${report.counts.budget} (must be 0; in ${report.failingRuns.budget} runs)`,
    `missing resources    ${report.counts.missing} (must be 0; in ${report.failingRuns.missing} runs)`,
    `foreign touches      ${report.counts.foreign} (must be 0; in ${report.failingRuns.foreign} runs)`,
    `exceptions           ${report.counts.exception} (must be 0; in ${report.failingRuns.exception} runs)`,
  ];
  for (const f of report.failures) {
    lines.push(
      '',
      `FAILED ${f.invariant} (${f.sig}): seed ${f.seed}; ${f.shrunkFurther ? 'fast-check shrank it to' : 'replay:'} ${command} --seed ${f.seed} --path ${f.path}${f.shrunkFurther ? ', then a greedy pass to the trace below' : ''}`,
      `  scenario: maxClusters=${f.scenario.maxClusters} hourlyBudget=${f.scenario.hourlyBudget} readyAfter=${f.scenario.readyAfterSeconds}s deleteAfter=${f.scenario.deleteAfterSeconds}s`,
      `  shortest trace found (${f.scenario.commands.length} commands):`,
      ...f.scenario.commands.map((c, n) => `    ${String(n + 1).padStart(3)}. ${describeCommand(c)}`),
      '  broke:',
      ...f.violations.slice(0, 8).map((v) => `    - ${v.detail}`),
    );
  }
  return lines.join('\n');
}
