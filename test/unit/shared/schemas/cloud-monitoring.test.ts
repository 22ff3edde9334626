import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../shared/errors.ts';
import {
  CloudMonitoringNotificationSchema,
  decodePubSubIncident,
  PubSubCloudEventSchema,
} from '../../../../shared/schemas/cloud-monitoring.ts';
import { parseInput } from '../../../../shared/schemas/parse.ts';
import { loadEvent } from '../../../support/events.ts';

type Json = Record<string, unknown>;

function issuesOf(input: unknown): readonly string[] {
  try {
    parseInput(CloudMonitoringNotificationSchema, input, 'Cloud Monitoring incident');
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  return [];
}

function withIncident(patch: Json): Json {
  const notification = loadEvent('gcp', 'incident-open') as Json;
  return { ...notification, incident: { ...(notification.incident as Json), ...patch } };
}

function decodeError(data: unknown): ValidationError {
  try {
    decodePubSubIncident(data);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected decodePubSubIncident to throw');
}

function pubsubData(name: string): unknown {
  return (loadEvent(name.startsWith('gcp-') ? 'invalid' : 'gcp', name) as Json).data;
}

describe('CloudMonitoringNotificationSchema', () => {
  it.each(['incident-open', 'incident-closed', 'test-notification'])('accepts the %s sample', (name) => {
    const notification = parseInput(CloudMonitoringNotificationSchema, loadEvent('gcp', name), name);
    expect(notification.incident.incident_id).not.toBe('');
  });

  it.each(['open', 'OPEN', 'Closed', 'CLOSED'])('accepts the state "%s" in any case', (state) => {
    expect(issuesOf(withIncident({ state }))).toEqual([]);
  });

  it('rejects a state other than open or closed, naming the field', () => {
    expect(issuesOf(loadEvent('invalid', 'gcp-unknown-state'))).toEqual([
      'incident.state: Invalid option: expected "open" or "closed" (any case)',
    ]);
  });

  it('rejects an incident without incident_id', () => {
    expect(issuesOf(loadEvent('invalid', 'gcp-missing-incident-id'))).toEqual([
      'incident.incident_id: Invalid input: expected string, received undefined',
    ]);
  });

  it('accepts an uptime-check incident, which has no metric or values', () => {
    const input = withIncident({ metric: undefined, observed_value: undefined, threshold_value: undefined });
    expect(issuesOf(input)).toEqual([]);
  });

  it('keeps fields Google adds later', () => {
    const input = { ...withIncident({ alert_strategy: { auto_close: '1800s' } }), channel: 'pubsub' };
    const notification = parseInput(CloudMonitoringNotificationSchema, input, 'Cloud Monitoring incident');
    expect(notification).toMatchObject({
      channel: 'pubsub',
      incident: { alert_strategy: { auto_close: '1800s' } },
    });
  });

  it.each(['started_at', 'policy_name', 'resource'])('requires incident.%s', (field) => {
    expect(issuesOf(withIncident({ [field]: undefined }))[0]).toMatch(new RegExp(`^incident\\.${field}: `));
  });

  it('rejects a start time given as text', () => {
    expect(issuesOf(withIncident({ started_at: '2026-11-08T09:47:27Z' }))[0]).toMatch(
      /^incident\.started_at: /,
    );
  });
});

describe('PubSubCloudEventSchema and decodePubSubIncident', () => {
  it('accepts the Pub/Sub CloudEvent sample', () => {
    const event = parseInput(PubSubCloudEventSchema, loadEvent('gcp', 'pubsub-incident-open'), 'CloudEvent');
    expect(event.type).toBe('google.cloud.pubsub.topic.v1.messagePublished');
  });

  it('decodes the base64 incident to the same notification the webhook delivers', () => {
    const decoded = decodePubSubIncident(pubsubData('pubsub-incident-open'));
    expect(decoded).toEqual(loadEvent('gcp', 'incident-open'));
  });

  it('rejects message data that is not base64, naming message.data', () => {
    const error = decodeError(pubsubData('gcp-pubsub-not-base64'));
    expect(error.issues).toEqual(['message.data: must be base64']);
  });

  it('rejects base64 message data that is not JSON', () => {
    const error = decodeError(pubsubData('gcp-pubsub-not-json'));
    expect(error.message).toBe('invalid Pub/Sub message: message.data is not base64-encoded JSON');
    expect(error.issues[0]).toMatch(/^message\.data: not JSON/);
  });

  it('rejects base64 JSON that is not an incident, naming the missing field', () => {
    const data = { message: { data: Buffer.from('{"version":"1.2"}').toString('base64') } };
    expect(decodeError(data).issues).toEqual([
      'incident: Invalid input: expected object, received undefined',
    ]);
  });

  it('rejects an event without a message', () => {
    expect(decodeError({ subscription: 'projects/p/subscriptions/s' }).issues[0]).toMatch(/^message: /);
  });
});
