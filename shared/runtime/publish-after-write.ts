import type { Deps } from '../core/deps.ts';

/**
 * Publish the outbox after an HTTP request that may have written, before answering (a function
 * instance may be frozen as soon as it answers). The answer never depends on it: the write is
 * committed and reconcile publishes what is left, so a refusal by the bus is only a warning.
 * Platform-neutral: the Lambda and Cloud Functions HTTP adapters share it.
 */
export async function publishAfterWrite(deps: Deps, route: string): Promise<void> {
  let failed: number;
  try {
    ({ failed } = await deps.relay.flush());
  } catch (error) {
    const message = (error as Error).message;
    deps.logger.warn(`publishing the outbox after ${route} failed, reconcile will: ${message}`, { route });
    return;
  }
  if (failed) {
    deps.logger.warn(`${failed} lifecycle event(s) not published after ${route}, reconcile will`, { route });
  }
}
