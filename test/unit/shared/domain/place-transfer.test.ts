import { describe, expect, it } from 'vitest';
import { type ProviderOffer, place } from '../../../../shared/domain/place.ts';

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
