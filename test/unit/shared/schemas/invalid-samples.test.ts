import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../shared/errors.ts';
import { AlertmanagerWebhookSchema } from '../../../../shared/schemas/alertmanager.ts';
import {
  CloudMonitoringNotificationSchema,
  decodePubSubIncident,
} from '../../../../shared/schemas/cloud-monitoring.ts';
import { CloudWatchAlarmEventSchema } from '../../../../shared/schemas/cloudwatch.ts';
import { ManualBurstRequestSchema } from '../../../../shared/schemas/manual-burst.ts';
import { parseInput } from '../../../../shared/schemas/parse.ts';
import { ScheduleEventSchema } from '../../../../shared/schemas/schedule.ts';
import { listEvents, loadEvent } from '../../../support/events.ts';

/** How each family of invalid sample (named by prefix) enters the system. */
const PARSERS: ReadonlyArray<readonly [prefix: string, parse: (input: unknown) => unknown]> = [
  ['alertmanager-', (input) => parseInput(AlertmanagerWebhookSchema, input, 'Alertmanager webhook')],
  ['cloudwatch-', (input) => parseInput(CloudWatchAlarmEventSchema, input, 'CloudWatch alarm event')],
  ['gcp-pubsub-', (input) => decodePubSubIncident((input as { data?: unknown }).data)],
  ['gcp-', (input) => parseInput(CloudMonitoringNotificationSchema, input, 'Cloud Monitoring incident')],
  ['manual-', (input) => parseInput(ManualBurstRequestSchema, input, 'burst request')],
  ['schedule-', (input) => parseInput(ScheduleEventSchema, input, 'schedule event')],
];

describe('events/invalid samples', () => {
  it.each(listEvents('invalid'))('%s is rejected with a ValidationError that names what is wrong', (name) => {
    const parser = PARSERS.find(([prefix]) => name.startsWith(prefix));
    expect(parser, `no parser for the prefix of ${name}`).toBeDefined();
    let caught: unknown;
    try {
      parser![1](loadEvent('invalid', name));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    const { issues } = caught as ValidationError;
    expect(issues.length).toBeGreaterThan(0);
    // Each line is `path: message`; a root-level line must still name the offending key.
    for (const line of issues) expect(line).toMatch(/^(\(root\): .*"[^"]+"|[\w.-]+: .+)$/);
  });
});
