import { describe, expect, it } from 'vitest';
import type { CapacityAction } from '../../../../shared/domain/capacity-plan.ts';
import type { ProviderOffer } from '../../../../shared/domain/place.ts';
import { type ActualCluster, type PlanInput, planCapacity } from '../../../../shared/domain/plan-capacity.ts';
import { DEFAULT_POLICY, type Policy } from '../../../../shared/domain/policy.ts';
import { type SignalState, wantedCapacity } from '../../../../shared/domain/wanted-capacity.ts';

const NOW = new Date('2026-11-22T12:00:00.000Z');
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();
const AWS: ProviderOffer = { name: 'aws', regions: ['eu-west-1'], pricePerNodeHour: 1, maxClusters: 10 };
const GCP: ProviderOffer = {
  name: 'gcp',
  regions: ['europe-west4'],
  pricePerNodeHour: 2,
  maxClusters: 10,
  minNodes: 0,
};
const POLICY: Policy = { ...DEFAULT_POLICY, maxNodesPerCluster: 6, maxClusters: 3, hourlyBudget: 100 };

/** An Active cluster of signal `g`, an hour old, of `nodes` nodes at 1 per node-hour. */
function cluster(id: string, nodes: number, overrides: Partial<ActualCluster> = {}): ActualCluster {
  return {
    id,
    signalKey: 'g',
    phase: 'Active',
    nodes: { desired: nodes, current: nodes },
    createdAt: ago(3600),
    activeSince: ago(3000),
    warm: false,
    costPerHour: nodes,
    provider: 'aws',
    region: 'eu-west-1',
    ...overrides,
  };
}

function plan(
  signals: SignalState[],
  clusters: ActualCluster[],
  overrides: Partial<Omit<PlanInput, 'wanted' | 'clusters'>> = {},
): CapacityAction[] {
  const policy = overrides.policy ?? POLICY;
  const wanted = wantedCapacity({ signals, policy, now: NOW });
  return planCapacity({ wanted, clusters, policy, offers: [AWS, GCP], now: NOW, ...overrides });
}

const kinds = (actions: CapacityAction[]) =>
  actions.map((a) =>
    `${a.kind} ${'burstId' in a ? a.burstId : a.provider} ${'nodes' in a ? a.nodes : ''}`.trim(),
  );

const firing = (demand?: number): SignalState[] => [
  { signalKey: 'g', status: 'firing', ...(demand !== undefined && { demand }) },
];

describe('planCapacity on the way up', () => {
  it('creates one cluster of the demanded size when nothing serves the signal', () => {
    expect(kinds(plan(firing(4), []))).toEqual(['create aws 4']);
  });

  it('grows an Active cluster to the per-cluster maximum, then creates a cluster for the rest', () => {
    expect(kinds(plan(firing(10), [cluster('b-1', 4)]))).toEqual(['grow b-1 6', 'create aws 4']);
  });

  it('plans nothing when the same demand is already served (a duplicate is harmless)', () => {
    expect(plan(firing(10), [cluster('b-1', 6), cluster('b-2', 4, { phase: 'Provisioning' })])).toEqual([]);
  });

  it('counts a cluster whose resize runs at the size asked for', () => {
    expect(
      plan(firing(6), [cluster('b-1', 6, { resizing: true, nodes: { current: 4, desired: 6 } })]),
    ).toEqual([]);
  });

  it('brings its own draining cluster back before growing or creating, and says why', () => {
    const actions = plan(firing(4), [cluster('b-1', 4, { phase: 'Draining' })]);
    expect(kinds(actions)).toEqual(['cancelDrain b-1']);
    expect(actions[0]?.why).toMatch(/^demand returned: drain cancelled/);
  });

  it('hands a drain no signal wants any more to another signal rather than create', () => {
    const actions = plan(
      [{ signalKey: 'h', status: 'firing', demand: 3 }],
      [cluster('b-1', 3, { phase: 'Draining' })],
    );
    expect(actions).toMatchObject([{ kind: 'cancelDrain', burstId: 'b-1', signalKey: 'h' }]);
  });

  it('does not bring back a drain an operator asked for: it creates instead', () => {
    const drained = cluster('b-1', 4, { phase: 'Draining', locked: 'an operator asked for its teardown' });
    expect(kinds(plan(firing(4), [drained]))).toEqual(['create aws 4']);
  });

  it('creates new capacity at once while the old burst is Leaving or Deleting (no cooldown on the way up)', () => {
    const leaving = [cluster('b-1', 4, { phase: 'Leaving' }), cluster('b-2', 4, { phase: 'Deleting' })];
    expect(kinds(plan(firing(4), leaving))).toEqual(['create aws 4']);
  });

  it('takes a warm standby cluster and sizes it instead of creating one', () => {
    const warm = cluster('w-1', 1, {
      warm: true,
      phase: 'Joined',
      signalKey: undefined,
      activeSince: undefined,
    });
    const actions = plan(firing(4), [warm]);
    expect(actions[0]).toMatchObject({ kind: 'takeWarm', burstId: 'w-1', nodes: 4, signalKey: 'g' });
  });

  it('refills the warm standby after taking it', () => {
    const warm = cluster('w-1', 1, { warm: true, phase: 'Joined', signalKey: undefined });
    const actions = plan(firing(4), [warm], { policy: { ...POLICY, warmClusters: 1 } });
    expect(kinds(actions)).toEqual(['takeWarm w-1 4', 'create aws 1']);
    expect(actions[1]).toMatchObject({ warm: true });
  });

  it('keeps warm standby at the provider minimum nodes when no warmNodes is set', () => {
    const actions = plan([], [], { policy: { ...POLICY, warmClusters: 1 }, offers: [GCP] });
    expect(actions).toMatchObject([{ kind: 'create', provider: 'gcp', nodes: 0, warm: true }]);
  });

  it('stops at max clusters', () => {
    expect(kinds(plan(firing(30), [], { policy: { ...POLICY, maxClusters: 2 } }))).toEqual([
      'create aws 6',
      'create aws 6',
    ]);
  });

  it('creates no cluster the hourly budget cannot pay for whole', () => {
    expect(plan(firing(6), [], { policy: { ...POLICY, hourlyBudget: 4 } })).toEqual([]);
  });

  it('grows no further than the hourly budget pays for', () => {
    expect(kinds(plan(firing(6), [cluster('b-1', 4)], { policy: { ...POLICY, hourlyBudget: 5 } }))).toEqual([
      'grow b-1 5',
    ]);
  });

  it('places a create where the signal asks', () => {
    const signals: SignalState[] = [
      { signalKey: 'g', status: 'firing', demand: 2, hints: { provider: 'gcp' } },
    ];
    expect(kinds(plan(signals, []))).toEqual(['create gcp 2']);
  });
});

