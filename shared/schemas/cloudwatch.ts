import { ReasonDataSchema } from './cloudwatch-demand.ts';
import { checkDemandIn } from './demand.ts';
import { EVENTBRIDGE_ENVELOPE } from './eventbridge-envelope.ts';
import * as z from './zod-mini.ts';

/**
 * CloudWatch writes alarm state times as `2026-11-12T09:20:31.412+0000` (offset without a colon),
 * which `z.iso.datetime` rejects; accept both offset forms and require a parseable instant.
 */
const cloudWatchTime = z
  .string()
  .check(
    z.refine(
      (value) =>
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.test(value) &&
        !Number.isNaN(Date.parse(value)),
      'must be an ISO-8601 time',
    ),
  );

/** `reasonData` is JSON inside a string; a value that does not parse is a malformed event. */
const jsonString = z.string().check(
  z.refine((value) => {
    try {
      JSON.parse(value);
      return true;
    } catch {
      return false;
    }
  }, 'must be a JSON document in a string'),
);

/** The three alarm states CloudWatch reports. */
export const ALARM_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;

/** One alarm state as carried in `detail.state` and `detail.previousState`. */
export const AlarmStateSchema = z.looseObject({
  value: z.enum(ALARM_STATES),
  reason: z.string(),
  reasonData: z.optional(jsonString),
  timestamp: cloudWatchTime,
});

/**
 * EventBridge "CloudWatch Alarm State Change" event (source `aws.cloudwatch`). Loose objects:
 * AWS adds fields over time (`alarmTags`, `alarmTagsStatus`, `actionsSuppressedBy`), and the
 * configuration differs between metric alarms (`metrics`) and composite alarms (`alarmRule`).
 */
export const CloudWatchAlarmEventSchema = z
  .looseObject({
    ...EVENTBRIDGE_ENVELOPE,
    'detail-type': z.literal('CloudWatch Alarm State Change'),
    source: z.literal('aws.cloudwatch'),
    resources: z.array(z.string()).check(
      z.minLength(1),
      z.refine((arns) => arns[0]?.startsWith('arn:') && arns[0].includes(':alarm:'), {
        message: 'first resource must be the alarm ARN (arn:…:cloudwatch:…:alarm:NAME)',
      }),
    ),
    detail: z.looseObject({
      alarmName: z.string().check(z.minLength(1)),
      state: AlarmStateSchema,
      previousState: z.optional(AlarmStateSchema),
      configuration: z.looseObject({
        description: z.optional(z.string()),
        metrics: z.optional(z.array(z.looseObject({ id: z.string() }))),
        alarmRule: z.optional(z.string()),
      }),
      /** Present when the alarm has tag propagation enabled. */
      alarmTags: z.optional(z.record(z.string(), z.string())),
    }),
  })
  .check(
    z.superRefine((event, ctx) => {
      checkDemandIn(event.detail.alarmTags, ['detail', 'alarmTags'], ctx);
      // Demand reads the datapoints and threshold: when present they must be what CloudWatch sends.
      const { reasonData } = event.detail.state;
      if (reasonData === undefined) return;
      let json: unknown;
      try {
        json = JSON.parse(reasonData);
      } catch {
        return; // reported by the field's own check
      }
      const parsed = ReasonDataSchema.safeParse(json);
      for (const issue of parsed.error?.issues ?? []) {
        ctx.addIssue({
          code: 'custom',
          path: ['detail', 'state', 'reasonData', ...issue.path],
          message: issue.message,
        });
      }
    }),
  );

/** A validated CloudWatch alarm state change event. */
export type CloudWatchAlarmEvent = z.infer<typeof CloudWatchAlarmEventSchema>;
/** One of `OK`, `ALARM`, `INSUFFICIENT_DATA`. */
export type AlarmStateValue = (typeof ALARM_STATES)[number];
