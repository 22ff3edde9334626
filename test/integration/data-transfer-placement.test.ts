import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../shared/config/config-schema.ts';
import { loadConfig } from '../../shared/config/load-config.ts';
import { loadEvent } from '../support/events.ts';
import { type Json, startTestRuntime, type TestRuntime } from '../support/local-runtime.ts';

// Issue 12 item 6 on the embedded runtime: the providers' egress prices and the services'
// expected egress and data locality, as configured, decide where a burst goes, and the why a
// user reads (the alert's answer, the record's history, GET /plan) shows the node price and the
// transfer cost.

const SIM = { readyAfterMs: 200, resizeAfterMs: 200, deleteAfterMs: 50 };
const WEB = {
  name: 'web',
  hostname: 'web.clusterburst.local',
  burstable: true,
  namespace: 'clusterburst-demo',
};

/** Two simulated providers: `cheap` has the lower node price but dear egress, `near` the reverse. */
const PRICED: ConfigInput = {
  providers: [
    {
      name: 'cheap',
      driver: 'simulated',
      regions: ['c-1'],
      pricePerNodeHour: 0.1,
      egressPricePerGB: 0.09,
      options: SIM,
    },
    {
      name: 'near',
      driver: 'simulated',
      regions: ['n-1'],
      pricePerNodeHour: 0.15,
      egressPricePerGB: 0.01,
      options: SIM,
    },
  ],
  policy: { maxNodesPerCluster: 6 },
};

function firing(nodes: number): Json {
  const body = structuredClone(loadEvent('alertmanager', 'firing')) as Json;
  body.commonAnnotations = { ...body.commonAnnotations, clusterburst_nodes: String(nodes) };
  return body;
}

async function until<T>(check: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('data transfer in placement (issue 12 item 6)', () => {
  let rt: TestRuntime;
  afterEach(async () => rt?.close());

  it('bursts to the provider whose node price plus transfer cost is lower, and the why shows both', async () => {
    // 2 GB per node-hour: cheap 0.1 + 2 x 0.09 = 0.28, near 0.15 + 2 x 0.01 = 0.17.
    rt = await startTestRuntime({ ...PRICED, services: [{ ...WEB, egressGBPerNodeHour: 2 }] });
    const plan = (await rt.request('GET', '/plan')).body;
    expect(plan.burst.provider).toBe('near');
    expect(plan.burst.why).toMatch(
      /near is the cheapest eligible provider at 0\.17\/node-hour \(nodes 0\.15 \+ data transfer 0\.02\)/,
    );

    const fired = await rt.request('POST', '/alerts/alertmanager', firing(3));
    expect(fired.body.decision).toBe('burst');
    const record = await rt.waitForPhase(fired.body.burstId, 'Active');
    expect(record.provider).toBe('near');
    expect(record.region).toBe('n-1');
    expect(record.costPerHour).toBeCloseTo(0.51);
    expect(record.history[0].why).toMatch(
      /near: cheapest eligible provider at 0\.17\/node-hour \(nodes 0\.15 \+ data transfer 0\.02\)/,
    );
    expect(await rt.deps.providers.get('cheap')!.list(rt.deps.owner)).toEqual([]);

    // Growing it is priced the same way: 6 nodes at 0.17, not at the bare node price.
    const more = await rt.request('POST', '/alerts/alertmanager', firing(6));
    expect(more.body.actions.map((a: Json) => a.kind)).toEqual(['grow']);
    await until(async () => {
      const grown = (await rt.request('GET', `/bursts/${record.id}`)).body;
      return grown.nodes === 6 && grown.resize === undefined ? grown : undefined;
    });
    expect((await rt.request('GET', `/bursts/${record.id}`)).body.costPerHour).toBeCloseTo(1.02);
  });

  it('keeps bursting to the lower node price when the services move little data', async () => {
    // 0.1 GB per node-hour: cheap 0.109, near 0.151.
    rt = await startTestRuntime({ ...PRICED, services: [{ ...WEB, egressGBPerNodeHour: 0.1 }] });
    const fired = await rt.request('POST', '/alerts/alertmanager', firing(2));
    const record = await rt.waitForPhase(fired.body.burstId, 'Active');
    expect(record.provider).toBe('cheap');
    expect(record.history[0].why).toMatch(
      /cheap: cheapest eligible provider at 0\.109\/node-hour \(nodes 0\.1 \+ data transfer 0\.009\)/,
    );
  });

  it("bursts to the provider and region where a service's data lives when node prices tie", async () => {
    rt = await startTestRuntime({
      providers: [
        {
          name: 'alpha',
          driver: 'simulated',
          regions: ['a-1'],
          pricePerNodeHour: 0.1,
          egressPricePerGB: 0.05,
          options: SIM,
        },
        {
          name: 'beta',
          driver: 'simulated',
          regions: ['b-1', 'b-2'],
          pricePerNodeHour: 0.1,
          egressPricePerGB: 0.05,
          options: SIM,
        },
      ],
      services: [{ ...WEB, egressGBPerNodeHour: 1, dataLocality: { provider: 'beta', region: 'b-2' } }],
    });
    const fired = await rt.request('POST', '/alerts/alertmanager', firing(2));
    const record = await rt.waitForPhase(fired.body.burstId, 'Active');
    expect(record).toMatchObject({ provider: 'beta', region: 'b-2' });
    expect(record.history[0].why).toMatch(
      /beta is where the services' data lives, at 0\.1\/node-hour \(nodes 0\.1 \+ data transfer 0: the data lives there\); region b-2/,
    );
    const plan = (await rt.request('GET', '/plan')).body;
    expect(plan.burst).toMatchObject({ provider: 'beta', region: 'b-2' });
  });

  it('rejects a negative egress price, a negative egress and a data locality no provider offers, naming the field', () => {
    const load = (value: ConfigInput) => () => loadConfig({ value });
    const provider = { name: 'p', driver: 'simulated' as const, regions: ['r-1'], pricePerNodeHour: 0.1 };
    expect(load({ providers: [{ ...provider, egressPricePerGB: -0.01 }] })).toThrow(
      /providers\.0\.egressPricePerGB/,
    );
    expect(load({ providers: [provider], services: [{ ...WEB, egressGBPerNodeHour: -1 }] })).toThrow(
      /services\.0\.egressGBPerNodeHour/,
    );
    expect(
      load({ providers: [provider], services: [{ ...WEB, dataLocality: { provider: 'nowhere' } }] }),
    ).toThrow(
      /services\.0\.dataLocality\.provider: provider "nowhere" is not configured \(configured providers: p\)/,
    );
    expect(
      load({ providers: [provider], services: [{ ...WEB, dataLocality: { provider: 'p', region: 'r-9' } }] }),
    ).toThrow(/services\.0\.dataLocality\.region: region "r-9" is not offered by provider p/);
    expect(load({ providers: [provider], services: [{ ...WEB, dataLocality: { region: 'mars' } }] })).toThrow(
      /services\.0\.dataLocality\.region: region "mars" is not offered by any configured provider/,
    );
    expect(load({ providers: [provider], services: [{ ...WEB, dataLocality: {} }] })).toThrow(
      /services\.0\.dataLocality: names a provider or a region/,
    );
  });
});
