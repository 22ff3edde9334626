import { checkDemandIn } from './demand.ts';
import * as z from './zod-mini.ts';

/** Alertmanager formats times as RFC 3339 (Go's RFC3339Nano, nanosecond fractions, any offset). */
const timestamp = z.iso.datetime({ offset: true });

/** Label and annotation sets are flat string maps in Alertmanager. */
const stringMap = z.record(z.string(), z.string());

/** The two states Alertmanager reports, for a group and for each alert. */
export const ALERT_STATUSES = ['firing', 'resolved'] as const;

/** One alert inside a webhook notification. */
export const AlertmanagerAlertSchema = z.looseObject({
  status: z.enum(ALERT_STATUSES),
  labels: stringMap,
  annotations: stringMap,
  startsAt: timestamp,
  /** `0001-01-01T00:00:00Z` while the alert is firing. */
  endsAt: timestamp,
  generatorURL: z.string(),
  fingerprint: z.string().check(z.minLength(1)),
});

/**
 * Alertmanager webhook notification, payload version "4" (Alertmanager 0.25 and later).
 * Loose objects: newer Alertmanager releases add fields, and those must not break delivery.
 */
export const AlertmanagerWebhookSchema = z
  .looseObject({
    version: z.literal('4'),
    groupKey: z.string().check(z.minLength(1)),
    /** How many alerts were left out because of the receiver's `max_alerts`. */
    truncatedAlerts: z.number().check(z.int(), z.nonnegative()),
    status: z.enum(ALERT_STATUSES),
    receiver: z.string(),
    groupLabels: stringMap,
    commonLabels: stringMap,
    commonAnnotations: stringMap,
    externalURL: z.string(),
    // Alertmanager never notifies an empty group; normalisation relies on at least one alert.
    alerts: z.array(AlertmanagerAlertSchema).check(z.minLength(1)),
  })
  // A demand (`clusterburst_nodes`) may sit on the group or on each alert, as label or annotation.
  .check(
    z.superRefine((payload, ctx) => {
      checkDemandIn(payload.commonLabels, ['commonLabels'], ctx);
      checkDemandIn(payload.commonAnnotations, ['commonAnnotations'], ctx);
      payload.alerts.forEach((alert, i) => {
        checkDemandIn(alert.labels, ['alerts', i, 'labels'], ctx);
        checkDemandIn(alert.annotations, ['alerts', i, 'annotations'], ctx);
      });
    }),
  );

/** A validated Alertmanager webhook notification. */
export type AlertmanagerWebhook = z.infer<typeof AlertmanagerWebhookSchema>;
/** One validated alert of a notification. */
export type AlertmanagerAlert = z.infer<typeof AlertmanagerAlertSchema>;
