import { Logger } from '@aws-lambda-powertools/logger';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromAlertmanager } from '../../../../functions/capacityAlarm.ts';
import type { ConfigInput } from '../../../../shared/config/config-schema.ts';
import { loadConfig } from '../../../../shared/config/load-config.ts';
import type { Deps } from '../../../../shared/core/deps.ts';
import { type ScaleDownReport, scaleDown } from '../../../../shared/core/scale-down.ts';
import { drain } from '../../../../shared/core/steps/drain.ts';
import { commit, patchRecord } from '../../../../shared/core/transition.ts';
import {
  activeSince,
  type BurstCluster,
  phaseEnteredAt,
  servedSignal,
} from '../../../../shared/domain/burst-cluster.ts';
import { isLive, type Phase } from '../../../../shared/domain/lifecycle.ts';
import type { LoadReport } from '../../../../shared/domain/load-report.ts';
import type { LoadDriver } from '../../../../shared/drivers/load/load.ts';
import type { ProviderDriver } from '../../../../shared/drivers/provider/provider.ts';
import { SqliteStore } from '../../../../shared/drivers/store/sqlite.ts';
import { createDeps } from '../../../../shared/runtime/create-deps.ts';

// Random firing/resolved sequences (new episodes, Alertmanager repeats) and load series, driven
// through the real webhook handler, handleSignal and scaleDown on a real (in-memory) SQLite
// store with a fake clock. Provisioning and teardown are played by writing the phases.

const START = Date.parse('2026-11-22T10:00:00.000Z');

type Action =
  | { readonly kind: 'fire' | 'resolve'; readonly group: number }
  | { readonly kind: 'load'; readonly value: number }
  | { readonly kind: 'outage'; readonly on: boolean }
  | { readonly kind: 'scaleDown' }
  /** An operator's DELETE of the oldest Active burst: ends bursts sooner, so the cooldown is met. */
  | { readonly kind: 'delete' };

/** A world: the clock, the load as it really was, and Alertmanager's groups. */
class World {
  clock = START;
  outage = false;
  readonly load: { at: number; value: number }[] = [];
  readonly groups = new Map<number, { firing: boolean; startsAt: number; endsAt?: number }>();

  /** Highest load in effect over [from, to], and whether data reaches back to `from`. */
  truth(from: number, to: number): { max: number; covered: boolean } {
    const before = this.load.filter((s) => s.at <= from).at(-1);
    const inside = this.load.filter((s) => s.at > from && s.at <= to);
    const values = [...(before ? [before.value] : []), ...inside.map((s) => s.value)];
    return { max: Math.max(Number.NEGATIVE_INFINITY, ...values), covered: before !== undefined };
  }

  /** A load driver that reports `truth` faithfully, and nothing during an outage. */
  readonly driver: LoadDriver = {
    name: 'world',
    observe: async ({ windowSeconds, now }): Promise<LoadReport> => {
      if (this.outage) return { ok: false, why: 'monitoring down' };
      const first = this.load[0];
      if (!first) return { ok: false, why: 'no data yet' };
      const to = now.getTime();
      const from = to - windowSeconds * 1000;
      const covered = first.at <= from ? windowSeconds : Math.floor((to - first.at) / 1000);
      const { max } = this.truth(Math.max(from, first.at), to);
      return { ok: true, windowSeconds: covered, perCluster: {}, overall: max, why: 'world' };
    },
  };

  /** The Alertmanager notification for an action on a group. */
  notification(kind: 'fire' | 'resolve', group: number): unknown {
    const state = this.groups.get(group) ?? { firing: false, startsAt: this.clock };
    if (kind === 'fire' && !state.firing) Object.assign(state, { firing: true, startsAt: this.clock });
    if (kind === 'resolve' && state.firing) Object.assign(state, { firing: false, endsAt: this.clock });
    this.groups.set(group, state);
    const status = kind === 'fire' ? 'firing' : 'resolved';
    const labels = { alertname: `CapacityHigh${group}`, severity: 'page' };
    return {
      version: '4',
      groupKey: `{}:{alertname="CapacityHigh${group}"}`,
      truncatedAlerts: 0,
      status,
      receiver: 'clusterburst',
      groupLabels: { alertname: labels.alertname },
      commonLabels: labels,
      commonAnnotations: { summary: `group ${group} high` },
      externalURL: 'http://alertmanager:9093',
      alerts: [
        {
          status,
          labels,
          annotations: {},
          startsAt: new Date(state.startsAt).toISOString(),
          endsAt: new Date(status === 'resolved' ? (state.endsAt ?? this.clock) : 0).toISOString(),
          generatorURL: 'http://prometheus:9090/graph',
          fingerprint: `f${group}`,
        },
      ],
    };
  }
}

