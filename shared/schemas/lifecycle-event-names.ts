/**
 * Lifecycle event names as they travel (EventBridge `detail-type` and `source`, Pub/Sub
 * attributes): constants without the schema, so the runtime adapters and drivers that only name
 * events do not load zod when a function starts (the schema is loaded where an event is parsed).
 */

/** Internal lifecycle event types, each named after what happened. */
export const LIFECYCLE_EVENT_TYPES = [
  'BurstRequested',
  'ClusterProvisioning',
  'ClusterReady',
  'ClusterJoined',
  'ClusterActive',
  'TeardownRequested',
  'DrainStarted',
  'ClusterLeaving',
  'ClusterDeleting',
  'ClusterDeleted',
  'BurstFailed',
] as const;

/** One lifecycle event type. */
export type LifecycleEventType = (typeof LIFECYCLE_EVENT_TYPES)[number];

/** Source and detail-type of lifecycle events on EventBridge. */
export const LIFECYCLE_EVENT_SOURCE = 'clusterburst.lifecycle';
