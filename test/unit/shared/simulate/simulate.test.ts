import { describe, expect, it } from 'vitest';
import { simulate } from '../../../../shared/simulate/simulate.ts';
import { squareWave } from './square-wave.ts';

describe('simulating a square wave with a known answer', () => {
  // Load exceeds home at minute 30; the alert (threshold 1, no `for`) fires at once and asks for
  // 5 nodes: one cluster of 5. Create 10 + join 1 + route 1 = 12 min: the nodes serve from
  // minute 42. Load falls at minute 90 and the alert resolves; the planner keeps the demand for
  // the 10 min scale-down window, then at minute 100 shrinks the pool to the default step of 3
  // nodes (2 nodes billed until the 2 min resize is done, minute 102), and drains the cluster
  // once the resize settled, at minute 102: its 3 nodes and the control plane are billed until
  // drain 1 + delete 5 min later, minute 108.
  const { figures, samples } = simulate(squareWave());

  it('buys capacity at the first alarm and serves from the alarm plus the provisioning latency', () => {
    expect(samples.find((s) => s.bought > 100)?.t).toBe(30 * 60);
    expect(samples.find((s) => s.serving > 100)?.t).toBe(42 * 60);
    expect(samples[42]!.serving).toBe(150);
    expect(figures.clustersCreated).toBe(1);
  });

  it('leaves exactly the latency unserved, none of it beyond the latency', () => {
    expect(figures.unservedMinutes).toBe(12);
    expect(figures.unservedLoadMinutes).toBe(12 * 50);
    expect(figures.unservedMinutesBeyondLatency).toBe(0);
  });

  it('bills node-hours and cluster-hours as computed by hand, shrinking before draining', () => {
    // 2 nodes from minute 30 to 102, 3 nodes and the control plane from 30 to 108.
    expect(figures.nodeHours).toBe((2 * 72 + 3 * 78) / 60);
    expect(figures.clusterHours).toBe(78 / 60);
    expect(figures.cost).toBeCloseTo((2 * 72 + 3 * 78) / 60 + (0.6 * 78) / 60, 4);
    expect(figures.resizes).toBe(1);
    expect(samples[99]!.serving).toBe(150);
    expect(samples[100]!.serving).toBe(130);
    expect(samples[101]!.bought).toBe(150);
    expect(samples[102]!.bought).toBe(130);
    expect(samples[102]!.serving).toBe(100);
    expect(samples[107]!.bought).toBe(130);
    expect(samples[108]!.bought).toBe(100);
  });

  it('compares with the oracle, which buys just in time and lets go at once', () => {
    // The oracle's cluster and first node: minute 18 (30 - 12) to 96 (90 + drain 1 + delete 5),
    // 78 min; its four other nodes come by resize once the cluster is Ready: minute 28 to 92, 64 min.
    expect(figures.oracle.clusterHours).toBe(1.3);
    expect(figures.oracle.nodeHours).toBeCloseTo((78 + 4 * 64) / 60, 4);
    expect(figures.oracle.cost).toBeCloseTo((78 + 4 * 64) / 60 + 0.6 * 1.3, 4);
    expect(figures.costRatioToOracle).toBeCloseTo(figures.cost / figures.oracle.cost, 3);
  });

  it('counts the unserved minutes an alert `for` adds as beyond the latency', () => {
    const late = simulate(
      squareWave({
        simulation: {
          homeCapacity: 100,
          loadPerNode: 10,
          alert: { threshold: 1, forSeconds: 180 },
          latency: { create: 600, join: 60, route: 60, resize: 120, drain: 60, delete: 300 },
        },
      }),
    ).figures;
    expect(late.unservedMinutes).toBe(15);
    expect(late.unservedMinutesBeyondLatency).toBe(3);
  });

  it('gives the same figures for the same seed when latencies are drawn from a distribution', () => {
    const drawn = () =>
      squareWave({
        simulation: {
          homeCapacity: 100,
          loadPerNode: 10,
          seed: 7,
          latency: { create: { lognormal: { median: 600, sigma: 0.5 } } },
        },
      });
    expect(simulate(drawn()).figures).toEqual(simulate(drawn()).figures);
  });
});
