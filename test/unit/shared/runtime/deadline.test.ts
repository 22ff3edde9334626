import { describe, expect, it } from 'vitest';
import type { Deps } from '../../../../shared/core/deps.ts';
import { ConfigError } from '../../../../shared/errors.ts';
import { currentSignal, DeadlineError } from '../../../../shared/retry.ts';
import {
  configuredTimeoutMs,
  DEADLINE_MARGIN_MS,
  withDeadline,
} from '../../../../shared/runtime/deadline.ts';

const deps = {} as Deps;

describe('the invocation deadline', () => {
  it('gives the operation deps.signal and makes it the signal of every retry inside', async () => {
    const seen = await withDeadline(deps, 60_000, async (d) => ({
      signal: d.signal,
      current: currentSignal(),
    }));
    expect(seen.signal).toBeInstanceOf(AbortSignal);
    expect(seen.current).toBe(seen.signal);
    expect(seen.signal?.aborted).toBe(false);
  });

  it('aborts the margin before the deadline with a retryable DeadlineError', async () => {
    const signal = await withDeadline(deps, DEADLINE_MARGIN_MS + 30, async (d) => d.signal);
    await expect.poll(() => signal?.aborted, { timeout: 1000, interval: 5 }).toBe(true);
    expect(signal?.reason).toBeInstanceOf(DeadlineError);
    expect(signal?.reason).toMatchObject({ retryable: true });
  });

  it('runs without a signal where the platform has no deadline (the local runtime)', async () => {
    expect(await withDeadline(deps, undefined, async (d) => d.signal)).toBeUndefined();
  });

  it('reads the Cloud Functions timeout from its configuration, preferring ours', async () => {
    await expect(configuredTimeoutMs({ FUNCTION_TIMEOUT_SEC: '60' })).resolves.toBe(60_000);
    await expect(
      configuredTimeoutMs({ CLUSTERBURST_FUNCTION_TIMEOUT_SEC: '540', FUNCTION_TIMEOUT_SEC: '60' }),
    ).resolves.toBe(540_000);
    await expect(configuredTimeoutMs({})).resolves.toBeUndefined();
  });

  it('refuses a timeout that is not whole seconds, naming the variable', async () => {
    await expect(configuredTimeoutMs({ FUNCTION_TIMEOUT_SEC: 'soon' })).rejects.toThrow(ConfigError);
    await expect(configuredTimeoutMs({ FUNCTION_TIMEOUT_SEC: 'soon' })).rejects.toThrow(
      /FUNCTION_TIMEOUT_SEC/,
    );
  });
});
