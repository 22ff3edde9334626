/**
 * A bad option of any driver of any capability is refused once, when the configuration loads,
 * with a ConfigError naming the field: by loadConfig itself, by the local runtime's start-up
 * (`npm start` exits 2), and at the cold start of a Lambda or Cloud Functions instance (the
 * dependencies both adapters build on first use). No zod text reaches whoever reads the error.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../shared/config/load-config.ts';
import { ConfigError } from '../../shared/errors.ts';
import { lazyDeps, resetDeps, useDeps } from '../../shared/runtime/lazy-deps.ts';

const KEYSTONE = {
  authUrl: 'https://keystone.example.org:5000/v3',
  auth: { type: 'applicationCredential', id: 'ac', secret: 's' },
};
const provider = (driver: string, options: object) => ({
  providers: [{ name: 'p', driver, regions: ['r1'], pricePerNodeHour: 0.1, options }],
});

/** [driver, configuration with one bad option, the field the error must name]. */
const ROWS: readonly (readonly [string, object, string])[] = [
  ['provider simulated', provider('simulated', { readyAfterMs: -1 }), 'providers.0.options.readyAfterMs'],
  [
    'provider clusterapi',
    provider('clusterapi', { kubernetesVersion: 'v1.33.1' }),
    'providers.0.options.classRef',
  ],
  ['provider eks', provider('eks', { region: 'eu-west-1' }), 'providers.0.options.roleArn'],
  [
    'provider gke',
    provider('gke', { project: 'physics-prod', location: 'moon' }),
    'providers.0.options.location',
  ],
  [
    'provider aks',
    provider('aks', { subscriptionId: 'not-a-guid', resourceGroup: 'rg', location: 'westeurope' }),
    'providers.0.options.subscriptionId',
  ],
  [
    'provider magnum',
    provider('magnum', { ...KEYSTONE, authUrl: 'http://keystone.example.org/v3', region: 'r1' }),
    'providers.0.options.authUrl',
  ],
  [
    'federation simulated',
    { federation: { driver: 'simulated', options: { colour: 1 } } },
    'federation.options',
  ],
  [
    'federation karmada',
    { federation: { driver: 'karmada', options: { tokenTimeoutSeconds: 0 } } },
    'federation.options.tokenTimeoutSeconds',
  ],
  [
    'federation kubefed',
    { federation: { driver: 'kubefed', options: { hostClusterName: '' } } },
    'federation.options.hostClusterName',
  ],
  ['dns memory', { dns: { driver: 'memory', options: { ttl: 1 } } }, 'dns.options'],
  [
    'dns rfc2136',
    { dns: { driver: 'rfc2136', options: { server: '127.0.0.1', keyName: 'k' } } },
    'dns.options.keySecret',
  ],
  [
    'dns route53',
    { dns: { driver: 'route53', options: { hostedZoneId: 'nope' } } },
    'dns.options.hostedZoneId',
  ],
  [
    'dns powerdns',
    { dns: { driver: 'powerdns', options: { apiUrl: 'http://127.0.0.1:8081' } } },
    'dns.options.apiKey',
  ],
  ['gateway memory', { gateway: { driver: 'memory', options: { socket: '/run/x' } } }, 'gateway.options'],
  ['gateway haproxy', { gateway: { driver: 'haproxy', options: {} } }, 'gateway.options.runtime'],
  [
    'gateway gateway-api',
    { gateway: { driver: 'gateway-api', options: { namespace: 'Not_A_Label' } } },
    'gateway.options.namespace',
  ],
  ['gateway octavia', { gateway: { driver: 'octavia', options: KEYSTONE } }, 'gateway.options.pools'],
  ['store sqlite', { store: { driver: 'sqlite', options: { file: 'x.db' } } }, 'store.options'],
  [
    'store kubernetes',
    { store: { driver: 'kubernetes', options: { namespace: '' } } },
    'store.options.namespace',
  ],
  ['store dynamodb', { store: { driver: 'dynamodb', options: { table: 'a b' } } }, 'store.options.table'],
  ['bus memory', { bus: { driver: 'memory', options: { x: 1 } } }, 'bus.options'],
  [
    'bus eventbridge',
    { bus: { driver: 'eventbridge', options: { region: 'eu-west-1' } } },
    'bus.options.busName',
  ],
  ['load signal', { load: { driver: 'signal', options: { query: 'up' } } }, 'load.options'],
  ['load prometheus', { load: { driver: 'prometheus', options: { query: 'up' } } }, 'load.options.url'],
];

