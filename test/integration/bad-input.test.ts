import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEvents, loadEvent } from '../support/events.ts';
import { startTestRuntime, type TestRuntime } from '../support/local-runtime.ts';

const TOKEN = 's3cr3t-token-for-tests';

describe('bad input never changes state and never crashes the runtime', () => {
  let rt: TestRuntime;
  const logs: string[] = [];
  let write: typeof process.stdout.write;
  beforeAll(async () => {
    process.env.CB_TEST_TOKEN = TOKEN;
    rt = await startTestRuntime({
      server: { port: 0, auth: { bearerToken: 'env:CB_TEST_TOKEN' } },
      logLevel: 'DEBUG',
    });
    write = process.stdout.write.bind(process.stdout);
    // Capture (and swallow) the runtime's log lines to check that no secret reaches them.
    process.stdout.write = ((chunk: string | Uint8Array) => {
      logs.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
  });
  afterAll(async () => {
    process.stdout.write = write;
    await rt.close();
  });

  const auth = { authorization: `Bearer ${TOKEN}` };
  const cases: [
    string,
    () => Promise<{ status: number; body: { error: string; issues?: string[] } }>,
    number,
    RegExp,
  ][] = [
    [
      'malformed JSON',
      () => rt.request('POST', '/alerts/alertmanager', '{"version": "4",', auth),
      400,
      /malformed JSON/,
    ],
    [
      'wrong content type',
      () =>
        rt.request('POST', '/alerts/alertmanager', 'status=firing', {
          ...auth,
          'content-type': 'text/plain',
        }),
      415,
      /content type must be application\/json/,
    ],
    [
      'a body over 1 MiB',
      () => rt.request('POST', '/alerts/alertmanager', { pad: 'x'.repeat(1024 * 1024 + 10) }, auth),
      413,
      /exceeds the limit of 1048576 bytes/,
    ],
    [
      'missing credentials',
      () => rt.request('POST', '/alerts/alertmanager', loadEvent('alertmanager', 'firing')),
      401,
      /missing Authorization/,
    ],
    [
      'wrong credentials',
      () =>
        rt.request('POST', '/alerts/alertmanager', loadEvent('alertmanager', 'firing'), {
          authorization: 'Bearer nope',
        }),
      401,
      /wrong credentials/,
    ],
    [
      'an unknown route',
      () => rt.request('POST', '/alerts/nagios', {}, auth),
      404,
      /no route POST \/alerts\/nagios/,
    ],
    ['a wrong method', () => rt.request('PUT', '/bursts', {}, auth), 405, /not allowed/],
    [
      'a malformed burst id',
      () => rt.request('GET', '/bursts/zzz', undefined, auth),
      400,
      /id: must look like b-/,
    ],
    [
      'a malformed percent-encoding in the path',
      () => rt.request('DELETE', '/bursts/%E0%A4%A', undefined, auth),
      400,
      /malformed percent-encoding in path segment "%E0%A4%A"/,
    ],
    [
      'an unknown burst',
      () => rt.request('GET', '/bursts/b-000000000000', undefined, auth),
      404,
      /not found/,
    ],
    [
      'a manual burst naming a provider that is not configured',
      () => rt.request('POST', '/bursts', { reason: 'x', provider: 'aws' }, auth),
      400,
      /provider: "aws" is not configured \(configured providers: simulated\)/,
    ],
    [
      'a manual burst naming a region no provider offers',
      () => rt.request('POST', '/bursts', { reason: 'x', region: 'eu-west-1' }, auth),
      400,
      /region: "eu-west-1" is not offered by any configured provider \(configured regions: local\)/,
    ],
    [
      'a manual burst naming a region its provider does not offer',
      () => rt.request('POST', '/bursts', { reason: 'x', provider: 'simulated', region: 'eu-west-1' }, auth),
      400,
      /region: "eu-west-1" is not offered by provider simulated \(its regions: local\)/,
    ],
    [
      'an unknown field in a burst request',
      () => rt.request('POST', '/bursts', { reason: 'x', colour: 'red' }, auth),
      400,
      /colour/,
    ],
  ];

  it.each(cases)(
    'answers %s with a 4xx JSON error naming the problem',
    async (_name, send, status, message) => {
      const answer = await send();
      expect(answer.status).toBe(status);
      expect(answer.body.error).toMatch(message);
      expect((await rt.request('GET', '/bursts', undefined, auth)).body.bursts).toEqual([]);
    },
  );

  it.each(listEvents('invalid').filter((n) => !n.includes('pubsub') && !n.startsWith('schedule')))(
    'refuses the schema-invalid sample %s with a 400 naming the field',
    async (name) => {
      const answer = await rt.request('POST', endpointFor(name), loadEvent('invalid', name), auth);
      expect(answer.status).toBe(400);
      expect(answer.body.issues.length).toBeGreaterThan(0);
      expect(answer.body.issues[0]).toMatch(/^[\w.()-]+: \S/);
      expect((await rt.request('GET', '/bursts', undefined, auth)).body.bursts).toEqual([]);
    },
  );

  it('stays up, and never writes the token to its logs', async () => {
    expect((await rt.request('GET', '/healthz')).status).toBe(200);
    const metrics = await rt.request('GET', '/metrics');
    expect(metrics.body).toMatch(/clusterburst_auth_refused_total\{route="POST \/alerts\/alertmanager"\} 2/);
    expect(logs.join('')).not.toContain(TOKEN);
    expect(readFileSync(rt.deps.config.store.path).includes(TOKEN)).toBe(false);
  });
});

function endpointFor(sample: string): string {
  if (sample.startsWith('alertmanager')) return '/alerts/alertmanager';
  if (sample.startsWith('cloudwatch')) return '/alerts/cloudwatch';
  if (sample.startsWith('gcp') || sample.startsWith('cloud-monitoring')) return '/alerts/gcp';
  return '/bursts';
}

describe('a deployed (non-loopback) runtime', () => {
  it('refuses to start without credentials, naming the field', async () => {
    await expect(startTestRuntime({ server: { host: '0.0.0.0', port: 0 } })).rejects.toThrow(
      /server\.auth: listening on 0\.0\.0\.0 \(not loopback\) needs a bearerToken or basic credentials/,
    );
  });

  it('starts and serves without credentials when the configuration says auth: none', async () => {
    // 127.0.0.2 is not one of the loopback names the check knows, yet reachable from the test.
    const rt = await startTestRuntime({ server: { host: '127.0.0.2', port: 0, auth: 'none' } });
    try {
      const created = await rt.request('POST', '/bursts', { reason: 'behind the site proxy' });
      expect(created).toMatchObject({ status: 202, body: { decision: 'burst' } });
    } finally {
      await rt.close();
    }
  });
});

describe('a loopback runtime with no configuration (npm start)', () => {
  it('serves the API without credentials, as the README walk-through does', async () => {
    const rt = await startTestRuntime();
    try {
      const created = await rt.request('POST', '/bursts', { reason: 'walk-through' });
      expect(created).toMatchObject({ status: 202, body: { decision: 'burst' } });
    } finally {
      await rt.close();
    }
  });
});

describe('a manual burst refused by policy', () => {
  it('stays a 202 with the why, since the same request may succeed later', async () => {
    const rt = await startTestRuntime({ policy: { maxClusters: 0 } });
    try {
      const answer = await rt.request('POST', '/bursts', {
        reason: 'x',
        provider: 'simulated',
        region: 'local',
      });
      expect(answer).toMatchObject({ status: 202, body: { decision: 'refused', why: /max clusters/ } });
    } finally {
      await rt.close();
    }
  });
});
