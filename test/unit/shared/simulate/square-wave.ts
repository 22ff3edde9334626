import { ConfigSchema } from '../../../../shared/config/config-schema.ts';
import type { SimulationInput } from '../../../../shared/simulate/simulate.ts';
import type { Trace } from '../../../../shared/simulate/trace.ts';

/**
 * A square wave with a known answer: home serves 100, a node 10; load 50 for 30 min, 150 for
 * exactly 60 min (5 nodes short), then 50 for 150 min. Latencies are whole minutes, billing is
 * per minute, a node-hour costs 1 and a control-plane hour 0.6.
 */
export function squareWave(overrides: Record<string, unknown> = {}): SimulationInput {
  const load = [
    ...Array<number>(30).fill(50),
    ...Array<number>(60).fill(150),
    ...Array<number>(150).fill(50),
  ];
  const trace: Trace = { stepSeconds: 60, load, timeColumn: 'minute', loadColumn: 'load', rows: load.length };
  const config = ConfigSchema.parse({
    providers: [{ name: 'cloud', driver: 'simulated', regions: ['r1'], pricePerNodeHour: 1 }],
    simulation: {
      homeCapacity: 100,
      loadPerNode: 10,
      alert: { threshold: 1, forSeconds: 0 },
      latency: { create: 600, join: 60, route: 60, resize: 120, drain: 60, delete: 300 },
      controlPlanePerHour: 0.6,
      billingGranularitySeconds: 60,
    },
    ...overrides,
  });
  return {
    trace,
    policy: config.policy,
    offers: config.providers,
    settings: { ...config.simulation, homeCapacity: 100, loadPerNode: 10 },
  };
}
