import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { activeSince, type BurstCluster } from '../../../../shared/domain/burst-cluster.ts';
import type { CapacitySignal } from '../../../../shared/domain/capacity-signal.ts';
import { decideBurst } from '../../../../shared/domain/decide-burst.ts';
import { decideScaleDown } from '../../../../shared/domain/decide-scale-down.ts';
import { isLive, type Phase } from '../../../../shared/domain/lifecycle.ts';
import type { LoadReport } from '../../../../shared/domain/load-report.ts';
import type { ProviderOffer } from '../../../../shared/domain/place.ts';
import { DEFAULT_POLICY, type Policy } from '../../../../shared/domain/policy.ts';
import { burstId, makeRecord } from '../../../support/records.ts';

const START = Date.parse('2026-11-22T12:00:00.000Z');
const PROVIDERS = ['aws', 'gcp', 'azure', 'simulated'] as const;
const REGIONS = ['eu-west-1', 'europe-west4', 'westeurope', 'local'] as const;
const RUNS = { numRuns: 1000 };

const offerArb: fc.Arbitrary<ProviderOffer> = fc.record({
  name: fc.constantFrom(...PROVIDERS),
  regions: fc.uniqueArray(fc.constantFrom(...REGIONS), { maxLength: 3 }),
  pricePerNodeHour: fc.double({ min: 0.01, max: 3, noNaN: true }),
  maxClusters: fc.integer({ min: 0, max: 4 }),
  priority: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
});

const burstPolicyArb: fc.Arbitrary<Policy> = fc
  .record({
    maxClusters: fc.integer({ min: 0, max: 6 }),
    hourlyBudget: fc.double({ min: 0, max: 40, noNaN: true }),
    cooldownSeconds: fc.integer({ min: 0, max: 900 }),
    nodesPerCluster: fc.integer({ min: 1, max: 10 }),
    maxNodesPerCluster: fc.integer({ min: 1, max: 20 }),
  })
  .map((p) => ({ ...DEFAULT_POLICY, ...p }));

/** One step of the simulation: a new firing signal, or a live cluster ending. */
const stepArb = fc.oneof(
  fc.record({
    kind: fc.constant('fire' as const),
    advance: fc.integer({ min: 0, max: 600 }),
    nodes: fc.option(fc.integer({ min: -2, max: 60 }), { nil: undefined }),
    provider: fc.option(fc.constantFrom(...PROVIDERS), { nil: undefined }),
    region: fc.option(fc.constantFrom(...REGIONS), { nil: undefined }),
  }),
  fc.record({
    kind: fc.constant('end' as const),
    advance: fc.integer({ min: 0, max: 600 }),
    pick: fc.nat(),
    phase: fc.constantFrom<Phase>('Deleted', 'Failed'),
  }),
);

function firing(i: number, hints: CapacitySignal['hints'], at: string): CapacitySignal {
  const signalKey = `alertmanager:{}:{alertname="Load${i}"}`;
  return {
    source: 'alertmanager',
    status: 'firing',
    signalKey,
    dedupeKey: `${signalKey}@${at}`,
    labels: {},
    summary: `load ${i}`,
    at,
    hints,
  };
}

const costOf = (clusters: readonly BurstCluster[]) => clusters.reduce((sum, c) => sum + c.costPerHour, 0);

describe('decideBurst, admitted over a random sequence of distinct signals', () => {
  it('never lets live clusters exceed max clusters, provider quota, or the hourly budget', () => {
    fc.assert(
      fc.property(
        burstPolicyArb,
        fc.uniqueArray(offerArb, { selector: (o) => o.name, maxLength: 4 }),
        fc.array(stepArb, { maxLength: 40 }),
        (policy, offers, steps) => {
          let clusters: BurstCluster[] = [];
          let t = START;
          steps.forEach((step, i) => {
            t += step.advance * 1000;
            const at = new Date(t).toISOString();
            if (step.kind === 'end') {
              const live = clusters.filter((c) => isLive(c.phase));
              const gone = live[step.pick % Math.max(1, live.length)];
              clusters = clusters.map((c) => (c === gone ? { ...c, phase: step.phase } : c));
              return;
            }
            const hints = { nodes: step.nodes, provider: step.provider, region: step.region };
            const signal = firing(i, hints, at);
            const d = decideBurst({ signal, clusters, policy, offers, now: new Date(t) });
            if (!d.burst) return;
            const base = makeRecord({ id: burstId(`prop-${i}`), createdAt: at });
            clusters.push({
              ...base,
              provider: d.provider,
              region: d.region,
              nodes: d.nodes,
              costPerHour: d.costPerHour,
              reason: { ...base.reason, signalKey: signal.signalKey, dedupeKey: signal.dedupeKey },
            });
            const live = clusters.filter((c) => isLive(c.phase));
            expect(live.length).toBeLessThanOrEqual(policy.maxClusters);
            expect(costOf(live)).toBeLessThanOrEqual(policy.hourlyBudget);
            const onProvider = live.filter((c) => c.provider === d.provider).length;
            expect(onProvider).toBeLessThanOrEqual(offers.find((o) => o.name === d.provider)!.maxClusters);
            expect(d.nodes).toBeGreaterThanOrEqual(1);
            expect(d.nodes).toBeLessThanOrEqual(policy.maxNodesPerCluster);
          });
        },
      ),
      RUNS,
    );
  });
});

