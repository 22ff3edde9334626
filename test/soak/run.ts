import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { runScenario } from './check.ts';
import { FAULT_KINDS, type FaultKind } from './faults.ts';
import { describeCommand, type Scenario, ScenarioSchema } from './scenario.ts';
import { formatReport, soak } from './soak.ts';

// `npm run soak`: randomized fault soak of the whole lifecycle (see test/soak/README.md).

const kinds = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.enum(FAULT_KINDS)));

const OptionsSchema = z.strictObject({
  seed: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1),
  runs: z.coerce.number().int().min(1).max(1_000_000),
  lifecycles: z.coerce.number().int().min(1).max(10_000_000).optional(),
  only: kinds.optional(),
  without: kinds.default([]),
  shrink: z.boolean(),
  shrinkBudget: z.coerce.number().int().min(1).max(100_000),
  maxTraces: z.coerce.number().int().min(0).max(100),
  path: z
    .string()
    .regex(/^\d+(:\d+)*$/, 'must be a fast-check path like 12:0:3')
    .optional(),
  trace: z.string().min(1).optional(),
});

const program = new Command('soak')
  .description(
    'Randomized fault soak: lifecycles under crashes, driver errors and redeliveries; then checks invariants',
  )
  .option('--seed <n>', 'seed of the run (printed with every failure)', String(Date.now() % 2 ** 31))
  .option('--runs <n>', 'most scenarios to play', '100000')
  .option('--lifecycles <n>', 'stop once this many bursts were admitted')
  .option(
    '--only <kinds>',
    `comma-separated fault kinds to enable (default: all of ${FAULT_KINDS.join(',')})`,
  )
  .option('--without <kinds>', 'comma-separated fault kinds to disable', '')
  .option('--no-shrink', 'do not shrink failures to their shortest trace')
  .option('--shrink-budget <n>', 'runs tried while shrinking one failure', '1500')
  .option('--max-traces <n>', 'most failures shrunk, one per invariant and kind of breakage', '8')
  .option('--path <path>', 'replay one run of --seed (printed with a failure)')
  .option(
    '--trace <file>',
    'replay a saved trace (JSON, written with every failure) and print what it breaks',
  )
  .showHelpAfterError();
program.parse();

const parsed = OptionsSchema.safeParse(program.opts());
if (!parsed.success) {
  for (const issue of parsed.error.issues) console.error(`soak: --${issue.path.join('.')}: ${issue.message}`);
  process.exit(2);
}
const o = parsed.data;
const enabled = new Set<FaultKind>((o.only ?? [...FAULT_KINDS]).filter((k) => !o.without.includes(k)));
if (o.trace) process.exit(await replay(o.trace));
const started = Date.now();
console.log(
  `soak: seed ${o.seed}, ${o.lifecycles ? `${o.lifecycles} lifecycles` : `${o.runs} runs`}, faults: ${[...enabled].join(',')}`,
);
const report = await soak({
  seed: o.seed,
  runs: o.lifecycles && o.runs === 100000 ? o.lifecycles : o.runs,
  ...(o.lifecycles && { lifecycles: o.lifecycles }),
  enabled,
  shrink: o.shrink,
  shrinkBudget: o.shrinkBudget,
  maxTraces: o.maxTraces,
  ...(o.path && { path: o.path }),
});
console.log(formatReport(report, 'npm run soak --'));
const kindArgs = `${o.only ? ` --only ${o.only.join(',')}` : ''}${o.without.length ? ` --without ${o.without.join(',')}` : ''}`;
for (const f of report.failures) {
  const file = join(tmpdir(), `soak-${f.seed}-${report.failures.indexOf(f) + 1}-${f.invariant}.json`);
  writeFileSync(file, `${JSON.stringify(f.scenario, null, 1)}\n`);
  console.log(`trace of ${f.invariant} saved: npm run soak -- --trace ${file}${kindArgs}`);
}
console.log(`took ${((Date.now() - started) / 1000).toFixed(1)}s`);
const broken = Object.values(report.counts).some((n) => n > 0);
process.exit(broken ? 1 : 0);

/** Replay one saved trace with the enabled faults; 1 when it breaks an invariant. */
async function replay(file: string): Promise<number> {
  let scenario: Scenario;
  try {
    const parsed = ScenarioSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        console.error(`soak: ${file}: ${issue.path.join('.')}: ${issue.message}`);
      return 2;
    }
    scenario = parsed.data as Scenario;
  } catch (error) {
    console.error(`soak: cannot read trace ${file}: ${(error as Error).message}`);
    return 2;
  }
  const result = await runScenario(scenario, enabled);
  for (const [n, c] of scenario.commands.entries())
    console.log(`${String(n + 1).padStart(4)}. ${describeCommand(c)}`);
  console.log(`lifecycles ${result.lifecycles}; ${result.violations.length} violation(s)`);
  for (const v of result.violations) console.log(`  ${v.kind}: ${v.detail}`);
  return result.violations.length ? 1 : 0;
}
