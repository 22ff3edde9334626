import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CapacityAction } from '../../../../shared/domain/capacity-plan.ts';
import type { Phase } from '../../../../shared/domain/lifecycle.ts';
import type { ProviderOffer } from '../../../../shared/domain/place.ts';
import { type ActualCluster, planCapacity, shortfall } from '../../../../shared/domain/plan-capacity.ts';
import { DEFAULT_POLICY, type Policy } from '../../../../shared/domain/policy.ts';
import { type SignalState, wantedCapacity } from '../../../../shared/domain/wanted-capacity.ts';

// Random demand series through the pure planner, its actions played on a model of the clusters
// (creates become Active a step later, drains end a step later unless cancelled). After every
// plan: the budget and max clusters hold, no cluster exceeds max nodes, a signal's capacity never
// exceeds its want by a whole step, and nothing is created while a drain or a warm cluster could
// have served instead.

const OFFERS: ProviderOffer[] = [
  { name: 'cheap', regions: ['eu'], pricePerNodeHour: 1, maxClusters: 10 },
  { name: 'dear', regions: ['eu'], pricePerNodeHour: 2, maxClusters: 10 },
];
const SERVING: readonly Phase[] = ['Requested', 'Provisioning', 'Ready', 'Joined', 'Active'];
const KEYS = ['a', 'b', 'c'];

const eventArb = fc.record({
  key: fc.constantFrom(...KEYS),
  firing: fc.boolean(),
  demand: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
  dt: fc.integer({ min: 0, max: 900 }),
});
const policyArb = fc.record({
  maxClusters: fc.integer({ min: 1, max: 5 }),
  hourlyBudget: fc.integer({ min: 3, max: 40 }),
  maxNodesPerCluster: fc.integer({ min: 1, max: 8 }),
  nodesPerCluster: fc.integer({ min: 1, max: 4 }),
  warmClusters: fc.integer({ min: 0, max: 1 }),
  scaleDownWindowSeconds: fc.constantFrom(0, 300),
  minLifetimeSeconds: fc.constantFrom(0, 600),
  scaleDownDelayAfterAddSeconds: fc.constantFrom(0, 300),
});

type Model = ActualCluster & { nodes: { desired: number } };

/** Play a plan on the model, as the runtime would once each step has run. */
function play(model: Model[], actions: readonly CapacityAction[], now: Date, n: { id: number }): Model[] {
  let next = model.map((c) => ({ ...c }));
  const at = now.toISOString();
  const price = (provider: string) => OFFERS.find((o) => o.name === provider)!.pricePerNodeHour;
  for (const a of actions) {
    const c = 'burstId' in a ? next.find((x) => x.id === a.burstId) : undefined;
    if (a.kind === 'create') {
      next.push({
        id: `c${n.id++}`,
        ...(a.signalKey !== undefined && { signalKey: a.signalKey }),
        phase: 'Requested',
        nodes: { desired: a.nodes },
        createdAt: at,
        warm: a.warm === true,
        costPerHour: a.nodes * price(a.provider),
        provider: a.provider,
        region: a.region,
      });
    } else if (c && (a.kind === 'grow' || a.kind === 'shrink' || a.kind === 'takeWarm')) {
      Object.assign(c, { nodes: { desired: a.nodes }, costPerHour: a.nodes * price(c.provider) });
      if (a.kind === 'takeWarm') Object.assign(c, { warm: false, signalKey: a.signalKey });
    } else if (c && a.kind === 'cancelDrain') {
      Object.assign(c, { phase: 'Joined', ...(a.signalKey !== undefined && { signalKey: a.signalKey }) });
    } else if (c && a.kind === 'drain') {
      c.phase = 'Draining';
    }
  }
  next = next.filter((c) => c.phase !== 'Deleted');
  return next;
}

/** Time passes: what was asked for a step ago is there; drains not cancelled end. */
function progress(model: Model[], now: Date, drainSteps: Map<string, number>): Model[] {
  return model
    .map((c): Model => {
      if (c.phase === 'Requested' || c.phase === 'Joined')
        return { ...c, phase: c.warm ? 'Joined' : 'Active', activeSince: c.activeSince ?? now.toISOString() };
      // A drain lasts two steps, so a returning demand can still cancel it.
      if (c.phase === 'Draining') {
        const steps = (drainSteps.get(c.id) ?? 0) + 1;
        drainSteps.set(c.id, steps);
        return steps >= 2 ? { ...c, phase: 'Deleted' } : c;
      }
      return c;
    })
    .filter((c) => c.phase !== 'Deleted');
}

