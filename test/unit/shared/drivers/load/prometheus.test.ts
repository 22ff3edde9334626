import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../../shared/config/load-config.ts';
import type { BurstCluster } from '../../../../../shared/domain/burst-cluster.ts';
import { forCluster, PrometheusLoad } from '../../../../../shared/drivers/load/prometheus.ts';
import { PrometheusLoadOptionsSchema } from '../../../../../shared/drivers/load/prometheus-options.ts';
import { ConfigError } from '../../../../../shared/errors.ts';
import { createLoad } from '../../../../../shared/runtime/build-drivers.ts';
import { makeRecord } from '../../../../support/records.ts';

/** One request the fake Prometheus received, form fields decoded. */
interface Seen {
  readonly path: string;
  readonly params: URLSearchParams;
  readonly authorization: string | undefined;
}
type Handler = (seen: Seen, res: ServerResponse) => void;

const NOW = new Date('2026-11-22T10:00:00.000Z');
const END = NOW.getTime() / 1000;
const active = (id: string): BurstCluster => makeRecord({ id, phase: 'Active' });
const A = active('b-aaaaaaaaaaaa');
const B = active('b-bbbbbbbbbbbb');

let server: Server;
let url: string;
let seen: Seen[];
let handler: Handler;

beforeEach(async () => {
  seen = [];
  handler = (_, res) => json(res, 200, { status: 'success', data: { resultType: 'matrix', result: [] } });
  server = createServer((req, res) => void receive(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let body = '';
  for await (const chunk of req) body += chunk;
  const request = {
    path: req.url ?? '',
    params: new URLSearchParams(body),
    authorization: req.headers.authorization,
  };
  seen.push(request);
  handler(request, res);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** A matrix answer: one series per list, values at start + i * step (undefined = no sample). */
function matrix(start: number, step: number, ...series: (number | undefined)[][]) {
  return {
    status: 'success',
    data: {
      resultType: 'matrix',
      result: series.map((values, n) => ({
        metric: { instance: `node-${n}` },
        values: values.flatMap((v, i) => (v === undefined ? [] : [[start + i * step, String(v)]])),
      })),
    },
  };
}

/** Answer range queries with `series` laid on the steps the request asked for. */
function answerRange(...series: (number | undefined)[][]): Handler {
  return (req, res) => {
    const start = Number(req.params.get('start'));
    const step = Number.parseInt(req.params.get('step') ?? '0', 10);
    json(res, 200, matrix(start, step, ...series));
  };
}

const vector = (value: string | undefined) => ({
  status: 'success',
  data: { resultType: 'vector', result: value === undefined ? [] : [{ metric: {}, value: [END, value] }] },
});

const driver = (extra: Record<string, unknown> = {}) =>
  new PrometheusLoad(
    PrometheusLoadOptionsSchema.parse({ url, query: 'max(utilisation)', stepSeconds: 10, ...extra }),
  );

describe('range queries over the window', () => {
  it('reports the highest utilisation seen over the whole window', async () => {
    handler = answerRange([0.1, 0.2, 0.45, 0.3, 0.1, 0.2, 0.1]);
    const report = await driver().observe({ clusters: [A], windowSeconds: 60, now: NOW });
    expect(report).toMatchObject({ ok: true, windowSeconds: 60, overall: 0.45 });
    expect(report.why).toContain('highest utilisation 0.45 over the whole 60s window');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.path).toBe('/api/v1/query_range');
    expect(Object.fromEntries(seen[0]!.params)).toEqual({
      query: 'max(utilisation)',
      start: (END - 60).toFixed(3),
      end: END.toFixed(3),
      step: '10s',
    });
  });

  it('takes the highest of several series at once', async () => {
    handler = answerRange([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1], [0.2, 0.2, 0.7, 0.2, 0.2, 0.2, 0.2]);
    const report = await driver().observe({ clusters: [A], windowSeconds: 60, now: NOW });
    expect(report).toMatchObject({ ok: true, overall: 0.7 });
  });

  it('says the window is only partly covered when the data starts late', async () => {
    handler = answerRange([undefined, undefined, undefined, 0.1, 0.1, 0.1, 0.1]);
    const report = await driver().observe({ clusters: [A], windowSeconds: 60, now: NOW });
    expect(report).toMatchObject({ ok: true, windowSeconds: 30, overall: 0.1 });
    expect(report.why).toContain('data covers only 30s of the 60s window');
  });

  it('counts only the time after a gap as covered', async () => {
    handler = answerRange([0.1, 0.1, 0.1, undefined, 0.1, 0.1, 0.1]);
    const report = await driver().observe({ clusters: [A], windowSeconds: 60, now: NOW });
    expect(report).toMatchObject({ ok: true, windowSeconds: 20 });
  });

  it('reports the load unknown when the series stopped before the end of the window', async () => {
    handler = answerRange([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, undefined]);
    const report = await driver().observe({ clusters: [A], windowSeconds: 60, now: NOW });
    expect(report).toEqual({ ok: false, why: expect.stringContaining('series stopped') });
  });

  it('ignores NaN samples as if nobody saw that step', async () => {
    handler = answerRange([0.1, 0.1, Number.NaN, 0.1, 0.1, 0.1, 0.1]);
    const report = await driver().observe({ clusters: [A], windowSeconds: 60, now: NOW });
    expect(report).toMatchObject({ ok: true, windowSeconds: 30, overall: 0.1 });
  });

  it('keeps a path prefix of the configured URL', async () => {
    handler = answerRange([0.1, 0.1]);
    await new PrometheusLoad(
      PrometheusLoadOptionsSchema.parse({ url: `${url}/prometheus`, query: 'up', stepSeconds: 60 }),
    ).observe({
      clusters: [A],
      windowSeconds: 60,
      now: NOW,
    });
    expect(seen[0]!.path).toBe('/prometheus/api/v1/query_range');
  });
});

describe('per-cluster queries', () => {
  it('asks once per cluster with its id and name filled in, and reports each maximum', async () => {
    handler = (req, res) => {
      const query = req.params.get('query') ?? '';
      const value = query.includes(A.id) ? 0.3 : query.includes(B.id) ? 0.8 : 0.5;
      answerRange(Array(7).fill(value))(req, res);
    };
    const load = driver({ perClusterQuery: 'max(util{burst="{{burst_id}}",cluster="{{cluster}}"})' });
    const report = await load.observe({ clusters: [A, B], windowSeconds: 60, now: NOW });
    expect(report).toMatchObject({ ok: true, overall: 0.5, perCluster: { [A.id]: 0.3, [B.id]: 0.8 } });
    expect(seen.map((s) => s.params.get('query')).sort()).toEqual(
      [
        'max(utilisation)',
        `max(util{burst="${A.id}",cluster="${A.name}"})`,
        `max(util{burst="${B.id}",cluster="${B.name}"})`,
      ].sort(),
    );
  });

  it('gives a cluster without data no figure (so it is kept) and leaves the others judged', async () => {
    handler = (req, res) => {
      const query = req.params.get('query') ?? '';
      answerRange(query.includes(B.id) ? [] : Array(7).fill(0.1))(req, res);
    };
    const report = await driver({ perClusterQuery: 'util{burst="{{burst_id}}"}' }).observe({
      clusters: [A, B],
      windowSeconds: 60,
      now: NOW,
    });
    expect(report.ok).toBe(true);
    if (!report.ok) return;
    expect(report.perCluster[A.id]).toBe(0.1);
    expect(report.perCluster[B.id]).toBeNaN();
    expect(report.why).toContain(`no figure for ${B.id}: no data`);
  });

  it('escapes quotes so a value cannot end the PromQL string early', () => {
    expect(forCluster('x{c="{{cluster}}"}', { id: 'b-1', name: 'a"b' })).toBe('x{c="a\\"b"}');
  });
});

describe('instant queries', () => {
  it('asks Prometheus for the max and the count of steps over a subquery of the window', async () => {
    handler = (req, res) =>
      json(res, 200, vector(req.params.get('query')!.startsWith('max_over_time') ? '0.35' : '6'));
    const report = await driver({ mode: 'instant' }).observe({ clusters: [A], windowSeconds: 60, now: NOW });
    expect(report).toMatchObject({ ok: true, windowSeconds: 60, overall: 0.35 });
    expect(seen.map((s) => s.path)).toEqual(['/api/v1/query', '/api/v1/query']);
    expect(seen.map((s) => s.params.get('query')).sort()).toEqual([
      'count_over_time((max(max(utilisation)))[60s:10s])',
      'max_over_time((max(max(utilisation)))[60s:10s])',
    ]);
    expect(seen[0]!.params.get('time')).toBe(END.toFixed(3));
  });

  it('says the window is not covered when steps are missing', async () => {
    handler = (req, res) =>
      json(res, 200, vector(req.params.get('query')!.startsWith('max_over_time') ? '0.2' : '2'));
    const report = await driver({ mode: 'instant' }).observe({ clusters: [A], windowSeconds: 60, now: NOW });
    expect(report).toMatchObject({ ok: true, windowSeconds: 20, overall: 0.2 });
  });

  it('reports the load unknown for an empty vector', async () => {
    handler = (_, res) => json(res, 200, vector(undefined));
    const report = await driver({ mode: 'instant' }).observe({ clusters: [A], windowSeconds: 60, now: NOW });
    expect(report).toEqual({ ok: false, why: expect.stringContaining('no data for max(utilisation)') });
  });
});

describe('failing safe', () => {
  it('reports the load unknown, naming the address, when Prometheus cannot be reached', async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    const report = await driver().observe({ clusters: [A], windowSeconds: 60, now: NOW });
    expect(report).toEqual({ ok: false, why: expect.stringMatching(/unreachable.*ECONNREFUSED/) });
    expect(report.why).toContain(url);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  });

  it('gives up after the timeout when Prometheus does not answer', async () => {
    handler = () => {};
    const started = Date.now();
    const report = await driver({ timeoutMs: 300 }).observe({ clusters: [A], windowSeconds: 60, now: NOW });
    expect(report).toEqual({ ok: false, why: expect.stringContaining('no answer within 300 ms') });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('reports the error Prometheus gives for a bad query', async () => {
    handler = (_, res) =>
      json(res, 400, { status: 'error', errorType: 'bad_data', error: '1:5: parse error: unexpected ")"' });
    const report = await driver().observe({ clusters: [A], windowSeconds: 60, now: NOW });
    expect(report).toEqual({ ok: false, why: expect.stringContaining('400 (bad_data: 1:5: parse error') });
  });

  it('reports an HTTP error that carries no Prometheus body', async () => {
    handler = (_, res) => res.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway');
    const report = await driver().observe({ clusters: [A], windowSeconds: 60, now: NOW });
    expect(report).toEqual({ ok: false, why: expect.stringContaining('HTTP 502: bad gateway') });
  });

  it('reports an answer that is not a query result', async () => {
    handler = (_, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
    const report = await driver().observe({ clusters: [A], windowSeconds: 60, now: NOW });
    expect(report).toEqual({ ok: false, why: expect.stringContaining('not a query result') });
  });

  it('reports the load unknown when the overall query has no data', async () => {
    const report = await driver().observe({ clusters: [A], windowSeconds: 60, now: NOW });
    expect(report).toEqual({ ok: false, why: 'overall query: no data for max(utilisation)' });
  });

  it('reports the load unknown when one per-cluster query fails, even if the rest answer', async () => {
    handler = (req, res) => {
      if (req.params.get('query')!.includes(B.id)) json(res, 503, { status: 'error', error: 'overloaded' });
      else answerRange(Array(7).fill(0.1))(req, res);
    };
    const report = await driver({ perClusterQuery: 'u{b="{{burst_id}}"}' }).observe({
      clusters: [A, B],
      windowSeconds: 60,
      now: NOW,
    });
    expect(report).toEqual({ ok: false, why: expect.stringContaining('overloaded') });
  });

  it('asks nothing when no cluster is active', async () => {
    const report = await driver().observe({ clusters: [], windowSeconds: 60, now: NOW });
    expect(report.ok).toBe(true);
    expect(seen).toHaveLength(0);
  });
});

describe('credentials and configuration', () => {
  it('sends the bearer token and never shows it in a why', async () => {
    handler = (_, res) => json(res, 401, { status: 'error', errorType: 'unauthorized', error: 'bad token' });
    const report = await driver({ bearerToken: 's3cret-token' }).observe({
      clusters: [A],
      windowSeconds: 60,
      now: NOW,
    });
    expect(seen[0]!.authorization).toBe('Bearer s3cret-token');
    expect(report.why).not.toContain('s3cret-token');
  });

  it('is built by the registry from configuration, with the token from the environment', async () => {
    const config = loadConfig({
      value: { load: { driver: 'prometheus', options: { url, query: 'up', bearerToken: 'env:PROM_TOKEN' } } },
      env: { PROM_TOKEN: 'from-env' },
    });
    const load = await createLoad(config);
    expect(load).toBeInstanceOf(PrometheusLoad);
    handler = answerRange(Array(5).fill(0.1));
    await load.observe({ clusters: [A], windowSeconds: 60, now: NOW });
    expect(seen[0]!.authorization).toBe('Bearer from-env');
  });

  it.each([
    [{ query: 'up' }, 'url'],
    [{ url: 'ftp://example.org', query: 'up' }, 'url'],
    [{ url: 'http://user:pw@example.org', query: 'up' }, 'url: must not carry credentials'],
    [{ url: 'http://example.org', query: 'up', perClusterQuery: 'up' }, 'perClusterQuery: must contain'],
    [{ url: 'http://example.org', query: 'up', timeoutMs: 0 }, 'timeoutMs'],
  ])('refuses options %j at start-up, naming the field', (options, field) => {
    const load = () => loadConfig({ value: { load: { driver: 'prometheus', options } } });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(`load.options.${field}`);
  });
});
