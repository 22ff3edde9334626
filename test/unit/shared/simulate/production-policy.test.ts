import { afterEach, describe, expect, it, vi } from 'vitest';
import * as scaleDown from '../../../../shared/domain/decide-scale-down.ts';
import { simulate } from '../../../../shared/simulate/simulate.ts';
import { squareWave } from './square-wave.ts';

// Replace the production scale-down decision by a spy that calls the real one, unless a test
// changes what it does: the simulation must follow whatever the production code decides.
vi.mock('../../../../shared/domain/decide-scale-down.ts', async (original) => {
  const real = await original<typeof import('../../../../shared/domain/decide-scale-down.ts')>();
  return { ...real, decideScaleDown: vi.fn(real.decideScaleDown) };
});

const decideScaleDown = vi.mocked(scaleDown.decideScaleDown);

describe('the simulator runs the production policy', () => {
  afterEach(() => {
    decideScaleDown.mockReset();
  });

  it('asks the production decision at every step, with the simulated fleet and load', async () => {
    const real = (await vi.importActual<typeof scaleDown>('../../../../shared/domain/decide-scale-down.ts'))
      .decideScaleDown;
    decideScaleDown.mockImplementation(real);
    simulate(squareWave());
    expect(decideScaleDown).toHaveBeenCalledTimes(240);
    const [load, clusters, policy, now] = decideScaleDown.mock.calls[60]!;
    expect(load).toMatchObject({ ok: true, windowSeconds: 600, overall: 1 });
    expect(clusters).toEqual([expect.objectContaining({ phase: 'Active', nodes: 5, provider: 'cloud' })]);
    expect(policy.scaleDownWindowSeconds).toBe(600);
    expect(now.toISOString()).toBe('2026-01-01T01:00:00.000Z');
  });

  it('changes its figures when the production decision changes', async () => {
    const real = (await vi.importActual<typeof scaleDown>('../../../../shared/domain/decide-scale-down.ts'))
      .decideScaleDown;
    decideScaleDown.mockImplementation(real);
    const before = simulate(squareWave()).figures;
    // A policy that never drains keeps the 5 nodes to the end of the trace (minute 240).
    decideScaleDown.mockImplementation(() => ({ drain: [], verdicts: [], why: 'never' }));
    const after = simulate(squareWave()).figures;
    expect(before.nodeHours).toBe(6.25);
    expect(after.nodeHours).toBe((5 * 210) / 60);
  });
});
