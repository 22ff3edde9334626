import { describe, expect, it } from 'vitest';
import { DriverError } from '../../../shared/errors.ts';
import {
  backoffDelay,
  currentSignal,
  DeadlineError,
  deadlineSignal,
  retry,
  sleep,
  withSignal,
} from '../../../shared/retry.ts';

describe('retry', () => {
  it('tries again until the call succeeds and returns its value', async () => {
    let calls = 0;
    const value = await retry(
      async () => {
        calls++;
        if (calls < 3) throw new Error('not yet');
        return 'done';
      },
      { attempts: 5, baseMs: 1 },
    );
    expect(value).toBe('done');
    expect(calls).toBe(3);
  });

  it('throws the last failure once the tries run out', async () => {
    let calls = 0;
    const run = retry(
      async (attempt) => {
        calls++;
        throw new Error(`failure ${attempt}`);
      },
      { attempts: 3, baseMs: 1 },
    );
    await expect(run).rejects.toThrow('failure 3');
    expect(calls).toBe(3);
  });

  it('does not try again after a failure retryIf refuses', async () => {
    let calls = 0;
    const run = retry(
      async () => {
        calls++;
        throw new DriverError('x', 'forbidden', { retryable: false });
      },
      { attempts: 5, baseMs: 1, retryIf: (e) => (e as DriverError).retryable },
    );
    await expect(run).rejects.toThrow('forbidden');
    expect(calls).toBe(1);
  });

  it('stops a retry loop when its signal aborts, failing retryably with the last failure as cause', async () => {
    const controller = new AbortController();
    let calls = 0;
    const started = performance.now();
    setTimeout(() => controller.abort(), 50);
    const run = retry(
      async () => {
        calls++;
        throw new Error('still down');
      },
      { attempts: 1000, baseMs: 10_000, maxMs: 10_000, signal: controller.signal },
    );
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineError);
    expect((error as DeadlineError).retryable).toBe(true);
    expect(((error as DeadlineError).cause as Error).message).toBe('still down');
    expect(calls).toBe(1);
    // The 5-10 s backoff after the first failure was cut short: nowhere near 10 s passed.
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('stops waiting out a backoff as soon as the invocation deadline passes', async () => {
    const signal = deadlineSignal(60, 10);
    let calls = 0;
    const error = await withSignal(signal, () =>
      retry(
        async () => {
          calls++;
          throw new Error('busy');
        },
        { attempts: 100, baseMs: 5000, maxMs: 5000 },
      ),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineError);
    expect(calls).toBe(1);
  });

  it('gives up once maxElapsedMs have passed since the first try', async () => {
    let calls = 0;
    const run = retry(
      async () => {
        calls++;
        throw new Error('locked');
      },
      { attempts: 1000, baseMs: 40, maxMs: 40, maxElapsedMs: 100 },
    );
    await expect(run).rejects.toThrow('locked');
    expect(calls).toBeGreaterThan(1);
    expect(calls).toBeLessThan(8);
  });
});

describe('backoffDelay', () => {
  it('grows exponentially up to the cap and keeps half of it fixed (jitter above)', () => {
    for (let i = 0; i < 50; i++) {
      const first = backoffDelay(1, 100, 1000);
      expect(first).toBeGreaterThanOrEqual(50);
      expect(first).toBeLessThanOrEqual(100);
      const late = backoffDelay(10, 100, 1000);
      expect(late).toBeGreaterThanOrEqual(500);
      expect(late).toBeLessThanOrEqual(1000);
    }
    const spread = new Set(Array.from({ length: 50 }, () => backoffDelay(4, 100, 1000)));
    expect(spread.size).toBeGreaterThan(1);
  });
});

describe('deadline signal', () => {
  it('is already aborted when less than the margin is left, so nothing starts', async () => {
    const signal = deadlineSignal(500, 1000);
    expect(signal?.aborted).toBe(true);
    await expect(sleep(1, signal)).rejects.toBeInstanceOf(DeadlineError);
  });

  it('is absent without a platform deadline (the local runtime)', () => {
    expect(deadlineSignal(undefined)).toBeUndefined();
  });

  it('is the current signal inside withSignal only', async () => {
    const signal = new AbortController().signal;
    expect(await withSignal(signal, async () => currentSignal())).toBe(signal);
    expect(currentSignal()).toBeUndefined();
  });
});
