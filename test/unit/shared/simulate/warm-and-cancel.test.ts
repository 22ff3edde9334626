import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../../../shared/config/config-schema.ts';
import { type SimulationInput, simulate } from '../../../../shared/simulate/simulate.ts';
import { squareWave } from './square-wave.ts';

/** The square wave's settings with `policy` and `latency` changed, on `load` (per minute). */
function run(load: number[], policy: Record<string, unknown>, latency: Record<string, number> = {}) {
  const base = squareWave();
  const config = ConfigSchema.parse({
    policy,
    providers: [{ name: 'cloud', driver: 'simulated', regions: ['r1'], pricePerNodeHour: 1 }],
  });
  const input: SimulationInput = {
    ...base,
    trace: { ...base.trace, load, rows: load.length },
    policy: config.policy,
    settings: { ...base.settings, latency: { ...base.settings.latency, ...latency } },
  };
  return simulate(input);
}

const minutes = (...runs: [number, number][]) => runs.flatMap(([v, m]) => Array<number>(m).fill(v));

describe('the simulated fleet carries out every kind of planned action', () => {
  it('serves from a warm standby cluster a route and a resize after the alarm, not a create', () => {
    const { figures, samples } = run(minutes([50, 30], [150, 60], [50, 150]), { warmClusters: 1 });
    // The warm cluster (1 node) is taken at minute 30: routed at 31, grown to 5 nodes at 32.
    expect(samples[30]!.serving).toBe(100);
    expect(samples[31]!.serving).toBe(110);
    expect(samples[32]!.serving).toBe(150);
    expect(figures.unservedMinutes).toBe(2);
    expect(figures.unservedMinutesBeyondLatency).toBe(0);
    // The first warm cluster, and its replacement once it was taken.
    expect(figures.clustersCreated).toBe(2);
  });

  it('brings a draining cluster back when load returns during its drain', () => {
    // The cluster drains at minute 102 (10 min drain); load returns at minute 105.
    const { figures, samples } = run(
      minutes([50, 30], [150, 60], [50, 15], [150, 30], [50, 105]),
      {},
      {
        drain: 600,
      },
    );
    expect(figures.drainsCancelled).toBe(1);
    // Its 3 nodes (shrunk to the default step before the drain) serve again a route (1 min) after the cancel.
    expect(samples[105]!.serving).toBe(100);
    expect(samples[106]!.serving).toBe(130);
  });
});
