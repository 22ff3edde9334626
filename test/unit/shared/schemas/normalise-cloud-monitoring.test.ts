import { describe, expect, it } from 'vitest';
import {
  type CloudMonitoringNotification,
  CloudMonitoringNotificationSchema,
  decodePubSubIncident,
} from '../../../../shared/schemas/cloud-monitoring.ts';
import {
  isTestNotification,
  normaliseCloudMonitoring,
} from '../../../../shared/schemas/normalise-cloud-monitoring.ts';
import { parseInput } from '../../../../shared/schemas/parse.ts';
import { loadEvent } from '../../../support/events.ts';

const NOW = new Date('2026-11-12T12:00:00.000Z');

function sample(name: string): CloudMonitoringNotification {
  return parseInput(CloudMonitoringNotificationSchema, loadEvent('gcp', name), name);
}

function withState(name: string, state: string): CloudMonitoringNotification {
  const notification = sample(name);
  return { ...notification, incident: { ...notification.incident, state } };
}

describe('normaliseCloudMonitoring', () => {
  it.each([
    ['incident-open', 'firing', '2026-11-08T09:47:27.000Z'],
    ['incident-closed', 'resolved', '2026-11-08T10:41:52.000Z'],
    ['test-notification', 'ignored', NOW.toISOString()],
  ])('turns the %s sample into a %s signal at %s', (name, status, at) => {
    expect(normaliseCloudMonitoring(sample(name), NOW)).toMatchObject({ source: 'gcp', status, at });
  });

  it.each([
    ['open', 'firing'],
    ['OPEN', 'firing'],
    ['Open', 'firing'],
    ['closed', 'resolved'],
    ['CLOSED', 'resolved'],
  ])('compares the state "%s" case-insensitively (%s)', (state, status) => {
    expect(normaliseCloudMonitoring(withState('incident-open', state), NOW).status).toBe(status);
  });

  it('recognises the test notification by its version "test" even though its state is "OPEN"', () => {
    const signal = normaliseCloudMonitoring(sample('test-notification'), NOW);
    expect(isTestNotification(sample('test-notification'))).toBe(true);
    expect(signal.why).toBe('Cloud Monitoring test notification (version "test"): no action is taken');
  });

  it('does not take a real incident for a test', () => {
    expect(isTestNotification(sample('incident-open'))).toBe(false);
  });

  it('keys the signal on the policy condition, shared by open and close', () => {
    const open = normaliseCloudMonitoring(sample('incident-open'), NOW);
    const closed = normaliseCloudMonitoring(sample('incident-closed'), NOW);
    expect(open.signalKey).toBe(
      'gcp:projects/incd-web-prod/alertPolicies/14082216793450131872/conditions/14082216793450132907',
    );
    expect(closed.signalKey).toBe(open.signalKey);
  });

  it('gives a re-opened condition (a new incident) the same signal and a new episode', () => {
    const first = sample('incident-open');
    const reopened = { ...first, incident: { ...first.incident, incident_id: '0.pq7w2m4x9c1v' } };
    const a = normaliseCloudMonitoring(first, NOW);
    const b = normaliseCloudMonitoring(reopened, NOW);
    expect(b.signalKey).toBe(a.signalKey);
    expect(b.dedupeKey).toBe('gcp:0.pq7w2m4x9c1v:open');
    expect(b.dedupeKey).not.toBe(a.dedupeKey);
  });

  it('keys the signal on project, policy and condition names when the payload has no condition object', () => {
    const { condition: _, ...incident } = sample('incident-open').incident;
    const signal = normaliseCloudMonitoring({ version: '1.2', incident }, NOW);
    expect(signal.signalKey).toBe(
      'gcp:incd-web-prod/clusterburst web capacity/Web containers CPU request utilisation above 85%',
    );
  });

  it('keys the episode on the incident id and the lowercased state', () => {
    expect(normaliseCloudMonitoring(sample('incident-open'), NOW).dedupeKey).toBe('gcp:0.nqm5fz3h7k2x:open');
    expect(normaliseCloudMonitoring(sample('incident-closed'), NOW).dedupeKey).toBe(
      'gcp:0.nqm5fz3h7k2x:closed',
    );
  });

  it('gives the webhook and the Pub/Sub delivery of one incident the same dedupe key', () => {
    const viaPubSub = decodePubSubIncident(
      (loadEvent('gcp', 'pubsub-incident-open') as { data: unknown }).data,
    );
    expect(normaliseCloudMonitoring(viaPubSub, NOW).dedupeKey).toBe(
      normaliseCloudMonitoring(sample('incident-open'), NOW).dedupeKey,
    );
  });

  it('gives "OPEN" and "open" deliveries of one incident the same dedupe key', () => {
    expect(normaliseCloudMonitoring(withState('incident-open', 'OPEN'), NOW).dedupeKey).toBe(
      normaliseCloudMonitoring(sample('incident-open'), NOW).dedupeKey,
    );
  });

  it('labels the signal with the resource labels, policy and condition', () => {
    expect(normaliseCloudMonitoring(sample('incident-open'), NOW).labels).toEqual({
      project_id: 'incd-web-prod',
      location: 'europe-west4',
      cluster_name: 'web-home',
      resource_type: 'k8s_container',
      policy_name: 'clusterburst web capacity',
      condition_name: 'Web containers CPU request utilisation above 85%',
      scoping_project_id: 'incd-web-prod',
    });
  });

  it('uses the incident summary', () => {
    expect(normaliseCloudMonitoring(sample('incident-open'), NOW).summary).toMatch(
      /is above the threshold of 0\.850 with a value of 0\.934\.$/,
    );
  });

  it('falls back to policy and condition when the summary is empty', () => {
    const notification = sample('incident-open');
    const blank = { ...notification, incident: { ...notification.incident, summary: '' } };
    expect(normaliseCloudMonitoring(blank, NOW).summary).toBe(
      'clusterburst web capacity: Web containers CPU request utilisation above 85%',
    );
  });

  it('reads placement hints from the policy user labels', () => {
    expect(normaliseCloudMonitoring(sample('incident-open'), NOW).hints).toEqual({ nodes: 4 });
  });

  it('uses the start time for a closed incident that has no end time', () => {
    const notification = withState('incident-closed', 'closed');
    const noEnd = { ...notification, incident: { ...notification.incident, ended_at: null } };
    expect(normaliseCloudMonitoring(noEnd, NOW).at).toBe('2026-11-08T09:47:27.000Z');
  });
});
