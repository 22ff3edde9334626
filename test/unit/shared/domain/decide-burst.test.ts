import { describe, expect, it } from 'vitest';
import type { BurstCluster } from '../../../../shared/domain/burst-cluster.ts';
import type { CapacitySignal } from '../../../../shared/domain/capacity-signal.ts';
import { type BurstContext, decideBurst } from '../../../../shared/domain/decide-burst.ts';
import type { Phase } from '../../../../shared/domain/lifecycle.ts';
import type { ProviderOffer } from '../../../../shared/domain/place.ts';
import { DEFAULT_POLICY } from '../../../../shared/domain/policy.ts';
import { makeRecord } from '../../../support/records.ts';

const NOW = new Date('2026-11-22T12:00:00.000Z');
const KEY = 'alertmanager:{}:{alertname="WebCapacityHigh"}';

const AWS: ProviderOffer = { name: 'aws', regions: ['eu-west-1'], pricePerNodeHour: 1, maxClusters: 10 };
const GCP: ProviderOffer = { name: 'gcp', regions: ['europe-west4'], pricePerNodeHour: 2, maxClusters: 10 };

function signal(overrides: Partial<CapacitySignal> = {}): CapacitySignal {
  return {
    source: 'alertmanager',
    status: 'firing',
    signalKey: KEY,
    dedupeKey: `${KEY}@2026-11-22T11:59:00.000Z`,
    labels: { alertname: 'WebCapacityHigh' },
    summary: 'portal at 92% CPU',
    at: '2026-11-22T11:59:00.000Z',
    ...overrides,
  };
}

/** A record created `ageSeconds` before NOW. */
function record(phase: Phase, ageSeconds: number, overrides: Partial<BurstCluster> = {}): BurstCluster {
  return makeRecord({
    phase,
    provider: 'aws',
    region: 'eu-west-1',
    createdAt: new Date(NOW.getTime() - ageSeconds * 1000).toISOString(),
    ...overrides,
  });
}

/** A record of the signal under test, as the core would have written it. */
function ofSignal(phase: Phase, ageSeconds: number): BurstCluster {
  const r = record(phase, ageSeconds);
  return { ...r, reason: { ...r.reason, signalKey: KEY } };
}

function decide(overrides: Partial<BurstContext> = {}) {
  return decideBurst({
    signal: signal(),
    clusters: [],
    policy: DEFAULT_POLICY,
    offers: [AWS, GCP],
    now: NOW,
    ...overrides,
  });
}

describe('decideBurst: signal status', () => {
  it('bursts on a firing signal with the default size on the cheapest provider', () => {
    expect(decide()).toEqual({
      burst: true,
      provider: 'aws',
      region: 'eu-west-1',
      nodes: 3,
      costPerHour: 3,
      why: 'alertmanager signal firing: portal at 92% CPU; 3 nodes; aws is the cheapest eligible provider at 1/node-hour; region eu-west-1',
    });
  });

  it.each<[string, Partial<CapacitySignal>, string]>([
    ['an ignored signal, with its why', { status: 'ignored', why: 'INSUFFICIENT_DATA' }, 'INSUFFICIENT_DATA'],
    ['an ignored signal without a why', { status: 'ignored' }, 'signal needs no action'],
    [
      'a resolved signal',
      { status: 'resolved' },
      'signal resolved: scale-down decides when the load stays low',
    ],
  ])('refuses %s', (_name, overrides, why) => {
    expect(decide({ signal: signal(overrides) })).toEqual({ burst: false, why });
  });
});

describe('decideBurst: duplicates and cooldown', () => {
  it.each<Phase>([
    'Requested',
    'Provisioning',
    'Ready',
    'Joined',
    'Active',
    'Draining',
    'Leaving',
    'Deleting',
  ])('refuses a signal already served by a %s burst, naming it', (phase) => {
    const live = ofSignal(phase, 3600);
    expect(decide({ clusters: [live] })).toEqual({
      burst: false,
      duplicateOf: live.id,
      why: `signal already served by burst ${live.id} (${phase})`,
    });
  });

  it('reports a duplicate rather than max clusters when both apply', () => {
    const live = ofSignal('Active', 3600);
    const decision = decide({ clusters: [live], policy: { ...DEFAULT_POLICY, maxClusters: 1 } });
    expect(decision).toMatchObject({ burst: false, duplicateOf: live.id });
  });

  it.each<[Phase, number, boolean]>([
    ['Deleted', 10, false],
    ['Failed', 299, false],
    ['Deleted', 300, true],
    ['Failed', 301, true],
    ['Deleted', 86_400, true],
  ])('after a %s burst of the same signal created %is ago, bursts: %s', (phase, age, bursts) => {
    const ended = ofSignal(phase, age);
    const decision = decide({ clusters: [ended] });
    expect(decision.burst).toBe(bursts);
    if (!bursts) {
      expect(decision).toEqual({
        burst: false,
        duplicateOf: ended.id,
        why: `signal burst ${ended.id} less than 300s ago (cooldown)`,
      });
    }
  });

  it('tries a third provider when the burst replacing a quota failure fails for quota too', () => {
    const first = { ...ofSignal('Failed', 60), id: 'b-000000000001', provider: 'aws' };
    const second = {
      ...ofSignal('Provisioning', 30),
      id: 'b-000000000002',
      provider: 'gcp',
      replaces: first.id,
      excludedProviders: ['aws'],
    };
    const AZURE: ProviderOffer = {
      name: 'azure',
      regions: ['westeurope'],
      pricePerNodeHour: 3,
      maxClusters: 10,
    };
    const decision = decide({
      clusters: [first, second],
      offers: [AWS, GCP, AZURE],
      exclude: ['aws', 'gcp'],
      replaces: second.id,
    });
    expect(decision).toMatchObject({ burst: true, provider: 'azure' });
  });

  it('applies no cooldown to a different signal', () => {
    expect(decide({ clusters: [record('Deleted', 10)] }).burst).toBe(true);
  });
});

