import type { CapacitySignal } from '../domain/capacity-signal.ts';
import type { CloudMonitoringNotification } from './cloud-monitoring.ts';
import { hintsFromLabels } from './normalise-alertmanager.ts';

/** Whether a notification is the console's "send test notification" (it says version "test"). */
export function isTestNotification(notification: CloudMonitoringNotification): boolean {
  return notification.version.trim().toLowerCase() === 'test';
}

/** Epoch seconds to ISO; a zero or missing time (test notifications) falls back to `now`. */
function isoFromEpoch(seconds: number | null | undefined, now: Date): string {
  return seconds ? new Date(seconds * 1000).toISOString() : now.toISOString();
}

/**
 * The alarm condition an incident belongs to: the condition's resource name
 * (`projects/P/alertPolicies/A/conditions/C`, which names the policy too) when the payload carries
 * it, else the project, policy and condition display names.
 */
function conditionKey(incident: CloudMonitoringNotification['incident']): string {
  const name = incident.condition?.name;
  if (typeof name === 'string' && name !== '') return name;
  return [incident.scoping_project_id ?? '', incident.policy_name, incident.condition_name].join('/');
}

/**
 * Normalises a Cloud Monitoring notification (webhook body or decoded Pub/Sub message) to a
 * `CapacitySignal`. The signal is the policy's condition, not the incident: every re-open of a
 * flapping condition is a new incident, and keying by incident would start a burst per open and
 * let the close of an old incident drain a burst the new one still needs. The incident id is
 * the same on open and close, so the episode key is the incident plus the state: redeliveries
 * collapse, while the close is still seen after the open. Test notifications
 * open an incident on paper only and are `ignored`. `now` stands in for the zero times they carry.
 * @example
 * const signal = normaliseCloudMonitoring(decodePubSubIncident(ce.data), new Date());
 */
export function normaliseCloudMonitoring(
  notification: CloudMonitoringNotification,
  now: Date,
): CapacitySignal {
  const { incident } = notification;
  const state = incident.state.toLowerCase();
  const signalKey = `gcp:${conditionKey(incident)}`;
  const labels: Record<string, string> = {
    ...incident.resource.labels,
    resource_type: incident.resource.type,
    policy_name: incident.policy_name,
    condition_name: incident.condition_name,
    ...(incident.scoping_project_id !== undefined && { scoping_project_id: incident.scoping_project_id }),
  };
  const summary = incident.summary || `${incident.policy_name}: ${incident.condition_name}`;
  const dedupeKey = `gcp:${incident.incident_id}:${state}`;
  const base = { source: 'gcp' as const, signalKey, dedupeKey, labels, summary };
  if (isTestNotification(notification)) {
    return {
      ...base,
      status: 'ignored',
      at: now.toISOString(),
      why: `Cloud Monitoring test notification (version "${notification.version}"): no action is taken`,
    };
  }
  const closed = state === 'closed';
  const hints = incident.policy_user_labels ? hintsFromLabels(incident.policy_user_labels) : undefined;
  return {
    ...base,
    status: closed ? 'resolved' : 'firing',
    at: isoFromEpoch(closed ? (incident.ended_at ?? incident.started_at) : incident.started_at, now),
    ...(hints !== undefined && { hints }),
  };
}
