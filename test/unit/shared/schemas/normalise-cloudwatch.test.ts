import { describe, expect, it } from 'vitest';
import {
  type CloudWatchAlarmEvent,
  CloudWatchAlarmEventSchema,
} from '../../../../shared/schemas/cloudwatch.ts';
import { normaliseCloudWatch } from '../../../../shared/schemas/normalise-cloudwatch.ts';
import { parseInput } from '../../../../shared/schemas/parse.ts';
import { loadEvent } from '../../../support/events.ts';

function sample(name: string): CloudWatchAlarmEvent {
  return parseInput(CloudWatchAlarmEventSchema, loadEvent('cloudwatch', name), name);
}

const ARN = 'arn:aws:cloudwatch:eu-west-1:493827160354:alarm:clusterburst-web-capacity-high';

describe('normaliseCloudWatch', () => {
  it.each([
    ['alarm', 'firing', '2026-11-12T09:20:31.412Z'],
    ['ok', 'resolved', '2026-11-12T10:15:31.524Z'],
    ['insufficient-data', 'ignored', '2026-11-12T11:40:31.607Z'],
  ])('turns the %s sample into a %s signal at %s', (name, status, at) => {
    const signal = normaliseCloudWatch(sample(name));
    expect(signal).toMatchObject({ source: 'cloudwatch', status, at, signalKey: `cloudwatch:${ARN}` });
  });

  it('says why INSUFFICIENT_DATA leads to no action', () => {
    expect(normaliseCloudWatch(sample('insufficient-data')).why).toBe(
      'CloudWatch alarm clusterburst-web-capacity-high is INSUFFICIENT_DATA: no action is taken on insufficient data',
    );
  });

  it('has no why for a signal that needs action', () => {
    expect(normaliseCloudWatch(sample('alarm')).why).toBeUndefined();
  });

  it('keys the episode on the alarm ARN and the state change time', () => {
    expect(normaliseCloudWatch(sample('alarm')).dedupeKey).toBe(`cloudwatch:${ARN}@2026-11-12T09:20:31.412Z`);
  });

  it('gives a redelivery of the same event, with a new envelope id, the same dedupe key', () => {
    const original = sample('alarm');
    const redelivered = {
      ...original,
      id: '0f6a9d3e-1111-2222-3333-444455556666',
      time: '2026-11-12T09:20:40Z',
    };
    expect(normaliseCloudWatch(redelivered).dedupeKey).toBe(normaliseCloudWatch(original).dedupeKey);
  });

  it('gives each transition of the same alarm its own dedupe key', () => {
    const keys = ['alarm', 'ok', 'insufficient-data'].map(
      (name) => normaliseCloudWatch(sample(name)).dedupeKey,
    );
    expect(new Set(keys).size).toBe(3);
  });

  it('labels the signal with the alarm name, region and account', () => {
    expect(normaliseCloudWatch(sample('alarm')).labels).toEqual({
      alarmName: 'clusterburst-web-capacity-high',
      region: 'eu-west-1',
      account: '493827160354',
    });
  });

  it('summarises with the alarm name and the reason', () => {
    expect(normaliseCloudWatch(sample('alarm')).summary).toMatch(
      /^clusterburst-web-capacity-high: Threshold Crossed: 1 out of the last 1 datapoints \[1843\.0/,
    );
  });

  it('reads placement hints from propagated alarm tags', () => {
    const original = sample('alarm');
    const tagged = {
      ...original,
      detail: {
        ...original.detail,
        alarmTags: { clusterburst_provider: 'aws', clusterburst_nodes: '2', team: 'web' },
      },
    };
    expect(normaliseCloudWatch(tagged).hints).toEqual({ provider: 'aws', nodes: 2 });
  });

  it('has no hints when the alarm carries no tags', () => {
    expect(normaliseCloudWatch(sample('alarm')).hints).toBeUndefined();
  });
});