describe('planCapacity on the way down', () => {
  const resolvedLongAgo: SignalState[] = [
    { signalKey: 'g', status: 'resolved', demand: 10, resolvedAt: ago(900) },
  ];

  it('shrinks grown node pools to the default step before it drains any cluster', () => {
    const grown = [cluster('b-1', 6), cluster('b-2', 4, { createdAt: ago(1800) })];
    expect(kinds(plan(resolvedLongAgo, grown))).toEqual(['shrink b-2 3', 'shrink b-1 3']);
  });

  it('drains clusters at the default step once the signal wants nothing', () => {
    expect(kinds(plan(resolvedLongAgo, [cluster('b-1', 3), cluster('b-2', 1)]))).toEqual([
      'drain b-1',
      'drain b-2',
    ]);
  });

  it('shrinks only the excess when the demand falls', () => {
    expect(kinds(plan(firing(4), [cluster('b-1', 6)]))).toEqual(['shrink b-1 4']);
  });

  it('takes a small excess off a pool at the default step rather than drain it', () => {
    const two = [cluster('b-1', 3), cluster('b-2', 3, { createdAt: ago(1800) })];
    expect(kinds(plan(firing(4), two))).toEqual(['shrink b-2 1']);
  });

  it('drains a whole cluster the excess covers and keeps the rest', () => {
    const two = [cluster('b-1', 3), cluster('b-2', 3, { createdAt: ago(1800) })];
    expect(kinds(plan(firing(3), two))).toEqual(['drain b-2']);
  });

  it('keeps capacity while the signal resolved less than a window ago', () => {
    const recent: SignalState[] = [{ signalKey: 'g', status: 'resolved', demand: 6, resolvedAt: ago(60) }];
    expect(plan(recent, [cluster('b-1', 6)])).toEqual([]);
  });

  it.each([
    ['younger than the minimum lifetime', { createdAt: ago(300), activeSince: ago(200) }],
    ['Active for less than the stabilisation window', { activeSince: ago(100) }],
    ['locked (a manual burst without time to live)', { locked: 'manual' }],
    ['resizing', { resizing: true }],
    ['not yet Active', { phase: 'Joined' as const }],
  ])('releases nothing of a cluster %s', (_name, overrides) => {
    expect(plan([], [cluster('b-1', 3, overrides)])).toEqual([]);
  });

  it('releases nothing within the delay after a cluster was added', () => {
    expect(
      plan([], [cluster('b-1', 3), cluster('b-2', 3, { createdAt: ago(60), phase: 'Provisioning' })]),
    ).toEqual([]);
  });

  it('releases only in the last tenth of a paid billing period', () => {
    const policy = { ...POLICY, billingGranularitySeconds: 3600 };
    expect(plan([], [cluster('b-1', 1, { createdAt: ago(3600 + 1800) })], { policy })).toEqual([]);
    expect(kinds(plan([], [cluster('b-1', 1, { createdAt: ago(3600 + 3300) })], { policy }))).toEqual([
      'drain b-1',
    ]);
  });

  it('drains a warm standby cluster beyond policy.warmClusters', () => {
    const warm = cluster('w-1', 1, { warm: true, phase: 'Joined', signalKey: undefined });
    expect(kinds(plan([], [warm]))).toEqual(['drain w-1']);
  });
});
