import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PrometheusLoad } from '../../../../../shared/drivers/load/prometheus.ts';
import { PrometheusLoadOptionsSchema } from '../../../../../shared/drivers/load/prometheus-options.ts';

// The Prometheus load driver's optional demand query (issue 12 item 1), against a fake
// Prometheus HTTP API answering instant queries as /api/v1/query does.

const NOW = new Date('2026-11-22T10:00:00.000Z');
let server: Server;
let url: string;
let answer: { status: number; body: unknown };
let queries: URLSearchParams[];

beforeEach(async () => {
  queries = [];
  server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    queries.push(new URLSearchParams(body));
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const driver = (demandQuery?: string) =>
  new PrometheusLoad(
    PrometheusLoadOptionsSchema.parse({
      url,
      query: 'up',
      ...(demandQuery !== undefined && { demandQuery }),
    }),
  );
const vector = (...values: number[]) => ({
  status: 200,
  body: {
    status: 'success',
    data: {
      resultType: 'vector',
      result: values.map((v, i) => ({ metric: { q: `${i}` }, value: [0, String(v)] })),
    },
  },
});

describe('Prometheus demand query', () => {
  it('answers the largest series as the burst nodes wanted, asked at the given time', async () => {
    answer = vector(2.5, 6.2);
    expect(await driver('sum(pending_cpu) / 4').demand(NOW)).toMatchObject({ ok: true, nodes: 6.2 });
    expect(queries[0]?.get('query')).toBe('sum(pending_cpu) / 4');
    expect(queries[0]?.get('time')).toBe(String(NOW.getTime() / 1000));
  });

  it('answers 0 when the query has no series (nothing pending)', async () => {
    answer = vector();
    expect(await driver('pending').demand(NOW)).toMatchObject({ ok: true, nodes: 0 });
  });

  it('says why when Prometheus answers an error, and never throws', async () => {
    answer = { status: 400, body: { status: 'error', errorType: 'bad_data', error: 'parse error' } };
    const reading = await driver('pending(').demand(NOW);
    expect(reading).toMatchObject({ ok: false });
    expect(reading?.why).toMatch(/demand query: .*bad_data: parse error/);
  });

  it('has no demand when no demand query is configured', async () => {
    expect(await driver().demand(NOW)).toBeUndefined();
    expect(queries).toHaveLength(0);
  });
});
