import { ValidationError } from '../errors.ts';
import { parseInput } from './parse.ts';
import * as z from './zod-mini.ts';

/*
 * Verified (November 2026) against published payloads of Cloud Monitoring webhook / Pub/Sub
 * channels, schema version "1.2":
 * - `started_at` and `ended_at` are epoch seconds (numbers); `ended_at` is null while open.
 * - `state` is lowercase "open" / "closed" in real incidents; the test notification says "OPEN".
 * - `observed_value` and `threshold_value` are strings ("0.790", "0.5").
 * - `documentation` is an object {content, mime_type} in real incidents but a plain string in the
 *   test notification.
 * - Uptime-check and log-match incidents carry no `metric`, `observed_value` or `threshold_value`,
 *   so those are optional here; older payloads also lack `scoping_project_id`.
 * - The console's "send test notification" sends `version: "test"`, `incident_id: "12345"`,
 *   `started_at: 0`, `ended_at: 0`, `state: "OPEN"`, `summary: "Test Incident"`.
 * - A Pub/Sub channel publishes the same JSON as the webhook, base64-encoded in `message.data`
 *   of a `google.cloud.pubsub.topic.v1.messagePublished` CloudEvent.
 */

/** The incident states that matter, compared case-insensitively. */
export const INCIDENT_STATES = ['open', 'closed'] as const;

/** Flat string map (resource labels, user labels). */
const stringMap = z.record(z.string(), z.string());

/** A number formatted as text by Cloud Monitoring; older senders used JSON numbers. */
const numericText = z.union([z.string(), z.number()]);

/** One Cloud Monitoring incident as found in a notification. */
export const CloudMonitoringIncidentSchema = z.looseObject({
  incident_id: z.string().check(z.minLength(1)),
  scoping_project_id: z.optional(z.string()),
  scoping_project_number: z.optional(z.number().check(z.int())),
  url: z.string(),
  state: z.string().check(
    z.refine((value) => (INCIDENT_STATES as readonly string[]).includes(value.toLowerCase()), {
      message: 'Invalid option: expected "open" or "closed" (any case)',
    }),
  ),
  /** Epoch seconds; 0 in a test notification. */
  started_at: z.number().check(z.int(), z.nonnegative()),
  ended_at: z.optional(z.nullable(z.number().check(z.int(), z.nonnegative()))),
  summary: z.string(),
  policy_name: z.string(),
  policy_user_labels: z.optional(stringMap),
  condition_name: z.string(),
  condition: z.optional(z.looseObject({})),
  resource: z.looseObject({ type: z.string(), labels: z.optional(stringMap) }),
  resource_name: z.optional(z.string()),
  resource_display_name: z.optional(z.string()),
  resource_type_display_name: z.optional(z.string()),
  metric: z.optional(
    z.looseObject({ type: z.string(), displayName: z.optional(z.string()), labels: z.optional(stringMap) }),
  ),
  metadata: z.optional(z.looseObject({ user_labels: z.optional(stringMap) })),
  observed_value: z.optional(numericText),
  threshold_value: z.optional(numericText),
  documentation: z.optional(z.union([z.string(), z.looseObject({ content: z.optional(z.string()) })])),
  severity: z.optional(z.string()),
});

/** A Cloud Monitoring notification (webhook body or decoded Pub/Sub message). */
export const CloudMonitoringNotificationSchema = z.looseObject({
  /** "1.2" today; "test" for the console's test notification. */
  version: z.string().check(z.minLength(1)),
  incident: CloudMonitoringIncidentSchema,
});

/** The `data` of a Pub/Sub messagePublished CloudEvent. */
export const PubSubMessagePublishedDataSchema = z.looseObject({
  subscription: z.optional(z.string()),
  message: z.looseObject({
    data: z.base64('must be base64'),
    messageId: z.optional(z.string()),
    publishTime: z.optional(z.string()),
    attributes: z.optional(stringMap),
  }),
});

/** A Pub/Sub CloudEvent as functions-framework hands it to a `cloudEvent` function. */
export const PubSubCloudEventSchema = z.looseObject({
  specversion: z.literal('1.0'),
  id: z.string().check(z.minLength(1)),
  source: z.string().check(z.minLength(1)),
  type: z.literal('google.cloud.pubsub.topic.v1.messagePublished'),
  time: z.optional(z.string()),
  datacontenttype: z.optional(z.string()),
  data: PubSubMessagePublishedDataSchema,
});

/** A validated Cloud Monitoring notification. */
export type CloudMonitoringNotification = z.infer<typeof CloudMonitoringNotificationSchema>;
/** A validated Pub/Sub CloudEvent. */
export type PubSubCloudEvent = z.infer<typeof PubSubCloudEventSchema>;

/**
 * Decodes the Cloud Monitoring notification carried in a Pub/Sub CloudEvent's `data`: validates
 * the envelope, base64-decodes `message.data`, parses the JSON and validates the incident. Any
 * failure is a `ValidationError` (the message will never become valid on redelivery).
 * @example
 * ff.cloudEvent('capacityAlarmPubSub', (ce) => handle(decodePubSubIncident(ce.data)));
 */
export function decodePubSubIncident(cloudEventData: unknown): CloudMonitoringNotification {
  const data = parseInput(PubSubMessagePublishedDataSchema, cloudEventData, 'Pub/Sub message');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(data.message.data, 'base64'));
  } catch (cause) {
    throw new ValidationError(
      'invalid Pub/Sub message: message.data is not UTF-8 text',
      ['message.data: not UTF-8 text'],
      { cause },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ValidationError(
      'invalid Pub/Sub message: message.data is not base64-encoded JSON',
      [`message.data: not JSON (${reason})`],
      { cause },
    );
  }
  return parseInput(CloudMonitoringNotificationSchema, json, 'Cloud Monitoring incident (Pub/Sub)');
}
