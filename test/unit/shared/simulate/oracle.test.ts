import { describe, expect, it } from 'vitest';
import { type OracleInput, oracle } from '../../../../shared/simulate/oracle.ts';

/** Needed nodes per minute from runs of [nodes, minutes]. */
function minutes(...runs: [number, number][]): number[] {
  return runs.flatMap(([n, m]) => Array<number>(m).fill(n));
}

const base: Omit<OracleInput, 'needed'> = {
  stepSeconds: 60,
  maxNodesPerCluster: 10,
  maxClusters: 3,
  createLead: 120,
  resize: 60,
  teardown: 60,
  nodeHour: 1,
  controlPlaneHour: 0,
  granularitySeconds: 60,
};

describe('the oracle', () => {
  it('keeps a node across a gap shorter than letting it go and buying it again', () => {
    // Needed minutes 0-10 and 12-22: kept, billed from minute -2 to 23.
    const kept = oracle({ ...base, needed: minutes([1, 10], [0, 2], [1, 10], [0, 10]) });
    expect(kept.nodeHours * 60).toBeCloseTo(25, 6);
  });

  it('lets a node go across a longer gap and buys it again just in time', () => {
    // Needed minutes 0-10 and 20-30: two runs of 2 + 10 + 1 minutes.
    const split = oracle({ ...base, needed: minutes([1, 10], [0, 10], [1, 10], [0, 10]) });
    expect(split.nodeHours * 60).toBeCloseTo(26, 6);
    expect(split.clusterHours * 60).toBeCloseTo(26, 6);
  });

  it('keeps it across the same gap when billing is by the hour', () => {
    const hourly = oracle({
      ...base,
      granularitySeconds: 3600,
      needed: minutes([1, 10], [0, 10], [1, 10], [0, 10]),
    });
    expect(hourly.nodeHours).toBe(1);
  });

  it('brings further nodes by resize into the cluster the first node came with, and pays the control plane', () => {
    // 3 nodes needed minutes 10-20: the cluster and first node from minute 8 to 21 (13 min),
    // two more by resize from minute 9 to 21 (12 min each).
    const f = oracle({ ...base, controlPlaneHour: 6, needed: minutes([0, 10], [3, 10], [0, 10]) });
    expect(f.nodeHours * 60).toBeCloseTo(13 + 2 * 12, 6);
    expect(f.clusterHours * 60).toBeCloseTo(13, 6);
    expect(f.cost).toBeCloseTo((13 + 2 * 12) / 60 + (6 * 13) / 60, 6);
  });

  it('serves no more than max clusters times max nodes per cluster, and buys nothing when nothing is needed', () => {
    const capped = oracle({
      ...base,
      maxNodesPerCluster: 2,
      maxClusters: 1,
      needed: minutes([5, 10], [0, 10]),
    });
    expect(capped.clusterHours * 60).toBeCloseTo(13, 6);
    expect(capped.nodeHours * 60).toBeCloseTo(13 + 12, 6);
    expect(oracle({ ...base, needed: minutes([0, 30]) })).toEqual({ nodeHours: 0, clusterHours: 0, cost: 0 });
  });
});
