import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../shared/errors.ts';
import { AlertmanagerWebhookSchema } from '../../../../shared/schemas/alertmanager.ts';
import { CloudWatchAlarmEventSchema } from '../../../../shared/schemas/cloudwatch.ts';
import { normaliseAlertmanager } from '../../../../shared/schemas/normalise-alertmanager.ts';
import { normaliseCloudWatch } from '../../../../shared/schemas/normalise-cloudwatch.ts';
import { normaliseManual } from '../../../../shared/schemas/normalise-manual.ts';
import { parseInput } from '../../../../shared/schemas/parse.ts';
import { loadEvent } from '../../../support/events.ts';
import type { Json } from '../../../support/local-runtime.ts';

// Issue 12 item 1: a capacity signal may carry its demand in burst nodes.

const clone = (name: string, source: Parameters<typeof loadEvent>[0] = 'alertmanager'): Json =>
  structuredClone(loadEvent(source, name));
const alertmanager = (body: Json) =>
  normaliseAlertmanager(parseInput(AlertmanagerWebhookSchema, body, 'Alertmanager webhook'));
const ARN = 'arn:aws:cloudwatch:eu-west-1:493827160354:alarm:clusterburst-web-capacity-high';

describe('demand in an Alertmanager notification', () => {
  it('reads clusterburst_nodes from a common annotation (a rule fills it from {{ $value }})', () => {
    const body = clone('firing');
    body.commonAnnotations.clusterburst_nodes = '4';
    expect(alertmanager(body).demand).toBe(4);
  });

  it('reads it from a common label too, and keeps a fraction for the planner to round up', () => {
    const body = clone('firing');
    body.commonLabels.clusterburst_nodes = '2.5';
    expect(alertmanager(body).demand).toBe(2.5);
  });

  it('takes the largest of the firing alerts when each carries its own', () => {
    const body = clone('firing');
    const second = { ...structuredClone(body.alerts[0]), fingerprint: 'ffff' };
    body.alerts[0].annotations.clusterburst_nodes = '3';
    second.annotations.clusterburst_nodes = '7';
    body.alerts.push(second);
    expect(alertmanager(body).demand).toBe(7);
  });

  it('has no demand when nothing says one (the policy default step applies)', () => {
    expect(alertmanager(clone('firing')).demand).toBeUndefined();
  });

  it.each([
    ['commonAnnotations', (b: Json) => (b.commonAnnotations.clusterburst_nodes = 'lots')],
    ['commonLabels', (b: Json) => (b.commonLabels.clusterburst_nodes = '-2')],
    ['alerts.0.annotations', (b: Json) => (b.alerts[0].annotations.clusterburst_nodes = '20000')],
  ])('rejects a bad clusterburst_nodes in %s, naming the field', (where, spoil) => {
    const body = clone('firing');
    spoil(body);
    expect(() => alertmanager(body)).toThrow(ValidationError);
    expect(() => alertmanager(body)).toThrow(`${where}.clusterburst_nodes`);
  });
});

describe('demand in a CloudWatch alarm', () => {
  const parse = (body: Json) => parseInput(CloudWatchAlarmEventSchema, body, 'CloudWatch alarm event');

  it('is the overshoot of the datapoints over the threshold times the factor configured for the alarm', () => {
    // The sample: 1843 against a threshold of 1500; 1 node per 100 requests.
    const event = parse(clone('alarm', 'cloudwatch'));
    const signal = normaliseCloudWatch(event, [
      { alarm: 'clusterburst-web-capacity-high', nodesPerUnit: 0.01 },
    ]);
    expect(signal.demand).toBe(3.43);
  });

  it('finds the factor by the alarm ARN as well', () => {
    const signal = normaliseCloudWatch(parse(clone('alarm', 'cloudwatch')), [
      { alarm: ARN, nodesPerUnit: 0.002 },
    ]);
    expect(signal.demand).toBe(0.686);
  });

  it('has no demand without a factor for the alarm, nor when it resolves', () => {
    expect(normaliseCloudWatch(parse(clone('alarm', 'cloudwatch')), []).demand).toBeUndefined();
    const ok = parse(clone('ok', 'cloudwatch'));
    expect(normaliseCloudWatch(ok, [{ alarm: ARN, nodesPerUnit: 1 }]).demand).toBeUndefined();
  });

  it('rejects datapoints that are not numbers, naming the field inside reasonData', () => {
    const body = clone('alarm', 'cloudwatch');
    body.detail.state.reasonData = JSON.stringify({ recentDatapoints: ['high'], threshold: 1500 });
    expect(() => parse(body)).toThrow('detail.state.reasonData.recentDatapoints.0');
  });
});

describe('demand in a manual request', () => {
  it('is the nodes asked for', () => {
    const signal = normaliseManual({ reason: 'conference', nodes: 5 }, 'r-1', new Date());
    expect(signal.demand).toBe(5);
  });
});