describe('planCapacity under random demand series', () => {
  it('keeps budget, max clusters and max nodes, never overshoots a want by a whole step, and never creates while a drain or warm cluster could serve', () => {
    const seen = { creates: 0, grows: 0, cancels: 0, takes: 0, shrinks: 0, drains: 0, covereds: 0 };
    fc.assert(
      fc.property(policyArb, fc.array(eventArb, { minLength: 1, maxLength: 40 }), (knobs, events) => {
        const policy: Policy = { ...DEFAULT_POLICY, ...knobs };
        let clock = Date.parse('2026-11-22T10:00:00.000Z');
        const signals = new Map<string, SignalState>();
        let model: Model[] = [];
        const n = { id: 0 };
        const drainSteps = new Map<string, number>();
        for (const e of events) {
          clock += e.dt * 1000;
          const now = new Date(clock);
          model = progress(model, now, drainSteps);
          // A resolve of a signal that never fired marks nothing (as markResolved finds no burst).
          if (!e.firing && !signals.has(e.key)) continue;
          signals.set(
            e.key,
            e.firing
              ? { signalKey: e.key, status: 'firing', ...(e.demand !== undefined && { demand: e.demand }) }
              : {
                  ...signals.get(e.key),
                  signalKey: e.key,
                  status: 'resolved',
                  resolvedAt: now.toISOString(),
                },
          );
          const wanted = wantedCapacity({ signals: [...signals.values()], policy, now });
          const actions = planCapacity({ wanted, clusters: model, policy, offers: OFFERS, now });
          const after = play(model, actions, now, n);
          for (const a of actions)
            seen[
              `${a.kind === 'cancelDrain' ? 'cancel' : a.kind === 'takeWarm' ? 'take' : a.kind}s` as keyof typeof seen
            ]++;

          const live = after.filter((c) => c.phase !== 'Deleted');
          expect(live.length).toBeLessThanOrEqual(Math.max(policy.maxClusters, model.length));
          const cost = live.reduce((s, c) => s + c.costPerHour, 0);
          const before = model.reduce((s, c) => s + c.costPerHour, 0);
          expect(cost).toBeLessThanOrEqual(Math.max(policy.hourlyBudget, before) + 1e-9);
          for (const c of live)
            expect(c.nodes.desired).toBeLessThanOrEqual(Math.max(policy.maxNodesPerCluster, 1));

          for (const want of wanted.signals) {
            const up = actions.filter(
              (a) =>
                (a.kind === 'create' && a.signalKey === want.signalKey) ||
                (a.kind === 'takeWarm' && a.signalKey === want.signalKey) ||
                ((a.kind === 'grow' || a.kind === 'cancelDrain') &&
                  after.find((c) => c.id === a.burstId)?.signalKey === want.signalKey),
            );
            if (up.length === 0) continue;
            const serving = after
              .filter((c) => c.signalKey === want.signalKey && !c.warm && SERVING.includes(c.phase))
              .reduce((s, c) => s + c.nodes.desired, 0);
            // Without its last step, the signal would still be short: no whole step too many.
            const last = up.at(-1)!;
            const lastNodes =
              last.kind === 'grow'
                ? last.nodes - model.find((c) => c.id === last.burstId)!.nodes.desired
                : last.kind === 'cancelDrain'
                  ? model.find((c) => c.id === last.burstId)!.nodes.desired
                  : 'nodes' in last
                    ? last.nodes
                    : 0;
            expect(serving - lastNodes).toBeLessThan(want.nodes);
          }
          const creating = new Set(
            actions.flatMap((a) => (a.kind === 'create' && !a.warm ? [a.signalKey] : [])),
          );
          if (creating.size > 0) {
            const servingOf = (key: string | undefined) =>
              after
                .filter((c) => c.signalKey === key && !c.warm && SERVING.includes(c.phase))
                .reduce((s, c) => s + c.nodes.desired, 0);
            const wantOf = (key: string | undefined) =>
              wanted.signals.find((w) => w.signalKey === key)?.nodes ?? 0;
            const couldServe = after.filter(
              (c) =>
                // Capacity there before this plan (a cluster it drains now is no drain to cancel).
                model.some((m) => m.id === c.id && (m.phase === c.phase || c.warm)) &&
                ((c.phase === 'Draining' &&
                  (creating.has(c.signalKey) || servingOf(c.signalKey) >= wantOf(c.signalKey))) ||
                  (c.warm && SERVING.includes(c.phase))),
            );
            expect(couldServe).toEqual([]);
          }
          // A signal its own clusters cover gets nothing from the plan: what lets a duplicate
          // delivery be answered from the shortfall alone (handleSignal).
          for (const want of wanted.signals) {
            const servingOwn = model
              .filter((c) => c.signalKey === want.signalKey && !c.warm && SERVING.includes(c.phase))
              .reduce((s, c) => s + c.nodes.desired, 0);
            expect(shortfall(want, model)).toBe(want.nodes - servingOwn);
            if (servingOwn < want.nodes) continue;
            seen.covereds++;
            // A cluster this plan hands to another signal (a cancelled drain) grows for that one.
            const handed = (id: string) =>
              actions.some((a) => a.kind === 'cancelDrain' && a.burstId === id && a.signalKey !== undefined);
            const own = (id: string) =>
              !handed(id) && model.find((c) => c.id === id)?.signalKey === want.signalKey;
            const forIt = actions.filter(
              (a) =>
                ((a.kind === 'create' || a.kind === 'takeWarm') && a.signalKey === want.signalKey) ||
                (a.kind === 'cancelDrain' && (a.signalKey ?? '') === want.signalKey) ||
                (a.kind === 'cancelDrain' && a.signalKey === undefined && own(a.burstId)) ||
                (a.kind === 'grow' && own(a.burstId)),
            );
            expect(forIt).toEqual([]);
          }
          model = after;
        }
      }),
      { numRuns: 400 },
    );
    // The property met every kind of action, or it proves little.
    for (const [kind, count] of Object.entries(seen)) expect(count, kind).toBeGreaterThan(20);
  });
});
