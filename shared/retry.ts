/**
 * The one retry loop and the one sleep of clusterburst. Every driver and core loop that tries a
 * call again goes through `retry`, so all of them back off with jitter (concurrent writers do not
 * retry in step) and all of them stop when the invocation's deadline signal aborts.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { ClusterburstError } from './errors.ts';

/** The invocation ran out of time: retryable, the platform delivers the event again. */
export class DeadlineError extends ClusterburstError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, { ...options, retryable: true });
  }
}

/** How often and how patiently `retry` tries again. */
export interface RetryOptions {
  /** Tries in all, the first included. */
  readonly attempts: number;
  /** Delay cap before the second try, doubled per try. @default 50 */
  readonly baseMs?: number;
  /** Longest delay between two tries. @default 2000 */
  readonly maxMs?: number;
  /** Give up once this long has passed since the first try; the last wait is cut to fit. */
  readonly maxElapsedMs?: number;
  /** Stops the loop (and a running sleep); defaults to the invocation's signal, see `withSignal`. */
  readonly signal?: AbortSignal;
  /** Whether a failure is worth another try. @default every failure */
  readonly retryIf?: (error: unknown, attempt: number) => boolean | Promise<boolean>;
  /** Told about each failed try (logs, metrics). */
  readonly onFailure?: (error: unknown, attempt: number) => void;
  /** Waits between tries; tests pass a fake clock's. @default sleep */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const invocation = new AsyncLocalStorage<AbortSignal>();

/**
 * Runs `fn` with `signal` as the invocation's signal: every `retry`, `sleep` and SDK call made
 * inside it (drivers included, which are built once per process) stops when it aborts.
 */
export function withSignal<T>(signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  return signal ? invocation.run(signal, fn) : fn();
}

/** The signal of the invocation running now, if its platform has a deadline. */
export function currentSignal(): AbortSignal | undefined {
  return invocation.getStore();
}

/**
 * A signal that aborts `marginMs` before an invocation's deadline, with a retryable
 * DeadlineError, so the function answers (and is retried) instead of being killed mid-call.
 * `remainingMs` undefined (the local runtime) means no deadline.
 */
export function deadlineSignal(remainingMs: number | undefined, marginMs = 1000): AbortSignal | undefined {
  if (remainingMs === undefined || !Number.isFinite(remainingMs)) return undefined;
  const controller = new AbortController();
  const left = Math.max(0, remainingMs - marginMs);
  const abort = () =>
    controller.abort(new DeadlineError(`invocation deadline reached (${remainingMs} ms were left)`));
  if (left === 0) abort();
  else setTimeout(abort, left).unref();
  return controller.signal;
}

/** Throws the signal's reason (as a retryable error) when it has aborted. */
export function throwIfAborted(signal: AbortSignal | undefined = currentSignal(), cause?: unknown): void {
  if (signal?.aborted) throw abortError(signal, cause);
}

/** Resolves after `ms`, or rejects with a retryable error as soon as `signal` aborts. */
export async function sleep(ms: number, signal: AbortSignal | undefined = currentSignal()): Promise<void> {
  throwIfAborted(signal);
  if (ms <= 0) return;
  try {
    await delay(ms, undefined, signal ? { signal } : undefined);
  } catch (error) {
    if (signal?.aborted) throw abortError(signal);
    throw error;
  }
}

/**
 * Equal-jitter exponential backoff: the delay after the `attempt`-th failure lies between half
 * and all of min(maxMs, baseMs * 2^(attempt-1)), so it grows but never lines writers up.
 */
export function backoffDelay(attempt: number, baseMs = 50, maxMs = 2000): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.ceil(cap / 2 + (Math.random() * cap) / 2);
}

/**
 * Calls `fn` until it resolves, a failure is not worth retrying, the tries or the time run out
 * (then the last failure is thrown), or the signal aborts (then a retryable DeadlineError, or
 * the signal's own ClusterburstError, caused by the last failure).
 * @example
 * await retry(() => client.replace(body), { attempts: 5, retryIf: (e) => isKubeFailure(e, 409) });
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const signal = options.signal ?? currentSignal();
  const wait = options.sleep ?? sleep;
  const started = performance.now();
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(signal);
    try {
      return await fn(attempt);
    } catch (error) {
      options.onFailure?.(error, attempt);
      if (signal?.aborted) throw abortError(signal, error);
      if (attempt >= options.attempts) throw error;
      if (options.retryIf && !(await options.retryIf(error, attempt))) throw error;
      const ms = backoffDelay(attempt, options.baseMs, options.maxMs);
      if (options.maxElapsedMs !== undefined && performance.now() - started + ms > options.maxElapsedMs)
        throw error;
      try {
        await wait(ms, signal);
      } catch (sleepError) {
        throw signal?.aborted ? abortError(signal, error) : sleepError;
      }
    }
  }
}

function abortError(signal: AbortSignal, cause?: unknown): ClusterburstError {
  const reason: unknown = signal.reason;
  if (reason instanceof ClusterburstError && cause === undefined) return reason;
  const why = reason instanceof Error ? reason.message : 'aborted';
  return new DeadlineError(`stopped: ${why}`, { cause: cause ?? reason });
}
