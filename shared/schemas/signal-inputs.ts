/**
 * Every capacity alarm source's input -> one CapacitySignal: the schema check and the
 * normalisation together. capacityAlarm loads this module with its first request, so a cold
 * start imports no zod (bench/bundle.ts); each function here throws ValidationError on bad input.
 */
import type { CapacitySignal } from '../domain/capacity-signal.ts';
import { AlertmanagerWebhookSchema } from './alertmanager.ts';
import { CloudMonitoringNotificationSchema, decodePubSubIncident } from './cloud-monitoring.ts';
import { CloudWatchAlarmEventSchema } from './cloudwatch.ts';
import type { CloudWatchDemandFactor } from './cloudwatch-demand.ts';
import { normaliseAlertmanager } from './normalise-alertmanager.ts';
import { normaliseCloudMonitoring } from './normalise-cloud-monitoring.ts';
import { normaliseCloudWatch } from './normalise-cloudwatch.ts';
import { parseInput } from './parse.ts';

/** The signal an Alertmanager webhook (v4) stands for. */
export function alertmanagerSignal(body: unknown): CapacitySignal {
  return normaliseAlertmanager(parseInput(AlertmanagerWebhookSchema, body, 'Alertmanager webhook'));
}

/** The signal a CloudWatch "Alarm State Change" event stands for, with its configured demand. */
export function cloudWatchSignal(event: unknown, factors: readonly CloudWatchDemandFactor[]): CapacitySignal {
  return normaliseCloudWatch(
    parseInput(CloudWatchAlarmEventSchema, event, 'CloudWatch alarm event'),
    factors,
  );
}

/** The signal a Cloud Monitoring incident (webhook form) stands for at `now`. */
export function cloudMonitoringSignal(body: unknown, now: Date): CapacitySignal {
  const notification = parseInput(CloudMonitoringNotificationSchema, body, 'Cloud Monitoring notification');
  return normaliseCloudMonitoring(notification, now);
}

/** The signal a Cloud Monitoring incident in a Pub/Sub CloudEvent's `data` stands for at `now`. */
export function pubSubSignal(cloudEventData: unknown, now: Date): CapacitySignal {
  return normaliseCloudMonitoring(decodePubSubIncident(cloudEventData), now);
}
