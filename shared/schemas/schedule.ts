import { EVENTBRIDGE_ENVELOPE } from './eventbridge-envelope.ts';
import * as z from './zod-mini.ts';

/** The cron functions, as named in the local route `POST /schedule/{task}`. */
export const SCHEDULE_TASKS = ['scale-down', 'health', 'reconcile'] as const;

/** One cron function. */
export type ScheduleTask = (typeof SCHEDULE_TASKS)[number];

/** EventBridge "Scheduled Event", sent by a `schedule:` trigger (a rule with `rate()` or `cron()`). */
export const EventBridgeScheduledEventSchema = z.looseObject({
  ...EVENTBRIDGE_ENVELOPE,
  'detail-type': z.literal('Scheduled Event'),
  source: z.literal('aws.events'),
  resources: z
    .array(
      z
        .string()
        .check(z.regex(/^arn:[^:]+:events:[^:]*:\d{12}:rule\/.+$/, 'must be an EventBridge rule ARN')),
    )
    .check(z.minLength(1)),
  detail: z.looseObject({}),
});

/** The local runtime's (and CLI's) form: which cron function to run now. Strict: our own API. */
export const LocalScheduleEventSchema = z.strictObject({
  task: z.enum(SCHEDULE_TASKS),
});

/** Either form of a schedule trigger. */
export const ScheduleEventSchema = z.union([LocalScheduleEventSchema, EventBridgeScheduledEventSchema]);

/** A validated EventBridge scheduled event. */
export type EventBridgeScheduledEvent = z.infer<typeof EventBridgeScheduledEventSchema>;
/** A validated local schedule request. */
export type LocalScheduleEvent = z.infer<typeof LocalScheduleEventSchema>;
/** A validated schedule trigger of either form. */
export type ScheduleEvent = z.infer<typeof ScheduleEventSchema>;
