import { PHASES } from '../domain/lifecycle.ts';
import { LIFECYCLE_EVENT_TYPES } from './lifecycle-event-names.ts';
import * as z from './zod-mini.ts';

export {
  LIFECYCLE_EVENT_SOURCE,
  LIFECYCLE_EVENT_TYPES,
  type LifecycleEventType,
} from './lifecycle-event-names.ts';

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
