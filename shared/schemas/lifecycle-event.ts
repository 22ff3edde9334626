import { PHASES } from '../domain/lifecycle.ts';
import * as z from './zod-mini.ts';

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

/**
 * A lifecycle event: a claim check (ids only, the store holds the state). The id is
 * `<burst id>:<type>:<record version>`, so a re-emitted event has the same id as the original.
 */
export const LifecycleEventSchema = z.looseObject({
  id: z.string().check(z.minLength(1)),
  type: z.enum(LIFECYCLE_EVENT_TYPES),
  burstId: z.string().check(z.regex(/^b-[0-9a-f]{12}$/, 'must look like b-0123456789ab')),
  /** The phase the record was written in when the event was emitted. */
  phase: z.enum(PHASES),
  at: z.iso.datetime(),
});

/** A lifecycle event. */
export type LifecycleEvent = z.infer<typeof LifecycleEventSchema>;
export type LifecycleEventType = (typeof LIFECYCLE_EVENT_TYPES)[number];

/** Source and detail-type of lifecycle events on EventBridge. */
export const LIFECYCLE_EVENT_SOURCE = 'clusterburst.lifecycle';
