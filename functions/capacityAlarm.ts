/**
 * capacityAlarm: every capacity alarm source -> one CapacitySignal -> decide -> maybe a burst.
 * Alertmanager (webhook), CloudWatch (EventBridge event, or posted to HTTP), Cloud Monitoring
 * (webhook, or Pub/Sub CloudEvent). Answers 202 with the decision and its why.
 */
import type { Deps } from '../shared/core/deps.ts';
import { handleSignal, type SignalOutcome } from '../shared/core/handle-signal.ts';
import type { HttpAnswer, HttpRoute } from '../shared/runtime/http/route.ts';
import { AlertmanagerWebhookSchema } from '../shared/schemas/alertmanager.ts';
import {
  CloudMonitoringNotificationSchema,
  decodePubSubIncident,
} from '../shared/schemas/cloud-monitoring.ts';
import { CloudWatchAlarmEventSchema } from '../shared/schemas/cloudwatch.ts';
import { normaliseAlertmanager } from '../shared/schemas/normalise-alertmanager.ts';
import { normaliseCloudMonitoring } from '../shared/schemas/normalise-cloud-monitoring.ts';
import { normaliseCloudWatch } from '../shared/schemas/normalise-cloudwatch.ts';
import { parseInput } from '../shared/schemas/parse.ts';

/** Alertmanager webhook (v4). */
export function fromAlertmanager(deps: Deps, body: unknown): Promise<SignalOutcome> {
  return handleSignal(
    deps,
    normaliseAlertmanager(parseInput(AlertmanagerWebhookSchema, body, 'Alertmanager webhook')),
  );
}

/** CloudWatch "Alarm State Change" event, as EventBridge delivers it. */
export function fromCloudWatch(deps: Deps, event: unknown): Promise<SignalOutcome> {
  return handleSignal(
    deps,
    normaliseCloudWatch(
      parseInput(CloudWatchAlarmEventSchema, event, 'CloudWatch alarm event'),
      deps.config.demand.cloudwatch,
    ),
  );
}

/** Cloud Monitoring incident, webhook form. */
export function fromCloudMonitoring(deps: Deps, body: unknown): Promise<SignalOutcome> {
  const notification = parseInput(CloudMonitoringNotificationSchema, body, 'Cloud Monitoring notification');
  return handleSignal(deps, normaliseCloudMonitoring(notification, deps.now()));
}

/** Cloud Monitoring incident, Pub/Sub CloudEvent form (`data.message.data` base64). */
export function fromPubSub(deps: Deps, cloudEventData: unknown): Promise<SignalOutcome> {
  return handleSignal(deps, normaliseCloudMonitoring(decodePubSubIncident(cloudEventData), deps.now()));
}

/** The HTTP answer for a signal outcome: always 202, the decision says what happened. */
export function signalAnswer(outcome: SignalOutcome): HttpAnswer {
  const { record, ...rest } = outcome;
  return { status: 202, body: { ...rest, ...(record && { phase: record.phase }) } };
}

/** HTTP routes of capacityAlarm. */
export const routes: readonly HttpRoute[] = [
  {
    method: 'POST',
    path: '/alerts/alertmanager',
    auth: true,
    handle: async (deps, req) => signalAnswer(await fromAlertmanager(deps, req.body)),
  },
  {
    method: 'POST',
    path: '/alerts/cloudwatch',
    auth: true,
    handle: async (deps, req) => signalAnswer(await fromCloudWatch(deps, req.body)),
  },
  {
    method: 'POST',
    path: '/alerts/gcp',
    auth: true,
    handle: async (deps, req) => signalAnswer(await fromCloudMonitoring(deps, req.body)),
  },
];