describe('decideBurst: max clusters and hourly budget', () => {
  it.each<[number, number, boolean]>([
    [0, 1, true],
    [2, 3, true],
    [3, 3, false],
    [4, 3, false],
    [0, 0, false],
  ])('with %i live of max %i, bursts: %s', (liveCount, maxClusters, bursts) => {
    const clusters = Array.from({ length: liveCount }, () => record('Active', 3600, { costPerHour: 0 }));
    const decision = decide({ clusters, policy: { ...DEFAULT_POLICY, maxClusters } });
    expect(decision.burst).toBe(bursts);
    if (!bursts) expect(decision.why).toBe(`max clusters reached (${liveCount} of ${maxClusters} live)`);
  });

  it('does not count ended clusters against max clusters', () => {
    const ended = [record('Deleted', 3600), record('Failed', 3600)];
    expect(decide({ clusters: ended, policy: { ...DEFAULT_POLICY, maxClusters: 1 } }).burst).toBe(true);
  });

  it.each<[number[], boolean]>([
    [[], true],
    [[47], true],
    [[20, 27], true],
    [[47.5], false],
    [[20, 20, 8], false],
  ])('with live clusters costing %j per hour and 3 more to come, within a budget of 50: %s', (costs, ok) => {
    const clusters = costs.map((costPerHour) => record('Active', 3600, { costPerHour }));
    const decision = decide({ clusters, policy: { ...DEFAULT_POLICY, maxClusters: 10 } });
    expect(decision.burst).toBe(ok);
    if (!ok) {
      const spent = costs.reduce((a, b) => a + b, 0);
      expect(decision.why).toBe(
        `hourly budget 50 would be exceeded (${spent} running + 3 for 3 nodes on aws)`,
      );
    }
  });

  it('does not count the cost of ended clusters against the budget', () => {
    const ended = [record('Deleted', 3600, { costPerHour: 49 }), record('Failed', 3600, { costPerHour: 49 })];
    expect(decide({ clusters: ended }).burst).toBe(true);
  });
});

describe('decideBurst: size and placement', () => {
  it.each<[number | undefined, number, string]>([
    [undefined, 3, '3 nodes;'],
    [7, 7, '7 nodes;'],
    [50, 50, '50 nodes;'],
    [80, 50, '50 nodes (asked 80, clamped)'],
    [0, 1, '1 nodes (asked 0, clamped)'],
    [-2, 1, '1 nodes (asked -2, clamped)'],
  ])('asked for %s nodes, sizes the cluster at %i', (nodes, expected, sized) => {
    const decision = decide({
      signal: signal({ hints: { nodes } }),
      policy: { ...DEFAULT_POLICY, hourlyBudget: 1000 },
    });
    expect(decision).toMatchObject({ burst: true, nodes: expected, costPerHour: expected });
    expect(decision.why).toContain(sized);
  });

  it('honours the provider the signal asks for over a cheaper one', () => {
    expect(decide({ signal: signal({ hints: { provider: 'gcp' } }) })).toMatchObject({
      burst: true,
      provider: 'gcp',
      region: 'europe-west4',
      costPerHour: 6,
    });
  });

  it('honours the region the signal asks for over a cheaper provider elsewhere', () => {
    expect(decide({ signal: signal({ hints: { region: 'europe-west4' } }) })).toMatchObject({
      burst: true,
      provider: 'gcp',
      region: 'europe-west4',
    });
  });

  it('refuses with the placement why when the asked-for provider is not configured', () => {
    expect(decide({ signal: signal({ hints: { provider: 'oracle' } }) })).toEqual({
      burst: false,
      why: 'provider "oracle" is not configured',
    });
  });

  it('counts live clusters per provider against provider quota, and skips excluded providers', () => {
    const awsFull = { ...AWS, maxClusters: 1 };
    const clusters = [record('Active', 3600, { provider: 'aws' })];
    expect(decide({ clusters, offers: [awsFull, GCP] })).toMatchObject({ burst: true, provider: 'gcp' });
    expect(decide({ offers: [AWS, GCP], exclude: ['aws'] })).toMatchObject({ burst: true, provider: 'gcp' });
    const ended = [record('Deleted', 3600, { provider: 'aws' })];
    expect(decide({ clusters: ended, offers: [awsFull, GCP] })).toMatchObject({ provider: 'aws' });
  });

  it('refuses with the placement why when no provider can take the cluster', () => {
    const decision = decide({ offers: [AWS], exclude: ['aws'] });
    expect(decision).toEqual({
      burst: false,
      why: 'no provider can take the cluster (aws excluded after a quota error)',
    });
  });
});
