import type { Deps } from '../core/deps.ts';
import { ClusterburstError, DriverError } from '../errors.ts';
import { withDeadline } from './deadline.ts';
import { lazyDeps } from './lazy-deps.ts';

/** What a trigger invocation answers when it acknowledged an event it could not use. */
export interface Ignored {
  readonly ignored: true;
  readonly why: string;
}

/**
 * Whether the platform should deliver the event again. Our errors say so themselves; anything
 * else (a bug, a crash inside a driver) is retried too: every step is idempotent and the
 * platform's retry budget is bounded, while acknowledging would drop the event for good.
 */
export function shouldRetry(error: unknown): boolean {
  return error instanceof ClusterburstError ? error.retryable : true;
}

/**
 * One invocation of an event or schedule trigger (EventBridge rule, Pub/Sub, Cloud Scheduler):
 * run the operation, then publish what it wrote to the outbox before returning, because a
 * function instance may be frozen as soon as it answers. A retryable failure is thrown so the
 * platform redelivers; a final one (an event that will never validate, a burst that is gone) is
 * logged and acknowledged. When the bus refuses events, the invocation fails retryably too:
 * the redelivered step finds its work done and publishes again, where acknowledging would leave
 * the next step waiting for reconcile.
 * Platform-neutral: the Lambda and Cloud Functions adapters share it; `remainingMs` is the
 * invocation's time left (see withDeadline).
 */
export async function runTrigger<T>(
  name: string,
  run: (deps: Deps) => Promise<T>,
  remainingMs?: number,
): Promise<T | Ignored> {
  return withDeadline(await lazyDeps(), remainingMs, (deps) => runWith(name, deps, run));
}

async function runWith<T>(name: string, deps: Deps, run: (deps: Deps) => Promise<T>): Promise<T | Ignored> {
  let ran = false;
  try {
    const result = await run(deps);
    ran = true;
    const { failed } = await deps.relay.flush();
    if (failed) {
      throw new DriverError(deps.bus.name, `${failed} lifecycle event(s) not published`, { retryable: true });
    }
    return result;
  } catch (error) {
    // A step may have committed before it failed; what it wrote should still go out.
    if (!ran) await deps.relay.flush().catch(() => undefined);
    const message = error instanceof Error ? error.message : String(error);
    if (shouldRetry(error)) {
      deps.logger.error(`${name} failed, asking for a redelivery: ${message}`, { function: name });
      throw error;
    }
    deps.logger.warn(`${name} acknowledged an event it cannot use: ${message}`, { function: name });
    return { ignored: true, why: message };
  }
}
