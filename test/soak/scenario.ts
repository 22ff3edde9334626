import fc from 'fast-check';
import { z } from 'zod';
import { CALL_FAULTS, type PlannedFault } from './faults.ts';

/** One step of a soak run. `inst` picks the installation, `pick` an item modulo what exists. */
export type Command = (
  | { readonly k: 'fire' | 'resolve'; readonly inst: number; readonly group: number }
  | { readonly k: 'manual'; readonly inst: number; readonly ttl: number }
  | { readonly k: 'deliver'; readonly inst: number; readonly pick: number; readonly dup: boolean }
  | { readonly k: 'drop'; readonly inst: number; readonly pick: number }
  | { readonly k: 'health' | 'scaleDown' | 'reconcile'; readonly inst: number }
  | { readonly k: 'delete'; readonly inst: number; readonly pick: number }
  | { readonly k: 'wait'; readonly seconds: number }
  | { readonly k: 'vanish' | 'unreachable' | 'reachable'; readonly pick: number }
  | { readonly k: 'failCluster'; readonly pick: number; readonly quota: boolean }
  | { readonly k: 'connections'; readonly pick: number; readonly count: number }
) & { readonly fault?: PlannedFault };

/** A whole run: the policy, the cloud's timing, and the commands. */
export interface Scenario {
  readonly maxClusters: number;
  readonly hourlyBudget: number;
  readonly readyAfterSeconds: number;
  readonly deleteAfterSeconds: number;
  readonly commands: readonly Command[];
}

const inst = fc.nat(1);
const pick = fc.nat(7);
const fault: fc.Arbitrary<PlannedFault | undefined> = fc.option(
  fc.record({ at: fc.nat(5), kind: fc.constantFrom(...CALL_FAULTS) }),
  { freq: 3, nil: undefined },
);

/** Commands, weighted so most runs carry several bursts through their whole lifecycle. */
const command: fc.Arbitrary<Command> = fc
  .tuple(
    fc.oneof(
      { weight: 6, arbitrary: fc.record({ k: fc.constant('fire' as const), inst, group: fc.nat(4) }) },
      { weight: 3, arbitrary: fc.record({ k: fc.constant('resolve' as const), inst, group: fc.nat(4) }) },
      {
        weight: 1,
        arbitrary: fc.record({
          k: fc.constant('manual' as const),
          inst,
          ttl: fc.constantFrom(120, 600, 3600),
        }),
      },
      {
        weight: 12,
        arbitrary: fc.record({ k: fc.constant('deliver' as const), inst, pick, dup: fc.boolean() }),
      },
      { weight: 1, arbitrary: fc.record({ k: fc.constant('drop' as const), inst, pick }) },
      {
        weight: 5,
        arbitrary: fc.record({
          k: fc.constantFrom('health' as const, 'scaleDown' as const, 'reconcile' as const),
          inst,
        }),
      },
      { weight: 1, arbitrary: fc.record({ k: fc.constant('delete' as const), inst, pick }) },
      {
        weight: 6,
        arbitrary: fc.record({
          k: fc.constant('wait' as const),
          seconds: fc.constantFrom(5, 30, 60, 150, 400),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          k: fc.constantFrom('vanish' as const, 'unreachable' as const, 'reachable' as const),
          pick,
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ k: fc.constant('failCluster' as const), pick, quota: fc.boolean() }),
      },
      { weight: 1, arbitrary: fc.record({ k: fc.constant('connections' as const), pick, count: fc.nat(3) }) },
    ),
    fault,
  )
  .map(([c, f]) => (f ? { ...c, fault: f } : c));

/** A soak run. Shrinking removes commands and faults, so a failure ends as a short trace. */
export const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  maxClusters: fc.integer({ min: 1, max: 4 }),
  hourlyBudget: fc.constantFrom(0.8, 1.2, 5),
  readyAfterSeconds: fc.constantFrom(0, 30, 120),
  deleteAfterSeconds: fc.constantFrom(0, 30, 90),
  commands: fc.array(command, { minLength: 20, maxLength: 90 }),
});

/** One line per command, for a failure's trace. */
export function describeCommand(c: Command): string {
  const { fault: f, ...rest } = c;
  const args = Object.entries(rest)
    .filter(([key]) => key !== 'k')
    .map(([key, v]) => `${key}=${v}`)
    .join(' ');
  return `${c.k}${args ? ` ${args}` : ''}${f ? `  [fault: ${f.kind} at call ${f.at}]` : ''}`;
}

const nat = z.number().int().min(0);
const faultSchema = z.strictObject({ at: nat, kind: z.enum(CALL_FAULTS) }).optional();
const withInst = { inst: nat, fault: faultSchema };

/** A saved trace (`--trace <file>`), validated before it is replayed. */
export const ScenarioSchema = z.strictObject({
  maxClusters: nat,
  hourlyBudget: z.number().min(0),
  readyAfterSeconds: nat,
  deleteAfterSeconds: nat,
  commands: z.array(
    z.discriminatedUnion('k', [
      z.strictObject({ k: z.enum(['fire', 'resolve']), group: nat, ...withInst }),
      z.strictObject({ k: z.literal('manual'), ttl: nat, ...withInst }),
      z.strictObject({ k: z.literal('deliver'), pick: nat, dup: z.boolean(), ...withInst }),
      z.strictObject({ k: z.enum(['drop', 'delete']), pick: nat, ...withInst }),
      z.strictObject({ k: z.enum(['health', 'scaleDown', 'reconcile']), ...withInst }),
      z.strictObject({ k: z.literal('wait'), seconds: nat, fault: faultSchema }),
      z.strictObject({ k: z.enum(['vanish', 'unreachable', 'reachable']), pick: nat, fault: faultSchema }),
      z.strictObject({ k: z.literal('failCluster'), pick: nat, quota: z.boolean(), fault: faultSchema }),
      z.strictObject({ k: z.literal('connections'), pick: nat, count: nat, fault: faultSchema }),
    ]),
  ),
});
