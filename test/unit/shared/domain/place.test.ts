import { describe, expect, it } from 'vitest';
import {
  type PlacementRequest,
  type ProviderOffer,
  place,
  unplaceable,
} from '../../../../shared/domain/place.ts';

const AWS: ProviderOffer = {
  name: 'aws',
  regions: ['eu-west-1', 'eu-central-1'],
  pricePerNodeHour: 0.2,
  maxClusters: 2,
};
const GCP: ProviderOffer = { name: 'gcp', regions: ['europe-west4'], pricePerNodeHour: 0.15, maxClusters: 2 };
const AZURE: ProviderOffer = {
  name: 'azure',
  regions: ['westeurope'],
  pricePerNodeHour: 0.25,
  maxClusters: 2,
};
const OFFERS = [AWS, GCP, AZURE];

function request(overrides: Partial<PlacementRequest> = {}): PlacementRequest {
  return { nodes: 3, liveByProvider: {}, ...overrides };
}

describe('place: price and region', () => {
  it('picks the cheapest provider and its first region, priced for the nodes', () => {
    expect(place(OFFERS, request())).toEqual({
      ok: true,
      provider: 'gcp',
      region: 'europe-west4',
      costPerHour: 0.45,
      why: 'gcp is the cheapest eligible provider at 0.15/node-hour; region europe-west4',
    });
  });

  it('does not depend on the order the providers are configured in', () => {
    expect(place([...OFFERS].reverse(), request())).toEqual(place(OFFERS, request()));
  });

  it.each([
    ['eu-central-1', 'aws'],
    ['eu-west-1', 'aws'],
    ['westeurope', 'azure'],
    ['europe-west4', 'gcp'],
  ])('prefers a provider offering region %s over a cheaper one that does not', (region, provider) => {
    const placed = place(OFFERS, request({ region }));
    expect(placed).toMatchObject({ ok: true, provider, region });
    expect(placed.why).toContain(`region ${region}`);
    expect(placed.why).not.toContain('not offered');
  });

  it('falls back to the cheapest provider and says the region is not offered', () => {
    const placed = place(OFFERS, request({ region: 'ap-south-1' }));
    expect(placed).toMatchObject({ ok: true, provider: 'gcp', region: 'europe-west4' });
    expect(placed.why).toContain('region ap-south-1 not offered, using europe-west4');
  });

  it('prices the cluster without floating-point noise', () => {
    const cheap: ProviderOffer = { name: 'cheap', regions: ['r1'], pricePerNodeHour: 0.1, maxClusters: 1 };
    expect(place([cheap], request({ nodes: 3 }))).toMatchObject({ costPerHour: 0.3 });
  });

  it('never chooses a provider that offers no region', () => {
    const regionless: ProviderOffer = { name: 'free', regions: [], pricePerNodeHour: 0, maxClusters: 5 };
    expect(place([regionless, AZURE], request())).toMatchObject({ ok: true, provider: 'azure' });
    expect(place([regionless], request()).ok).toBe(false);
  });
});

describe('place: quota and exclusions', () => {
  it('skips a provider at its quota and says so', () => {
    const placed = place(OFFERS, request({ liveByProvider: { gcp: 2 } }));
    expect(placed).toMatchObject({ ok: true, provider: 'aws', region: 'eu-west-1' });
    expect(placed.why).toContain('gcp at its quota of 2 clusters');
  });

  it('still uses a provider one below its quota', () => {
    expect(place(OFFERS, request({ liveByProvider: { gcp: 1 } }))).toMatchObject({ provider: 'gcp' });
  });

  it('skips a provider that just answered with a quota error and says so', () => {
    const placed = place(OFFERS, request({ exclude: ['gcp'] }));
    expect(placed).toMatchObject({ ok: true, provider: 'aws' });
    expect(placed.why).toContain('gcp excluded after a quota error');
  });

  it('refuses when every provider is full or excluded, naming each reason', () => {
    const placed = place(OFFERS, request({ liveByProvider: { gcp: 2, aws: 3 }, exclude: ['azure'] }));
    expect(placed.ok).toBe(false);
    expect(placed.why).toMatch(/^no provider can take the cluster/);
    expect(placed.why).toContain('aws at its quota of 2 clusters');
    expect(placed.why).toContain('gcp at its quota of 2 clusters');
    expect(placed.why).toContain('azure excluded after a quota error');
  });

  it('refuses when no provider is configured', () => {
    expect(place([], request())).toEqual({
      ok: false,
      why: 'no provider can take the cluster (none configured)',
    });
  });
});