const policyArb = fc.record({
  maxClusters: fc.integer({ min: 1, max: 4 }),
  hourlyBudget: fc.constant(50),
  cooldownSeconds: fc.integer({ min: 0, max: 600 }),
  scaleDownThreshold: fc.constantFrom(0.3, 0.5, 0.8),
  scaleDownWindowSeconds: fc.integer({ min: 0, max: 300 }),
  scaleDownDelayAfterAddSeconds: fc.integer({ min: 0, max: 300 }),
  minLifetimeSeconds: fc.integer({ min: 0, max: 300 }),
});
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('fire', 'resolve'), group: fc.nat(1) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('load'),
      value: fc.constantFrom(0, 0, 0.1, 0.1, 0.29, 0.49, 0.5, 0.79, 1),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('outage'), on: fc.constantFrom(true, false, false) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'delete' as const }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'scaleDown' as const }) },
);
/** The policy knobs a scenario draws. */
type Knobs = typeof policyArb extends fc.Arbitrary<infer T> ? T : never;
const scenarioArb = fc.record({
  policy: policyArb,
  provisionSeconds: fc.integer({ min: 0, max: 120 }),
  teardownSeconds: fc.integer({ min: 0, max: 120 }),
  steps: fc.array(fc.record({ dt: fc.integer({ min: 0, max: 90 }), action: actionArb }), {
    minLength: 10,
    maxLength: 80,
    size: 'max',
  }),
});

const silent = new Logger({ logLevel: 'SILENT' });
/** Only resize is called (the plan shrinks before it drains); the test plays every phase. */
const noProvider = {
  name: 'simulated',
  resize: async (name: string) => ({ name }),
} as unknown as ProviderDriver;

async function makeDeps(world: World, policy: ConfigInput['policy']): Promise<Deps> {
  const config = loadConfig({ value: { policy, logLevel: 'ERROR' } });
  return createDeps(config, {
    logger: silent,
    overrides: {
      store: new SqliteStore(':memory:'),
      providers: new Map([['simulated', noProvider]]),
      load: world.driver,
      now: () => new Date(world.clock),
    },
  });
}

/** Play provisioning and teardown: each takes its fixed time, then the phases are written. */
async function progress(deps: Deps, world: World, provisionMs: number, teardownMs: number): Promise<void> {
  for (let record of await deps.store.list()) {
    const walk = async (phases: Phase[]) => {
      for (const phase of phases) record = (await commit(deps, record, phase, 'played by the test'))!;
    };
    // A resize settles at once here.
    if (record.resize?.state === 'resizing')
      record = (await patchRecord(deps, record, { resize: undefined }))!;
    const inPhase = world.clock - Date.parse(phaseEnteredAt(record));
    if (record.phase === 'Requested' && inPhase >= provisionMs)
      await walk(['Provisioning', 'Ready', 'Joined', 'Active']);
    // A cancelled drain is routed again at once.
    if (record.phase === 'Joined') await walk(['Active']);
    if (record.phase === 'Draining' && inPhase >= teardownMs) await walk(['Leaving', 'Deleting', 'Deleted']);
  }
}

/**
 * What the policy promises about bursts, checked against the whole store: never more than max
 * clusters live, and the nodes serving a signal (here always wanting the default step of 3)
 * never more than one step (a whole cluster handed back from a drain) beyond it: a repeat plans
 * nothing and a returning signal takes back a drain before it creates. No cooldown: capacity is
 * never refused on the way up.
 */
function checkBursts(records: readonly BurstCluster[], policy: Knobs): void {
  expect(records.filter((r) => isLive(r.phase)).length).toBeLessThanOrEqual(policy.maxClusters);
  const serving = records.filter((r) =>
    ['Requested', 'Provisioning', 'Ready', 'Joined', 'Active'].includes(r.phase),
  );
  const bySignal = new Map<string, number>();
  for (const r of serving) bySignal.set(servedSignal(r), (bySignal.get(servedSignal(r)) ?? 0) + r.nodes);
  for (const nodes of bySignal.values()) expect(nodes).toBeLessThanOrEqual(3 + 3);
}

/** What the policy promises about a scale-down pass, given the records it started from. */
function checkDrains(
  report: ScaleDownReport,
  before: readonly BurstCluster[],
  world: World,
  policy: Knobs,
): void {
  if (report.decision.drain.length === 0) return;
  const now = world.clock;
  const windowMs = policy.scaleDownWindowSeconds * 1000;
  const { max, covered } = world.truth(now - windowMs, now);
  expect(world.outage).toBe(false);
  expect(covered).toBe(true);
  expect(max).toBeLessThan(policy.scaleDownThreshold);
  const lastAdd = Math.max(
    ...before.filter((r) => r.phase !== 'Deleted').map((r) => Date.parse(r.createdAt)),
  );
  expect(now - lastAdd).toBeGreaterThanOrEqual(policy.scaleDownDelayAfterAddSeconds * 1000);
  for (const id of report.decision.drain) {
    const record = before.find((r) => r.id === id)!;
    expect(record.phase).toBe('Active');
    // Shrink before drain: a cluster is drained whole only at or below the default step.
    expect(record.nodes).toBeLessThanOrEqual(3);
    expect(now - Date.parse(record.createdAt)).toBeGreaterThanOrEqual(policy.minLifetimeSeconds * 1000);
    expect(now - Date.parse(activeSince(record)!)).toBeGreaterThanOrEqual(windowMs);
  }
}