/** What zod's own error text looks like: its class name and its JSON issue list. */
const ZOD_TEXT = /ZodError|"code":|"path":|"expected":/;

let dir: string;
const fileOf = (i: number) => join(dir, `row-${i}.yaml`);

/** The error's message, checked to name the field of the file and to carry no zod text. */
function expectFieldNamed(message: string, file: string, field: string): void {
  expect(message).toContain(`invalid configuration ${file}: ${field}`);
  expect(message).not.toMatch(ZOD_TEXT);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cb-options-'));
  ROWS.forEach(([, config], i) => {
    writeFileSync(fileOf(i), stringify({ stateDir: dir, ...config }));
  });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a bad driver option', () => {
  it.each(ROWS.map(([driver, config, field], i) => [driver, field, config, i] as const))(
    'of %s is a ConfigError naming %s when the configuration loads',
    (_driver, field, _config, i) => {
      const error = (() => {
        try {
          loadConfig({ path: fileOf(i) });
        } catch (caught) {
          return caught as Error;
        }
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expectFieldNamed(error!.message, fileOf(i), field);
      // Nothing that could print the rejected value (a secret, perhaps) rides along.
      expect(error!.cause).toBeUndefined();
    },
  );

  it('of every driver stops the local runtime at start-up (exit 2), naming the field', async () => {
    const { stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'test/support/start-local-each.ts', ...ROWS.map((_, i) => fileOf(i))],
      { env: { ...process.env, CLUSTERBURST_CONFIG: '' }, timeout: 60_000 },
    );
    // Per file: a start line, what its start-up logged, an end line with the exit code.
    const lines = stderr
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as {
            start?: string;
            end?: string;
            exitCode?: number;
            message?: string;
            level?: string;
          },
      );
    const results = lines.flatMap((line, i) =>
      line.end === undefined
        ? []
        : [{ exitCode: line.exitCode, logged: lines.slice(0, i).findLast((l) => l.level) }],
    );
    expect(results).toHaveLength(ROWS.length);
    ROWS.forEach(([driver, , field], i) => {
      const result = results[i]!;
      expect({ driver, exitCode: result.exitCode }).toEqual({ driver, exitCode: 2 });
      expect(result.logged?.level).toBe('ERROR');
      expectFieldNamed(result.logged?.message ?? '', fileOf(i), field);
    });
  }, 90_000);

  describe('at the cold start of a Lambda or Cloud Functions instance', () => {
    afterEach(async () => {
      vi.unstubAllEnvs();
      await resetDeps();
    });

    it.each(ROWS.map(([driver, config, field], i) => [driver, field, config, i] as const))(
      'of %s fails building the instance dependencies, naming %s',
      async (_driver, field, _config, i) => {
        vi.stubEnv('CLUSTERBURST_CONFIG', fileOf(i));
        await useDeps(); // back to the configuration from the environment, as a fresh instance
        const error = await lazyDeps().catch((caught: unknown) => caught as Error);
        expect(error).toBeInstanceOf(ConfigError);
        expectFieldNamed((error as Error).message, fileOf(i), field);
      },
    );
  });
});

describe('a secret by reference inside driver options', () => {
  const SECRET = 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0';
  const rfc2136 = (keySecret: string) => ({
    dns: { driver: 'rfc2136', options: { server: '127.0.0.1', keyName: 'k', keySecret } },
  });

  it('is resolved from the environment before the driver schema checks it', () => {
    const config = loadConfig({ value: rfc2136('env:TSIG_SECRET'), env: { TSIG_SECRET: SECRET } });
    expect(config.dns.driver === 'rfc2136' && config.dns.options.keySecret).toBe(SECRET);
  });

  it('names the field, never the value, when the referenced value is refused', () => {
    const load = () => loadConfig({ value: rfc2136('env:TSIG_SECRET'), env: { TSIG_SECRET: 'not*base64' } });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/dns\.options\.keySecret: must be base64/);
    expect(load).not.toThrow(/not\*base64/);
  });

  it('names the field when the variable is not set', () => {
    expect(() => loadConfig({ value: rfc2136('env:TSIG_SECRET'), env: {} })).toThrow(
      /dns\.options\.keySecret: environment variable TSIG_SECRET is not set/,
    );
  });
});
