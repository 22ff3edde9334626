import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../shared/config/load-config.ts';
import { DEFAULT_POLICY } from '../../../../shared/domain/policy.ts';
import { ConfigError } from '../../../../shared/errors.ts';

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'cb-config-')), 'clusterburst.yaml');
  writeFileSync(path, text);
  return path;
}

describe('loadConfig', () => {
  it('runs on embedded defaults when there is no file at all', () => {
    const config = loadConfig({ env: {}, path: undefined, value: undefined });
    expect(config.providers.map((p) => p.driver)).toEqual(['simulated']);
    expect(config.store.driver).toBe('sqlite');
    expect(config.policy).toEqual(DEFAULT_POLICY);
  });

  it('reads the file named by CLUSTERBURST_CONFIG and keeps defaults for what it leaves out', () => {
    const path = file('policy:\n  maxClusters: 7\n');
    const config = loadConfig({ env: { CLUSTERBURST_CONFIG: path } });
    expect(config.policy.maxClusters).toBe(7);
    expect(config.policy.cooldownSeconds).toBe(DEFAULT_POLICY.cooldownSeconds);
  });

  it('names the field of an invalid value', () => {
    expect(() => loadConfig({ value: { policy: { maxClusters: -1 } } })).toThrow(/policy\.maxClusters/);
    expect(() => loadConfig({ value: { policy: { maxClusterz: 1 } } })).toThrow(/maxClusterz/);
    expect(() => loadConfig({ value: { dns: { driver: 'bind' } } })).toThrow(/dns\.driver/);
  });

  it('resolves env: secrets, and names the field when the variable is missing', () => {
    const config = loadConfig({
      value: { server: { auth: { bearerToken: 'env:CB_TOKEN' } } },
      env: { CB_TOKEN: 'abc' },
    });
    expect(config.server.auth).toEqual({ bearerToken: 'abc' });
    const error = (() => {
      try {
        loadConfig({ value: { server: { auth: { bearerToken: 'env:CB_TOKEN' } } }, env: {} });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toBe(
      'configuration server.auth.bearerToken: environment variable CB_TOKEN is not set',
    );
  });

  it('refuses a missing file that was asked for, and a YAML syntax error, saying which file', () => {
    expect(() => loadConfig({ path: '/nonexistent/cb.yaml' })).toThrow(
      /cannot read configuration \/nonexistent\/cb.yaml/,
    );
    expect(() => loadConfig({ path: file('policy: [unclosed\n') })).toThrow(/cannot read configuration/);
  });

  it('names the drivers there are when a capability names one that is not', () => {
    expect(() => loadConfig({ value: { gateway: { driver: 'nginx' } } })).toThrow(
      /gateway\.driver: must be one of memory, haproxy, gateway-api, octavia/,
    );
  });

  it('gives a DNS driver the zone of dns.zone unless its options name one', () => {
    const options = { server: 'ns1.example.org', keyName: 'k', keySecret: 'c2VjcmV0LXNlY3JldC1zZWNyZXQ=' };
    const zoned = (extra: object) =>
      loadConfig({
        value: { dns: { driver: 'rfc2136', zone: 'burst.example.org', options: { ...options, ...extra } } },
      }).dns.options;
    expect(zoned({})).toMatchObject({ zone: 'burst.example.org' });
    expect(zoned({ zone: 'example.org' })).toMatchObject({ zone: 'example.org' });
  });

  it('refuses direct DNS mode with a driver that has no weighted records, and duplicate provider names', () => {
    const rfc2136 = { server: '127.0.0.1', keyName: 'k', keySecret: 'c2VjcmV0LXNlY3JldC1zZWNyZXQ=' };
    expect(() =>
      loadConfig({ value: { dns: { driver: 'rfc2136', mode: 'direct', options: rfc2136 } } }),
    ).toThrow(/dns\.mode: direct mode needs weighted records/);
    const p = { driver: 'simulated', regions: ['x'], pricePerNodeHour: 1 };
    expect(() =>
      loadConfig({
        value: {
          providers: [
            { name: 'a', ...p },
            { name: 'a', ...p },
          ],
        },
      }),
    ).toThrow(/provider name "a" is used twice/);
  });

  it('keeps ended records 7 days by default and refuses a retention no longer than the cooldown', () => {
    expect(loadConfig({ value: {} }).store.retentionSeconds).toBe(7 * 24 * 3600);
    expect(() =>
      loadConfig({ value: { policy: { cooldownSeconds: 600 }, store: { retentionSeconds: 600 } } }),
    ).toThrow(/store\.retentionSeconds: must be longer than policy\.cooldownSeconds/);
  });
});
