import { retry } from '../../retry.ts';

/**
 * Run `attempt` again while it lost a race to a concurrent writer (`lost`), with short jittered
 * backoff (the winner finishes within milliseconds); once every attempt lost, throw `exhausted()`
 * instead (a retryable error: the delivery is retried later). Other errors pass through. The
 * stores without a database transaction (Kubernetes, DynamoDB) serialise their writes this way.
 */
export async function retryContended<T>(
  attempt: () => Promise<T>,
  options: {
    readonly attempts: number;
    readonly lost: (error: unknown) => boolean;
    readonly exhausted: () => Error;
  },
): Promise<T> {
  try {
    return await retry(attempt, {
      attempts: options.attempts,
      baseMs: 10,
      maxMs: 150,
      retryIf: options.lost,
    });
  } catch (error) {
    if (options.lost(error)) throw options.exhausted();
    throw error;
  }
}
