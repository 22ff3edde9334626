import { describe, expect, it } from 'vitest';
import { type ConfigInput, ConfigSchema } from '../../../../shared/config/config-schema.ts';
import { dataTransferOf } from '../../../../shared/runtime/data-transfer.ts';
import { policyStep } from '../../../../shared/simulate/policy-step.ts';
import { simulate } from '../../../../shared/simulate/simulate.ts';
import { squareWave } from '../simulate/square-wave.ts';

// The planner's data transfer comes from the configuration in one place; the runtime and the
// simulator both place with it.

const NS = 'clusterburst-demo';
const PROVIDERS: ConfigInput['providers'] = [
  { name: 'cheap', driver: 'simulated', regions: ['c-1'], pricePerNodeHour: 0.1, egressPricePerGB: 0.09 },
  {
    name: 'near',
    driver: 'simulated',
    regions: ['n-1', 'n-2'],
    pricePerNodeHour: 0.15,
    egressPricePerGB: 0.01,
  },
];
const svc = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  hostname: `${name}.example.org`,
  burstable: true,
  namespace: NS,
  ...extra,
});
const config = (services: ConfigInput['services']) => ConfigSchema.parse({ providers: PROVIDERS, services });

describe('dataTransferOf', () => {
  it('is undefined when no service declares egress or a data locality, so placement is by node price', () => {
    expect(dataTransferOf(config([svc('web')]))).toBeUndefined();
  });

  it('adds up the egress of every service a burst carries, leaving out those that may not burst', () => {
    const transfer = dataTransferOf(
      config([
        svc('web', { egressGBPerNodeHour: 1.5 }),
        svc('api', { egressGBPerNodeHour: 0.5 }),
        svc('archive', { burstable: false, egressGBPerNodeHour: 100 }),
        svc('elsewhere', { namespace: 'private', egressGBPerNodeHour: 100 }),
      ]),
    );
    expect(transfer).toEqual({ egressGBPerNodeHour: 2 });
  });

  it('takes the data locality of the services that send the most, the first declared on a tie', () => {
    const transfer = dataTransferOf(
      config([
        svc('web', { egressGBPerNodeHour: 1, dataLocality: { provider: 'cheap' } }),
        svc('api', { egressGBPerNodeHour: 2, dataLocality: { provider: 'near', region: 'n-2' } }),
        svc('db', { egressGBPerNodeHour: 2, dataLocality: { provider: 'cheap' } }),
      ]),
    );
    expect(transfer).toEqual({ egressGBPerNodeHour: 5, locality: { provider: 'cheap' } });
    expect(
      dataTransferOf(
        config([
          svc('a', { dataLocality: { region: 'n-2' } }),
          svc('b', { dataLocality: { region: 'c-1' } }),
        ]),
      ),
    ).toEqual({ egressGBPerNodeHour: 0, locality: { region: 'n-2' } });
  });

  it('makes the simulator create where the runtime would: node price plus transfer cost', () => {
    const parsed = config([svc('web', { egressGBPerNodeHour: 2 })]);
    const now = new Date('2026-01-01T00:00:00Z');
    const step = (transfer: ReturnType<typeof dataTransferOf>) =>
      policyStep({
        delivered: {
          source: 'alertmanager',
          status: 'firing',
          signalKey: 'g',
          dedupeKey: 'g',
          labels: {},
          summary: 'load',
          at: now.toISOString(),
          demand: 3,
        },
        clusters: [],
        policy: parsed.policy,
        offers: parsed.providers,
        ...(transfer && { transfer }),
        now,
      });
    const [create] = step(dataTransferOf(parsed));
    expect(create).toMatchObject({ kind: 'create', provider: 'near', nodes: 3, costPerHour: 0.51 });
    expect(create!.why).toMatch(/nodes 0\.15 \+ data transfer 0\.02/);
    // Without the services' egress the lower node price would win.
    expect(step(undefined)[0]).toMatchObject({ kind: 'create', provider: 'cheap' });
  });

  it('reaches the simulator run, which then buys its nodes at the provider the transfer favours', () => {
    const providers = [
      { name: 'cloud', driver: 'simulated', regions: ['r1'], pricePerNodeHour: 1, egressPricePerGB: 1 },
      { name: 'dear', driver: 'simulated', regions: ['r2'], pricePerNodeHour: 1.2, egressPricePerGB: 0 },
    ];
    const input = squareWave({ providers });
    const plain = simulate(input).figures;
    const priced = simulate({ ...input, transfer: { egressGBPerNodeHour: 1 } }).figures;
    // Same node-hours, each at 1.2 instead of 1 (the simulator bills node and control-plane hours).
    expect(priced.nodeHours).toBe(plain.nodeHours);
    expect(priced.cost - plain.cost).toBeCloseTo(plain.nodeHours * 0.2, 6);
  });
});
