import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as planner from '../../../../shared/domain/plan-capacity.ts';
import { simulate } from '../../../../shared/simulate/simulate.ts';
import { squareWave } from './square-wave.ts';

const PLANNER = '../../../../shared/domain/plan-capacity.ts';

// The production planner, behind a spy that calls the real one unless a test changes what it
// does: the simulation must follow whatever the production code decides.
vi.mock('../../../../shared/domain/plan-capacity.ts', async (original) => {
  const real = await original<typeof planner>();
  return { ...real, planCapacity: vi.fn(real.planCapacity) };
});

const planCapacity = vi.mocked(planner.planCapacity);

describe('the simulator runs the production planner', () => {
  beforeEach(async () => {
    const real = await vi.importActual<typeof planner>(PLANNER);
    planCapacity.mockReset();
    planCapacity.mockImplementation(real.planCapacity);
  });

  it('asks planCapacity at every step, with the wanted capacity and the simulated fleet', () => {
    simulate(squareWave());
    expect(planCapacity).toHaveBeenCalledTimes(240);
    const input = planCapacity.mock.calls[60]![0];
    expect(input.wanted.nodes).toBe(5);
    expect(input.clusters).toEqual([
      expect.objectContaining({ phase: 'Active', nodes: { desired: 5 }, provider: 'cloud', warm: false }),
    ]);
    expect(input.now.toISOString()).toBe('2026-01-01T01:00:00.000Z');
    // The first alarm: nothing there yet, the planner creates the cluster the world then builds.
    expect(planCapacity.mock.results[30]!.value).toEqual([
      expect.objectContaining({ kind: 'create', provider: 'cloud', nodes: 5 }),
    ]);
  });

  it('changes its figures when the production planner changes', async () => {
    const real = (await vi.importActual<typeof planner>(PLANNER)).planCapacity;
    const before = simulate(squareWave()).figures;
    // A planner that never gives capacity back keeps the 5 nodes to the end of the trace.
    planCapacity.mockImplementation((input) =>
      real(input).filter((a) => a.kind !== 'shrink' && a.kind !== 'drain'),
    );
    const after = simulate(squareWave()).figures;
    expect(before.nodeHours).toBe(6.3);
    expect(after.nodeHours).toBe((5 * 210) / 60);
    expect(after.resizes).toBe(0);
  });
});
