import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../shared/errors.ts';
import { AlertmanagerWebhookSchema } from '../../../../shared/schemas/alertmanager.ts';
import { parseInput } from '../../../../shared/schemas/parse.ts';
import { listEvents, loadEvent } from '../../../support/events.ts';

function issuesOf(input: unknown): readonly string[] {
  try {
    parseInput(AlertmanagerWebhookSchema, input, 'Alertmanager webhook');
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  return [];
}

function firing(): Record<string, unknown> {
  return loadEvent('alertmanager', 'firing') as Record<string, unknown>;
}

describe('AlertmanagerWebhookSchema', () => {
  it.each(listEvents('alertmanager'))('accepts the %s sample', (name) => {
    const payload = parseInput(AlertmanagerWebhookSchema, loadEvent('alertmanager', name), name);
    expect(payload.version).toBe('4');
    expect(payload.alerts.length).toBeGreaterThan(0);
  });

  it('rejects a notification without status, naming the field', () => {
    expect(issuesOf(loadEvent('invalid', 'alertmanager-missing-status'))).toEqual([
      'status: Invalid option: expected one of "firing"|"resolved"',
    ]);
  });

  it('rejects an alert with an unknown status, naming its index', () => {
    expect(issuesOf(loadEvent('invalid', 'alertmanager-bad-alert-status'))).toEqual([
      'alerts.0.status: Invalid option: expected one of "firing"|"resolved"',
    ]);
  });

  it('keeps fields a newer Alertmanager may add, at the top and in alerts', () => {
    const body = firing();
    const alerts = body.alerts as Record<string, unknown>[];
    const input = { ...body, tenant: 'incd', alerts: [{ ...alerts[0], silencedBy: [] }] };
    const payload = parseInput(AlertmanagerWebhookSchema, input, 'Alertmanager webhook');
    expect(payload).toMatchObject({ tenant: 'incd', alerts: [{ silencedBy: [] }] });
  });

  it.each(['version', 'groupKey', 'truncatedAlerts', 'commonLabels', 'alerts'])('requires %s', (field) => {
    const { [field]: _dropped, ...rest } = firing();
    expect(issuesOf(rest).some((line) => line.startsWith(`${field}: `))).toBe(true);
  });

  it('rejects a payload version other than 4', () => {
    expect(issuesOf({ ...firing(), version: '3' })).toEqual(['version: Invalid input: expected "4"']);
  });

  it('rejects an empty alert list', () => {
    expect(issuesOf({ ...firing(), alerts: [] })[0]).toMatch(/^alerts: /);
  });

  it('rejects a startsAt that is not an RFC 3339 time', () => {
    const body = firing();
    const alerts = body.alerts as Record<string, unknown>[];
    const lines = issuesOf({ ...body, alerts: [{ ...alerts[0], startsAt: 'yesterday' }] });
    expect(lines[0]).toMatch(/^alerts\.0\.startsAt: /);
  });
});
