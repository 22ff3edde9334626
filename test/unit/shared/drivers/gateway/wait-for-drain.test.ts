import { describe, expect, it } from 'vitest';
import { waitForDrain } from '../../../../../shared/drivers/gateway/wait-for-drain.ts';

/** A fake clock: sleeping advances it, so no test waits in real time. */
function fakeClock() {
  let t = 0;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
  };
}

describe('waitForDrain', () => {
  it('returns at once when nothing is open', async () => {
    const clock = fakeClock();
    const result = await waitForDrain({ connections: async () => 0, timeoutMs: 10_000, ...clock });
    expect(result).toEqual({ drained: true, waitedMs: 0, remaining: 0 });
    expect(clock.sleeps).toEqual([]);
  });

  it('polls until the count reaches zero and says how long it took', async () => {
    const clock = fakeClock();
    const counts = [3, 2, 1, 0];
    const result = await waitForDrain({
      connections: async () => counts.shift() ?? 0,
      timeoutMs: 10_000,
      pollMs: 500,
      ...clock,
    });
    expect(result).toEqual({ drained: true, waitedMs: 1500, remaining: 0 });
  });

  it('stops at the bound and reports what is still open, never sleeping past it', async () => {
    const clock = fakeClock();
    const result = await waitForDrain({ connections: async () => 4, timeoutMs: 1200, pollMs: 500, ...clock });
    expect(result).toEqual({ drained: false, waitedMs: 1200, remaining: 4 });
    expect(clock.sleeps).toEqual([500, 500, 200]);
  });

  it('lets a failing connection count propagate rather than call the server drained', async () => {
    const clock = fakeClock();
    const failing = async () => {
      throw new Error('runtime API unreachable');
    };
    await expect(waitForDrain({ connections: failing, timeoutMs: 1000, ...clock })).rejects.toThrow(
      /unreachable/,
    );
  });

  it('works on the real clock with short bounds', async () => {
    const started = performance.now();
    const result = await waitForDrain({ connections: async () => 1, timeoutMs: 120, pollMs: 40 });
    expect(result.drained).toBe(false);
    expect(result.waitedMs).toBeGreaterThanOrEqual(120);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