const NOW = new Date(START);
const ago = (seconds: number) => new Date(START - seconds * 1000).toISOString();

const scaleDownPolicyArb: fc.Arbitrary<Policy> = fc
  .record({
    scaleDownThreshold: fc.double({ min: 0, max: 1, noNaN: true }),
    scaleDownWindowSeconds: fc.integer({ min: 0, max: 1800 }),
    scaleDownDelayAfterAddSeconds: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1800 })),
    minLifetimeSeconds: fc.integer({ min: 0, max: 1800 }),
  })
  .map((p) => ({ ...DEFAULT_POLICY, ...p }));

/** Seconds, often within a few of `edge` so the boundaries of the rules are exercised. */
const nearArb = (edge: number) =>
  fc.oneof(fc.integer({ min: 0, max: 7200 }), fc.integer({ min: Math.max(0, edge - 3), max: edge + 3 }));

/** A cluster's shape, drawn with the policy in view: age near the minimum lifetime, activity near the window. */
const clusterShapeArb = (policy: Policy) =>
  fc.record({
    phase: fc.constantFrom<Phase>(
      'Active',
      'Active',
      'Active',
      'Requested',
      'Draining',
      'Leaving',
      'Deleted',
    ),
    age: nearArb(policy.minLifetimeSeconds),
    activeFor: nearArb(policy.scaleDownWindowSeconds),
    manual: fc.boolean(),
    ttl: fc.option(fc.integer({ min: -3600, max: 3600 }), { nil: undefined }),
    util: fc.option(fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true })), { nil: undefined }),
  });

/** A policy, a fleet and a load report over it. */
const fleetArb = scaleDownPolicyArb.chain((policy) =>
  fc.record({
    policy: fc.constant(policy),
    shapes: fc.array(clusterShapeArb(policy), { maxLength: 5 }),
    loadOk: fc.oneof(fc.constant(true), fc.boolean()),
    windowSeconds: fc.oneof(fc.constant(policy.scaleDownWindowSeconds), fc.integer({ min: 0, max: 1800 })),
    overall: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
  }),
);

describe('decideScaleDown over random fleets', () => {
  it('drains only Active clusters, and nothing young, recently activated or on unknown load, unless its TTL expired (then any phase before teardown)', () => {
    fc.assert(
      fc.property(fleetArb, ({ policy, shapes, loadOk, windowSeconds, overall }) => {
        const perCluster: Record<string, number> = {};
        const clusters = shapes.map((s, i) => {
          const base = makeRecord({ id: burstId(`sd-${i}`), createdAt: ago(s.age) });
          if (s.util !== undefined) perCluster[base.id] = s.util;
          const record: BurstCluster = {
            ...base,
            phase: s.phase,
            reason: s.manual ? { ...base.reason, source: 'manual' } : base.reason,
            history: [
              { phase: 'Requested', at: ago(s.age), why: 'test' },
              { phase: 'Active', at: ago(Math.min(s.age, s.activeFor)), why: 'test' },
            ],
            ...(s.ttl === undefined ? {} : { expiresAt: ago(-s.ttl) }),
          };
          return record;
        });
        const load: LoadReport = loadOk
          ? { ok: true, windowSeconds, perCluster, overall, why: 'random' }
          : { ok: false, why: 'random outage' };
        const d = decideScaleDown(load, clusters, policy, NOW);

        expect(new Set(d.drain).size).toBe(d.drain.length);
        for (const id of d.drain) {
          const c = clusters.find((x) => x.id === id)!;
          const expired = c.expiresAt !== undefined && Date.parse(c.expiresAt) <= START;
          if (expired) {
            expect(['Requested', 'Provisioning', 'Ready', 'Joined', 'Active']).toContain(c.phase);
            continue;
          }
          expect(c.phase).toBe('Active');
          expect(load.ok).toBe(true);
          const age = (START - Date.parse(c.createdAt)) / 1000;
          const activeFor = (START - Date.parse(activeSince(c)!)) / 1000;
          expect(age).toBeGreaterThanOrEqual(policy.minLifetimeSeconds);
          expect(activeFor).toBeGreaterThanOrEqual(policy.scaleDownWindowSeconds);
        }
        for (const c of clusters) {
          const expired = c.expiresAt !== undefined && Date.parse(c.expiresAt) <= START;
          if (expired && ['Requested', 'Provisioning', 'Ready', 'Joined', 'Active'].includes(c.phase))
            expect(d.drain).toContain(c.id);
        }
      }),
      RUNS,
    );
  });
});