describe('place: asked-for provider', () => {
  it('uses the asked-for provider even when another is cheaper', () => {
    const placed = place(OFFERS, request({ provider: 'azure' }));
    expect(placed).toMatchObject({ ok: true, provider: 'azure', region: 'westeurope', costPerHour: 0.75 });
    expect(placed.why).toContain('provider azure as asked');
  });

  it('honours the asked-for region within the asked-for provider', () => {
    expect(place(OFFERS, request({ provider: 'aws', region: 'eu-central-1' }))).toMatchObject({
      provider: 'aws',
      region: 'eu-central-1',
    });
  });

  it.each<[string, Partial<PlacementRequest>]>([
    ['at its quota', { liveByProvider: { azure: 2 } }],
    ['excluded after a quota error', { exclude: ['azure'] }],
  ])('refuses rather than substitute when the asked-for provider is %s', (reason, extra) => {
    const placed = place(OFFERS, request({ provider: 'azure', ...extra }));
    expect(placed.ok).toBe(false);
    expect(placed.why).toContain(`azure ${reason}`);
  });

  it('refuses an unknown provider by name', () => {
    expect(place(OFFERS, request({ provider: 'oracle' }))).toEqual({
      ok: false,
      why: 'provider "oracle" is not configured',
    });
  });
});

describe('place: tie-break', () => {
  const offer = (name: string, priority?: number): ProviderOffer => ({
    name,
    regions: [`${name}-1`],
    pricePerNodeHour: 0.2,
    maxClusters: 1,
    ...(priority === undefined ? {} : { priority }),
  });

  it.each<[string, ProviderOffer[], string]>([
    ['lower priority wins at equal price', [offer('a', 2), offer('b', 1)], 'b'],
    ['a missing priority counts as 0', [offer('a', 1), offer('b')], 'b'],
    ['name breaks a tie of price and priority', [offer('zeta', 1), offer('alpha', 1)], 'alpha'],
    ['name breaks a tie when no priority is set', [offer('m'), offer('k'), offer('x')], 'k'],
  ])('%s', (_name, offers, expected) => {
    expect(place(offers, request())).toMatchObject({ ok: true, provider: expected });
    expect(place([...offers].reverse(), request())).toMatchObject({ ok: true, provider: expected });
  });

  it('lets price beat priority', () => {
    const dear = { ...offer('dear', 0), pricePerNodeHour: 0.3 };
    expect(place([dear, offer('cheap', 9)], request())).toMatchObject({ provider: 'cheap' });
  });
});

describe('unplaceable: a provider or region no configuration offers', () => {
  it.each([
    [{}, []],
    [{ provider: 'aws' }, []],
    [{ provider: 'aws', region: 'eu-central-1' }, []],
    [{ region: 'westeurope' }, []],
    [{ provider: 'ovh' }, ['provider: "ovh" is not configured (configured providers: aws, azure, gcp)']],
    [
      { provider: 'aws', region: 'westeurope' },
      ['region: "westeurope" is not offered by provider aws (its regions: eu-central-1, eu-west-1)'],
    ],
    [
      { region: 'mars-1' },
      [
        'region: "mars-1" is not offered by any configured provider (configured regions: eu-central-1, eu-west-1, europe-west4, westeurope)',
      ],
    ],
  ])('asking for %j gives %j', (asked, issues) => {
    expect(unplaceable(OFFERS, asked)).toEqual(issues);
  });
});
