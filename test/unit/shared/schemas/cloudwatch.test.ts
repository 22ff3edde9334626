import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../shared/errors.ts';
import { CloudWatchAlarmEventSchema } from '../../../../shared/schemas/cloudwatch.ts';
import { parseInput } from '../../../../shared/schemas/parse.ts';
import { listEvents, loadEvent } from '../../../support/events.ts';

type Json = Record<string, unknown>;

function issuesOf(input: unknown): readonly string[] {
  try {
    parseInput(CloudWatchAlarmEventSchema, input, 'CloudWatch alarm event');
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  return [];
}

function alarm(): Json {
  return loadEvent('cloudwatch', 'alarm') as Json;
}

function withDetail(patch: Json): Json {
  const event = alarm();
  return { ...event, detail: { ...(event.detail as Json), ...patch } };
}

function withState(patch: Json): Json {
  const detail = alarm().detail as Json;
  return withDetail({ state: { ...(detail.state as Json), ...patch } });
}

describe('CloudWatchAlarmEventSchema', () => {
  it.each(listEvents('cloudwatch'))('accepts the %s sample', (name) => {
    const event = parseInput(CloudWatchAlarmEventSchema, loadEvent('cloudwatch', name), name);
    expect(event.source).toBe('aws.cloudwatch');
  });

  it('rejects an unknown alarm state, naming the field', () => {
    expect(issuesOf(loadEvent('invalid', 'cloudwatch-unknown-state'))).toEqual([
      'detail.state.value: Invalid option: expected one of "OK"|"ALARM"|"INSUFFICIENT_DATA"',
    ]);
  });

  it('rejects another kind of EventBridge event, naming detail-type', () => {
    expect(issuesOf(loadEvent('invalid', 'cloudwatch-wrong-detail-type'))).toEqual([
      'detail-type: Invalid input: expected "CloudWatch Alarm State Change"',
    ]);
  });

  it('accepts fields AWS adds later, such as propagated alarm tags', () => {
    const event = parseInput(
      CloudWatchAlarmEventSchema,
      withDetail({ alarmTags: { service: 'web' }, alarmTagsStatus: 'OK', actionsSuppressedBy: 'None' }),
      'CloudWatch alarm event',
    );
    expect(event.detail).toMatchObject({ alarmTags: { service: 'web' }, actionsSuppressedBy: 'None' });
  });

  it('accepts a composite alarm, whose configuration has a rule instead of metrics', () => {
    const lines = issuesOf(withDetail({ configuration: { alarmRule: 'ALARM(web-cpu) OR ALARM(web-rps)' } }));
    expect(lines).toEqual([]);
  });

  it.each([
    ['detail.alarmName', withDetail({ alarmName: undefined })],
    ['detail.state.timestamp', withState({ timestamp: undefined })],
    ['resources', { ...alarm(), resources: [] }],
    ['region', { ...alarm(), region: undefined }],
  ])('requires %s', (field, input) => {
    expect(issuesOf(input).some((line) => line.startsWith(`${field}: `))).toBe(true);
  });

  it('rejects reasonData that is not JSON', () => {
    expect(issuesOf(withState({ reasonData: '{"version":' }))).toEqual([
      'detail.state.reasonData: must be a JSON document in a string',
    ]);
  });

  it('rejects a first resource that is not an alarm ARN', () => {
    const lines = issuesOf({ ...alarm(), resources: ['arn:aws:sns:eu-west-1:493827160354:alerts'] });
    expect(lines[0]).toMatch(/^resources: first resource must be the alarm ARN/);
  });

  it.each(['2026-11-12T09:20:31.412+0000', '2026-11-12T09:20:31.412+00:00', '2026-11-12T09:20:31Z'])(
    'accepts the state timestamp %s',
    (timestamp) => {
      expect(issuesOf(withState({ timestamp }))).toEqual([]);
    },
  );

  it.each(['yesterday', '2026-13-12T09:20:31.412+0000', '2026-11-12 09:20:31'])(
    'rejects the state timestamp %s',
    (timestamp) => {
      expect(issuesOf(withState({ timestamp }))).toEqual([
        'detail.state.timestamp: must be an ISO-8601 time',
      ]);
    },
  );
});
