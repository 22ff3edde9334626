import { describe, expect, it } from 'vitest';
import {
  type AlertmanagerWebhook,
  AlertmanagerWebhookSchema,
} from '../../../../shared/schemas/alertmanager.ts';
import { normaliseAlertmanager } from '../../../../shared/schemas/normalise-alertmanager.ts';
import { parseInput } from '../../../../shared/schemas/parse.ts';
import { loadEvent } from '../../../support/events.ts';

function sample(name: string): AlertmanagerWebhook {
  return parseInput(AlertmanagerWebhookSchema, loadEvent('alertmanager', name), name);
}

const GROUP = '{}/{severity="page"}:{alertname="BurstCapacityHigh"}';

describe('normaliseAlertmanager', () => {
  it.each([
    ['firing', 'firing', '2026-11-12T09:14:27.518Z'],
    ['resolved', 'resolved', '2026-11-12T10:02:57.518Z'],
    ['multiple-alerts', 'firing', '2026-11-12T11:38:42.204Z'],
    ['truncated', 'firing', '2026-11-12T14:05:03.771Z'],
  ])('turns the %s sample into a %s signal at %s', (name, status, at) => {
    const signal = normaliseAlertmanager(sample(name));
    expect(signal.source).toBe('alertmanager');
    expect(signal.status).toBe(status);
    expect(signal.at).toBe(at);
  });

  it('keys the signal on the group key and the episode on the earliest startsAt', () => {
    const signal = normaliseAlertmanager(sample('firing'));
    expect(signal.signalKey).toBe(`alertmanager:${GROUP}`);
    expect(signal.dedupeKey).toBe(`alertmanager:${GROUP}@2026-11-12T09:14:27.518Z`);
  });

  it('gives the firing and the resolved notification of one episode the same keys', () => {
    const fired = normaliseAlertmanager(sample('firing'));
    const resolved = normaliseAlertmanager(sample('resolved'));
    expect(resolved.signalKey).toBe(fired.signalKey);
    expect(resolved.dedupeKey).toBe(fired.dedupeKey);
  });

  it('gives the same dedupe key to an HA twin that lists the alerts in another order and adds one', () => {
    const original = sample('multiple-alerts');
    const [a, b, c] = original.alerts;
    const twin = { ...original, alerts: [c!, { ...a!, startsAt: '2026-11-12T11:45:00Z' }, b!, a!] };
    expect(normaliseAlertmanager(twin).dedupeKey).toBe(normaliseAlertmanager(original).dedupeKey);
  });

  it('gives a repeat notification, with a start time written with nanoseconds, the same dedupe key', () => {
    const original = sample('firing');
    const repeat = {
      ...original,
      alerts: [{ ...original.alerts[0]!, startsAt: '2026-11-12T09:14:27.518000000Z' }],
    };
    expect(normaliseAlertmanager(repeat).dedupeKey).toBe(normaliseAlertmanager(original).dedupeKey);
  });

  it('gives a new episode of the same group a new dedupe key', () => {
    const original = sample('firing');
    const later = { ...original, alerts: [{ ...original.alerts[0]!, startsAt: '2026-11-12T18:00:00Z' }] };
    const signal = normaliseAlertmanager(later);
    expect(signal.signalKey).toBe(normaliseAlertmanager(original).signalKey);
    expect(signal.dedupeKey).not.toBe(normaliseAlertmanager(original).dedupeKey);
  });

  it.each([
    ['firing', 'Service web is running out of capacity'],
    ['multiple-alerts', 'Service web at CNAF is running out of capacity (3 alerts, 0 truncated)'],
    ['truncated', 'BurstCapacityHigh (6 alerts, 4 truncated)'],
  ])('summarises the %s sample as "%s"', (name, summary) => {
    expect(normaliseAlertmanager(sample(name)).summary).toBe(summary);
  });

  it('falls back to the description when there is no summary annotation', () => {
    const original = sample('firing');
    const payload = { ...original, commonAnnotations: { description: 'Load above 85%' } };
    expect(normaliseAlertmanager(payload).summary).toBe('Load above 85%');
  });

  it('carries the common labels', () => {
    expect(normaliseAlertmanager(sample('firing')).labels).toMatchObject({
      alertname: 'BurstCapacityHigh',
      severity: 'page',
      service: 'web',
    });
  });

  it('reads placement hints from clusterburst_* labels', () => {
    expect(normaliseAlertmanager(sample('multiple-alerts')).hints).toEqual({
      provider: 'aws',
      region: 'eu-west-1',
      nodes: 3,
    });
  });

  it('has no hints when no clusterburst_* label is set', () => {
    expect(normaliseAlertmanager(sample('firing')).hints).toBeUndefined();
  });

  it.each(['0', '-2', '2.5', 'three', '', '99999999999999999999'])(
    'ignores clusterburst_nodes="%s"',
    (nodes) => {
      const original = sample('firing');
      const payload = { ...original, commonLabels: { ...original.commonLabels, clusterburst_nodes: nodes } };
      expect(normaliseAlertmanager(payload).hints).toBeUndefined();
    },
  );

  it('uses the latest end of a resolved group even if one alert has no end time', () => {
    const original = sample('resolved');
    const open = { ...original.alerts[0]!, endsAt: '0001-01-01T00:00:00Z', fingerprint: 'ffffffffffffffff' };
    const payload = { ...original, alerts: [open, ...original.alerts] };
    expect(normaliseAlertmanager(payload).at).toBe('2026-11-12T10:02:57.518Z');
  });
});
