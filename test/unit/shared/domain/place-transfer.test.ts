import { describe, expect, it } from 'vitest';
import { nodeHourPrice, type ProviderOffer, place } from '../../../../shared/domain/place.ts';
import { planCapacity } from '../../../../shared/domain/plan-capacity.ts';
import { DEFAULT_POLICY } from '../../../../shared/domain/policy.ts';

// Issue 12 item 6: placement adds the expected data-transfer cost to the node price and prefers
// where the services' data lives, with the why showing both.

const CHEAP: ProviderOffer = {
  name: 'cheap',
  regions: ['eu-1'],
  pricePerNodeHour: 1,
  maxClusters: 10,
  egressPricePerGB: 0.09,
};
const DEAR: ProviderOffer = {
  name: 'dear',
  regions: ['eu-2', 'eu-3'],
  pricePerNodeHour: 1.2,
  maxClusters: 10,
  egressPricePerGB: 0.01,
};
const base = { nodes: 4, liveByProvider: {} };

describe('place with data transfer', () => {
  it('keeps choosing by node price when no transfer is given', () => {
    expect(place([CHEAP, DEAR], base)).toMatchObject({ ok: true, provider: 'cheap', costPerHour: 4 });
  });

  it('adds the egress per node-hour at each provider to its node price, and says so', () => {
    // 5 GB per node-hour: cheap 1 + 0.45 = 1.45, dear 1.2 + 0.05 = 1.25.
    const placed = place([CHEAP, DEAR], { ...base, transfer: { egressGBPerNodeHour: 5 } });
    expect(placed).toMatchObject({ ok: true, provider: 'dear', costPerHour: 5 });
    expect(placed.why).toMatch(
      /dear is the cheapest eligible provider at 1\.25\/node-hour \(nodes 1\.2 \+ data transfer 0\.05\)/,
    );
  });

  it('prefers where the data lives, which moves none of it, in the data region', () => {
    const placed = place([CHEAP, DEAR], {
      ...base,
      transfer: { egressGBPerNodeHour: 1, locality: { provider: 'dear', region: 'eu-3' } },
    });
    expect(placed).toMatchObject({ ok: true, provider: 'dear', region: 'eu-3', costPerHour: 4.8 });
    expect(placed.why).toMatch(
      /dear is where the services' data lives, at 1\.2\/node-hour \(nodes 1\.2 \+ data transfer 0: the data lives there\)/,
    );
  });

  it('still lets an asked-for region win over data locality', () => {
    const placed = place([CHEAP, DEAR], {
      ...base,
      region: 'eu-1',
      transfer: { egressGBPerNodeHour: 1, locality: { provider: 'dear' } },
    });
    expect(placed).toMatchObject({ ok: true, provider: 'cheap', region: 'eu-1' });
  });
});

describe('the node-hour price with data transfer', () => {
  it('is the node price plus the egress at the egress price, none in the region where the data lives', () => {
    expect(nodeHourPrice(CHEAP, { egressGBPerNodeHour: 5 })).toBe(1.45);
    expect(nodeHourPrice(CHEAP)).toBe(1);
    const transfer = { egressGBPerNodeHour: 5, locality: { provider: 'dear', region: 'eu-3' } };
    expect(nodeHourPrice(DEAR, transfer, 'eu-3')).toBe(1.2);
    expect(nodeHourPrice(DEAR, transfer, 'eu-2')).toBe(1.25);
  });

  it('bounds a grow by the budget at that price, as the create was', () => {
    const now = new Date('2026-01-01T01:00:00Z');
    const input = {
      wanted: { nodes: 8, signals: [{ signalKey: 'g', nodes: 8, why: 'alert g wants 8' }], why: '' },
      clusters: [
        {
          id: 'b1',
          signalKey: 'g',
          phase: 'Active' as const,
          nodes: { current: 2, desired: 2 },
          createdAt: '2026-01-01T00:00:00Z',
          warm: false,
          costPerHour: 2.9,
          provider: 'cheap',
          region: 'eu-1',
        },
      ],
      // 2.9 spent, 5.8 left: 4 nodes at 1.45 (node 1 + transfer 0.45), not 5 at the bare node price.
      policy: { ...DEFAULT_POLICY, hourlyBudget: 8.7, maxClusters: 1, maxNodesPerCluster: 10 },
      offers: [CHEAP],
      transfer: { egressGBPerNodeHour: 5 },
      now,
    };
    expect(planCapacity(input)).toEqual([expect.objectContaining({ kind: 'grow', burstId: 'b1', nodes: 6 })]);
  });
});
