import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Deps } from '../../core/deps.ts';
import { type Ignored, runTrigger } from '../run-trigger.ts';

/** A Lambda handler for events delivered asynchronously (EventBridge rules, schedules). */
export type TriggerHandler<T> = (event: unknown, context: Context) => Promise<T | Ignored>;

/**
 * The Lambda handler (middy 6) of an event trigger: `run` gets the raw event and validates it
 * itself. Retryable failures make the invocation fail, so Lambda's async retries and the rule's
 * retry policy deliver it again; final ones are logged and acknowledged (see runTrigger).
 * @example
 * export const cloudWatchHandler = triggerHandler('capacityAlarm', fromCloudWatch);
 */
export function triggerHandler<T>(
  name: string,
  run: (deps: Deps, event: unknown) => Promise<T>,
): TriggerHandler<T> {
  return middy<unknown, T | Ignored>().handler((event, context) =>
    runTrigger(name, (deps) => run(deps, event), context.getRemainingTimeInMillis()),
  );
}
