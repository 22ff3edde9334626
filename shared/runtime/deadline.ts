/**
 * The invocation's deadline. Lambda says how long is left (`context.getRemainingTimeInMillis()`);
 * Cloud Functions has no such call, so there the configured timeout stands in for it; locally
 * there is none. Everything an invocation runs sees one signal (`deps.signal`, and the retry
 * helper's current signal for drivers, which are built once per process) that aborts a little
 * before the deadline, so a retry loop or an SDK call stops and the invocation fails retryably
 * instead of being killed mid-call.
 */
import type { Deps } from '../core/deps.ts';
import { ConfigError } from '../errors.ts';
import { deadlineSignal, throwIfAborted, withSignal } from '../retry.ts';

/** Time kept before the platform's deadline to fail, flush the outbox and answer. */
export const DEADLINE_MARGIN_MS = 1000;

/**
 * Runs one invocation with `remainingMs` left: `run` gets deps carrying the deadline signal, and
 * fails at once (retryably) when less than the margin is left.
 */
export function withDeadline<T>(
  deps: Deps,
  remainingMs: number | undefined,
  run: (deps: Deps) => Promise<T>,
): Promise<T> {
  const signal = deadlineSignal(remainingMs, DEADLINE_MARGIN_MS);
  if (!signal) return run(deps);
  return withSignal(signal, async () => {
    throwIfAborted(signal);
    return run({ ...deps, signal });
  });
}

/**
 * A Cloud Functions invocation's time budget: the configured timeout
 * (`CLUSTERBURST_FUNCTION_TIMEOUT_SEC`, else 1st gen's `FUNCTION_TIMEOUT_SEC`), undefined if unset.
 * Its schema loads with the first invocation, so a cold start imports no zod.
 */
export async function configuredTimeoutMs(env: NodeJS.ProcessEnv = process.env): Promise<number | undefined> {
  for (const name of ['CLUSTERBURST_FUNCTION_TIMEOUT_SEC', 'FUNCTION_TIMEOUT_SEC'] as const) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const { TimeoutSecondsSchema } = await import('../schemas/function-timeout.ts');
    const parsed = TimeoutSecondsSchema.safeParse(raw);
    if (!parsed.success) throw new ConfigError(`${name}: must be whole seconds from 1 to 3600`);
    return parsed.data * 1000;
  }
  return undefined;
}
