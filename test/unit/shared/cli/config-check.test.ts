import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { ConfigSchema } from '../../../../shared/config/config-schema.ts';
import { cli } from '../../../support/cli.ts';

const ROOT = new URL('../../../../', import.meta.url).pathname;

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

/** A clusterburst configuration: one YAML mapping whose keys are all configuration sections. */
function isClusterburstConfig(path: string): boolean {
  const docs = parseAllDocuments(readFileSync(path, 'utf8'));
  if (docs.length !== 1) return false;
  const value = docs[0]?.toJSON() as unknown;
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => k in ConfigSchema.shape);
}

const EXAMPLES = yamlFiles(join(ROOT, 'deploy')).filter(isClusterburstConfig);

/** The value at a zod issue's path. */
function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((v, key) => (v as Record<PropertyKey, unknown> | undefined)?.[key], value);
}

function tempFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'cb-check-')), 'site.yaml');
  writeFileSync(path, text);
  return path;
}

describe('clusterburst config check', () => {
  it('finds the example configurations shipped in deploy/', () => {
    expect(EXAMPLES.map((p) => relative(ROOT, p))).toContain('deploy/onprem/clusterburst.yaml');
    expect(EXAMPLES.map((p) => relative(ROOT, p))).toContain('deploy/octavia/clusterburst.yaml');
    expect(EXAMPLES.map((p) => relative(ROOT, p))).toContain('deploy/liqo/clusterburst.yaml');
  });

  it.each(EXAMPLES.map((p) => [relative(ROOT, p), p]))(
    'accepts the example %s, exits 0 and prints its effective configuration',
    async (_name, path) => {
      const run = await cli(['config', 'check', path]);
      expect(run.stderr).toContain(`${path}: valid`);
      expect(run.code).toBe(0);
      const effective = parse(run.stdout);
      // References stay `env:NAME` in the output; the runtime resolves them before it checks.
      const result = ConfigSchema.safeParse(effective);
      const judged = result.error?.issues.filter(
        (i) => !String(valueAt(effective, i.path)).startsWith('env:'),
      );
      expect(judged ?? []).toEqual([]);
    },
  );

  it('exits 2 on a broken configuration and names the field', async () => {
    const path = tempFile('policy:\n  maxClusters: -1\nserver: { port: 8080 }\n');
    const run = await cli(['config', 'check', path]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`invalid configuration ${path}: policy.maxClusters:`);
    expect(run.stdout).toBe('');
  });

  it('exits 2 on an unknown key and names it', async () => {
    const run = await cli(['config', 'check', tempFile('polcy: { maxClusters: 2 }\n')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/\(root\): Unrecognized key: "polcy"/);
  });

  it('exits 2 on a YAML syntax error and says on which line', async () => {
    const run = await cli(['config', 'check', tempFile('policy:\n  maxClusters: [1\nserver: {}\n')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/line \d+ column \d+/);
  });

  it('exits 2 when the file does not exist', async () => {
    const run = await cli(['config', 'check', '/nonexistent/clusterburst.yaml']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('cannot read configuration /nonexistent/clusterburst.yaml');
  });

  it("exits 2 on a driver's bad options and names the field in the file", async () => {
    const path = tempFile(
      [
        'providers:',
        '  - { name: capi, driver: clusterapi, regions: [r1], pricePerNodeHour: 0.1, options: { kubernetesVersion: v1.33.1 } }',
        'gateway: { driver: haproxy, options: { runtime: "" } }',
        '',
      ].join('\n'),
    );
    const run = await cli(['config', 'check', path]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`invalid configuration ${path}: providers.0.options.classRef: `);
    expect(run.stderr).toContain('  gateway.options.runtime: ');
  });

  it("names a bad octavia gateway option in the file, as the driver's schema would", async () => {
    const path = tempFile(
      'gateway: { driver: octavia, options: { authUrl: "http://keystone.example.org/v3", auth: { type: applicationCredential, id: a, secret: s }, pools: {} } }\n',
    );
    const run = await cli(['config', 'check', path]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('gateway.options.authUrl: must be https');
    expect(run.stderr).toContain('gateway.options.pools: name at least one pool');
  });

  it('judges a secret reference by its value where this shell has it, without printing the value', async () => {
    const path = tempFile(
      'dns: { driver: rfc2136, options: { server: 127.0.0.1, zone: example.org, keyName: k, keySecret: env:TSIG_SECRET } }\n',
    );
    expect((await cli(['config', 'check', path])).code).toBe(0);
    const run = await cli(['config', 'check', path], { TSIG_SECRET: 'not*base64' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('dns.options.keySecret: must be base64');
    expect(run.stderr).not.toContain('not*base64');
  });

  it('refuses, as the runtime would, to listen off loopback without credentials', async () => {
    const run = await cli(['config', 'check', tempFile('server: { host: 0.0.0.0 }\n')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('server.auth: listening on 0.0.0.0 (not loopback) needs');
  });

  it('never prints a secret: literals are masked, references stay references', async () => {
    const path = tempFile(
      [
        'server: { auth: { bearerToken: literal-api-token, basic: { username: am, password: literal-pw } } }',
        'dns:',
        '  driver: rfc2136',
        '  options: { server: 127.0.0.1, zone: example.org, keyName: k, keySecret: env:TSIG_SECRET }',
        '',
      ].join('\n'),
    );
    const run = await cli(['config', 'check', path], { TSIG_SECRET: 'MDEyMzQ1Njc4OWFiY2RlZg==' });
    expect(run.code).toBe(0);
    for (const secret of ['literal-api-token', 'literal-pw', 'MDEyMzQ1Njc4OWFiY2RlZg=='])
      expect(`${run.stdout}\n${run.stderr}`).not.toContain(secret);
    const effective = parse(run.stdout);
    expect(effective.server.auth).toEqual({
      bearerToken: '********',
      basic: { username: 'am', password: '********' },
    });
    expect(effective.dns.options.keySecret).toBe('env:TSIG_SECRET');
  });

  it('checks the file in CLUSTERBURST_CONFIG when none is given, and notes unset variables', async () => {
    const path = tempFile('server: { auth: { bearerToken: env:CB_TOKEN_UNSET } }\n');
    const run = await cli(['config', 'check'], { CLUSTERBURST_CONFIG: path });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      'note: server.auth.bearerToken: environment variable CB_TOKEN_UNSET is not set here; the runtime needs it',
    );
  });
});
