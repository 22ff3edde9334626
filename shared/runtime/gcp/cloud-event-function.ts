import type { CloudEventFunction } from '@google-cloud/functions-framework';
import type { Deps } from '../../core/deps.ts';
import type { StepResult } from '../../core/step-result.ts';
import { ValidationError } from '../../errors.ts';
import type { LifecycleEvent } from '../../schemas/lifecycle-event.ts';
import { LIFECYCLE_EVENT_SOURCE } from '../../schemas/lifecycle-event-names.ts';
import { parseInput } from '../../schemas/parse.ts';
import { configuredTimeoutMs } from '../deadline.ts';
import type { EventFunction } from '../event-function.ts';
import { type Ignored, runTrigger } from '../run-trigger.ts';
import { pubSubJson } from './pubsub-json.ts';

/**
 * A Cloud Functions CloudEvent function (Eventarc trigger or Pub/Sub push), binary or
 * structured mode alike: `run` gets the CloudEvent. Throwing answers 500, which makes Pub/Sub
 * redeliver (with retry on failure enabled), so only retryable failures throw; final ones are
 * logged and acknowledged (see runTrigger). The outbox is published before the answer.
 */
export function cloudEventTrigger<T>(
  name: string,
  run: (deps: Deps, cloudEvent: unknown) => Promise<T>,
): CloudEventFunction<unknown> {
  return async function onCloudEvent(cloudEvent): Promise<T | Ignored> {
    return runTrigger(name, (deps) => run(deps, cloudEvent), await configuredTimeoutMs());
  };
}

/**
 * The lifecycle event in a CloudEvent. The envelope on Google Cloud: each lifecycle event is one
 * Pub/Sub message on the lifecycle topic, `data` the event's JSON (as in EventBridge's
 * `detail`), attributes `source` = clusterburst.lifecycle and `type` = the event type (what a
 * push subscription's filter `attributes.type = "BurstRequested"` selects on), delivered as a
 * `google.cloud.pubsub.topic.v1.messagePublished` CloudEvent. Attributes, when present, must
 * agree with the event. The schemas load with the first event (no zod at a cold start).
 */
export async function lifecycleFromCloudEvent(cloudEvent: unknown): Promise<LifecycleEvent> {
  const { envelope, json } = await pubSubJson(cloudEvent, 'lifecycle event');
  const { LifecycleEventSchema } = await import('../../schemas/lifecycle-event.ts');
  const event = parseInput(LifecycleEventSchema, json, 'lifecycle event (Pub/Sub message data)');
  const attributes = envelope.data.message.attributes ?? {};
  const issues = [
    ...(attributes.type !== undefined && attributes.type !== event.type
      ? [`data.message.attributes.type: "${attributes.type}" does not match the event type "${event.type}"`]
      : []),
    ...(attributes.source !== undefined && attributes.source !== LIFECYCLE_EVENT_SOURCE
      ? [`data.message.attributes.source: expected "${LIFECYCLE_EVENT_SOURCE}", got "${attributes.source}"`]
      : []),
  ];
  if (issues.length) throw new ValidationError(`invalid lifecycle event: ${issues[0]}`, issues);
  return event;
}

/**
 * The Cloud Functions function of a lifecycle step. Functions that do not handle the event's
 * type acknowledge it, so one Eventarc trigger on the topic per function also works.
 * @example
 * ff.cloudEvent('provision', lifecycleEventFunction(provision));
 */
export function lifecycleEventFunction(fn: EventFunction): CloudEventFunction<unknown> {
  return cloudEventTrigger<StepResult>(fn.name, async (deps, cloudEvent) =>
    fn.run(deps, await lifecycleFromCloudEvent(cloudEvent)),
  );
}
