import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Json } from '../support/local-runtime.ts';

// The alerts on clusterburst itself, through Prometheus' own tools (Debian `prometheus`):
// `promtool check rules` for syntax and templates, `promtool test rules` for the unit tests
// beside them (deploy/prometheus/*.test.yml), which replay series and expect exact alerts.
const run = promisify(execFile);
const DIR = fileURLToPath(new URL('../../deploy/prometheus/', import.meta.url));
const ALERTS = `${DIR}clusterburst-alerts.yml`;

/** promtool's output, also when it exits non-zero (its report is the failure message). */
async function promtool(...args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run('promtool', args);
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? e.message}` };
  }
}

describe('the clusterburst alert rules (deploy/prometheus/clusterburst-alerts.yml)', () => {
  it('are accepted by promtool check rules', async () => {
    const checked = await promtool('check', 'rules', ALERTS);
    expect(checked.output).toContain('SUCCESS: 4 rules found');
    expect(checked.ok).toBe(true);
  });

  it('pass their promtool unit tests: control plane down, dead letters, budget nearly exhausted, a burst stuck past its deadline', async () => {
    const tests = readdirSync(DIR)
      .filter((f) => f.endsWith('.test.yml'))
      .map((f) => `${DIR}${f}`);
    expect(tests).toContain(`${DIR}clusterburst-alerts.test.yml`);
    const tested = await promtool('test', 'rules', ...tests);
    expect(tested.output).not.toContain('FAILED');
    expect(tested.ok, tested.output).toBe(true);
    // Every alert has a test case that expects it to fire.
    const cases: Json = parse(readFileSync(`${DIR}clusterburst-alerts.test.yml`, 'utf8'));
    const firing = new Set(
      cases.tests.flatMap((t: Json) =>
        t.alert_rule_test.filter((a: Json) => a.exp_alerts.length > 0).map((a: Json) => a.alertname),
      ),
    );
    const alerts: Json = parse(readFileSync(ALERTS, 'utf8'));
    const names = alerts.groups.flatMap((g: Json) => g.rules.map((r: Json) => r.alert));
    expect([...firing].sort()).toEqual([...names].sort());
  });

  it('never carry the label that routes an alert to the burst webhook, so an outage cannot cause a burst', () => {
    const alerts: Json = parse(readFileSync(ALERTS, 'utf8'));
    const rules: Json[] = alerts.groups.flatMap((g: Json) => g.rules);
    expect(rules.length).toBe(4);
    for (const rule of rules) {
      expect(Object.keys(rule.labels ?? {}), rule.alert).not.toContain('clusterburst');
      expect(rule.labels?.severity, rule.alert).toMatch(/^(page|warning)$/);
    }
  });
});
