import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveEndpoint } from '../../../../shared/cli/endpoint.ts';
import { UsageError } from '../../../../shared/cli/usage-error.ts';

function config(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'cb-endpoint-')), 'clusterburst.yaml');
  writeFileSync(path, text);
  return path;
}

describe('where the CLI finds the control plane', () => {
  it('uses 127.0.0.1:8080 when nothing says otherwise', () => {
    expect(resolveEndpoint({}, {}).url).toBe('http://127.0.0.1:8080');
  });

  it('follows PORT, as npm start does', () => {
    expect(resolveEndpoint({}, { PORT: '9191' }).url).toBe('http://127.0.0.1:9191');
  });

  it("follows the configuration's server.port, and reaches a 0.0.0.0 listener on loopback", () => {
    const path = config('server: { host: 0.0.0.0, port: 9292, auth: { bearerToken: x } }\n');
    expect(resolveEndpoint({}, { CLUSTERBURST_CONFIG: path }).url).toBe('http://127.0.0.1:9292');
  });

  it('lets PORT win over the configuration, as the runtime does', () => {
    const path = config('server: { port: 9292 }\n');
    expect(resolveEndpoint({}, { CLUSTERBURST_CONFIG: path, PORT: '9393' }).url).toBe(
      'http://127.0.0.1:9393',
    );
  });

  it('lets CLUSTERBURST_URL win over the port, and --url over both', () => {
    const env = { CLUSTERBURST_URL: 'http://cb.example.org:8080', PORT: '9393' };
    expect(resolveEndpoint({}, env).url).toBe('http://cb.example.org:8080');
    expect(resolveEndpoint({ url: 'https://other.example.org' }, env).url).toBe('https://other.example.org');
  });

  it('names the source of a URL that is not http(s)', () => {
    expect(() => resolveEndpoint({}, { CLUSTERBURST_URL: 'ftp://x' })).toThrow(
      new UsageError('CLUSTERBURST_URL: not an http(s) URL: ftp://x'),
    );
    expect(() => resolveEndpoint({ url: 'nope' }, {})).toThrow(/^--url: not an http\(s\) URL: nope$/);
  });

  it('names a bad PORT and a bad server.port', () => {
    expect(() => resolveEndpoint({}, { PORT: 'eighty' })).toThrow('PORT: not a port number: eighty');
    const path = config('server: { port: high }\n');
    expect(() => resolveEndpoint({}, { CLUSTERBURST_CONFIG: path })).toThrow(
      new RegExp(`invalid configuration ${path}: server.port: `),
    );
  });

  it('reads a configuration whose auth section has another form', () => {
    const path = config('server: { port: 9494, auth: none }\n');
    expect(resolveEndpoint({}, { CLUSTERBURST_CONFIG: path })).toEqual({ url: 'http://127.0.0.1:9494' });
  });

  it("sends the configuration's token to the server it configures, and to no other", () => {
    const path = config('server: { auth: { bearerToken: env:SITE_TOKEN } }\n');
    const env = { CLUSTERBURST_CONFIG: path, SITE_TOKEN: 'site-secret' };
    expect(resolveEndpoint({}, env).token).toBe('site-secret');
    expect(resolveEndpoint({ url: 'http://elsewhere.example.org' }, env).token).toBeUndefined();
    expect(resolveEndpoint({}, { ...env, CLUSTERBURST_TOKEN: 'mine' }).token).toBe('mine');
    expect(resolveEndpoint({ token: 'flag' }, env).token).toBe('flag');
  });
});