describe('flapping protection', () => {
  it('never bursts more than the policy allows nor drains inside the window or the minimum lifetime', async () => {
    const seen = { bursts: 0, cancelled: 0, drains: 0, skipped: 0 };
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ policy, provisionSeconds, teardownSeconds, steps }) => {
        const world = new World();
        const deps = await makeDeps(world, policy);
        try {
          for (const { dt, action } of steps) {
            world.clock += dt * 1000;
            await progress(deps, world, provisionSeconds * 1000, teardownSeconds * 1000);
            if (action.kind === 'load') world.load.push({ at: world.clock, value: action.value });
            if (action.kind === 'outage') world.outage = action.on;
            if (action.kind === 'fire' || action.kind === 'resolve') {
              const outcome = await fromAlertmanager(deps, world.notification(action.kind, action.group));
              if (outcome.decision === 'burst') seen.bursts++;
              expect(outcome.why).not.toMatch(/cooldown/);
              if (outcome.actions?.some((a) => a.kind === 'cancelDrain' && a.outcome === 'done'))
                seen.cancelled++;
              checkBursts(await deps.store.list(), policy);
            }
            if (action.kind === 'delete') {
              const oldest = (await deps.store.list({ phases: ['Active'] }))[0];
              if (oldest) await drain(deps, oldest.id, 'teardown requested by an operator');
            }
            if (action.kind === 'scaleDown') {
              const before = await deps.store.list();
              const report = await scaleDown(deps);
              checkDrains(report, before, world, policy);
              seen.drains += report.decision.drain.length;
              if (world.outage) seen.skipped++;
              for (const id of report.decision.drain)
                expect((await deps.store.get(id))?.phase).toBe('Draining');
            }
          }
        } finally {
          await deps.store.close();
        }
      }),
      { numRuns: 300 },
    );
    // The property must have met every case it guards, or it proves nothing.
    expect(seen.bursts).toBeGreaterThan(300);
    expect(seen.cancelled).toBeGreaterThan(10);
    expect(seen.drains).toBeGreaterThan(50);
    expect(seen.skipped).toBeGreaterThan(50);
  }, 120_000);

  it('brings the same burst back when its alert fires again while it drains, six times over', async () => {
    const world = new World();
    const deps = await makeDeps(world, { cooldownSeconds: 600 });
    const decisions: string[] = [];
    for (let i = 0; i < 6; i++) {
      decisions.push((await fromAlertmanager(deps, world.notification('fire', 0))).decision);
      world.clock += 30_000;
      decisions.push((await fromAlertmanager(deps, world.notification('resolve', 0))).decision);
      world.clock += 30_000;
      await progress(deps, world, 0, 60_000);
      const [record] = await deps.store.list();
      if (record?.phase === 'Active') await commit(deps, record, 'Draining', 'torn down by the test');
    }
    expect(decisions.filter((d) => d === 'burst')).toHaveLength(6);
    const records = await deps.store.list();
    expect(records).toHaveLength(1);
    expect(
      records[0]!.history.filter((h) => h.why.startsWith('demand returned: drain cancelled')),
    ).toHaveLength(5);
    await deps.store.close();
  });

  it('answers a signal that returns after its burst was torn down with new capacity at once', async () => {
    const world = new World();
    const deps = await makeDeps(world, { cooldownSeconds: 600 });
    expect((await fromAlertmanager(deps, world.notification('fire', 0))).decision).toBe('burst');
    await progress(deps, world, 0, 0);
    const [record] = await deps.store.list();
    await commit(deps, record!, 'Draining', 'torn down by the test');
    await progress(deps, world, 0, 0);
    expect((await deps.store.list())[0]?.phase).toBe('Deleted');
    world.clock += 1_000;
    const again = await fromAlertmanager(deps, world.notification('fire', 0));
    expect(again.decision).toBe('burst');
    expect(again.burstId).not.toBe(record!.id);
    await deps.store.close();
  });

  it('keeps a cluster whose load dipped below the threshold for only part of the window', async () => {
    const world = new World();
    const deps = await makeDeps(world, {
      scaleDownWindowSeconds: 300,
      minLifetimeSeconds: 0,
      scaleDownDelayAfterAddSeconds: 0,
    });
    world.load.push({ at: world.clock, value: 0.9 });
    await fromAlertmanager(deps, world.notification('fire', 0));
    await progress(deps, world, 0, 0);
    await fromAlertmanager(deps, world.notification('resolve', 0));
    world.clock += 600_000;
    world.load.push({ at: world.clock, value: 0.1 });
    world.clock += 299_000;
    expect((await scaleDown(deps)).decision.drain).toEqual([]);
    world.clock += 1_000;
    expect((await scaleDown(deps)).decision.drain).toHaveLength(1);
    await deps.store.close();
  });
});
