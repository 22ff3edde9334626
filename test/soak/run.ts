import { Command } from 'commander';
import { z } from 'zod';
import { FAULT_KINDS, type FaultKind } from './faults.ts';
import { formatReport, soak } from './soak.ts';

// `npm run soak`: randomized fault soak of the whole lifecycle (see test/soak/README.md).

const kinds = z
  .string()
  .transform((s) => s.split(',').map((k) => k.trim()).filter(Boolean))
  .pipe(z.array(z.enum(FAULT_KINDS)));

const OptionsSchema = z.strictObject({
  seed: z.coerce.number().int().min(0).max(2 ** 31 - 1),
  runs: z.coerce.number().int().min(1).max(1_000_000),
  lifecycles: z.coerce.number().int().min(1).max(10_000_000).optional(),
  only: kinds.optional(),
  without: kinds.default([]),
  shrink: z.boolean(),
  shrinkBudget: z.coerce.number().int().min(1).max(100_000),
  path: z.string().regex(/^\d+(:\d+)*$/, 'must be a fast-check path like 12:0:3').optional(),
});

const program = new Command('soak')
  .description('Randomized fault soak: lifecycles under crashes, driver errors and redeliveries; then checks invariants')
  .option('--seed <n>', 'seed of the run (printed with every failure)', String(Date.now() % 2 ** 31))
  .option('--runs <n>', 'most scenarios to play', '100000')
  .option('--lifecycles <n>', 'stop once this many bursts were admitted')
  .option('--only <kinds>', `comma-separated fault kinds to enable (default: all of ${FAULT_KINDS.join(',')})`)
  .option('--without <kinds>', 'comma-separated fault kinds to disable', '')
  .option('--no-shrink', 'do not shrink failures to their shortest trace')
  .option('--shrink-budget <n>', 'runs tried while shrinking one failure', '1500')
  .option('--path <path>', 'replay one run of --seed (printed with a failure)')
  .showHelpAfterError();
program.parse();

const parsed = OptionsSchema.safeParse(program.opts());
if (!parsed.success) {
  for (const issue of parsed.error.issues) console.error(`soak: --${issue.path.join('.')}: ${issue.message}`);
  process.exit(2);
}
const o = parsed.data;
const enabled = new Set<FaultKind>((o.only ?? [...FAULT_KINDS]).filter((k) => !o.without.includes(k)));
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
  ...(o.path && { path: o.path }),
});
console.log(formatReport(report, 'npm run soak --'));
console.log(`took ${((Date.now() - started) / 1000).toFixed(1)}s`);
const broken = Object.values(report.counts).some((n) => n > 0);
process.exit(broken ? 1 : 0);
