import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../functions/gcp/index.ts';
import { handler as alarmLambda } from '../../functions/lambda/capacityAlarm.ts';
import { handler as manualLambda } from '../../functions/lambda/manualBurst.ts';
import { loadConfig } from '../../shared/config/load-config.ts';
import { lazyDeps, useDeps } from '../../shared/runtime/lazy-deps.ts';
import { loadEvent } from '../support/events.ts';
import { type ServedFunction, serveFunction } from '../support/gcp-events.ts';
import { httpApiEvent, lambdaContext } from '../support/lambda-events.ts';
import { startTestRuntime, type TestRuntime } from '../support/local-runtime.ts';

const TOKEN = 'table-token-5c1e';
const LIMIT = 2048;

/** One bad request, as every runtime receives it. */
interface BadRequest {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  /** The route API Gateway would name, when it has one. */
  readonly route?: string;
  readonly body?: string;
  /** Content-Type; none sent when null. @default application/json */
  readonly type?: string | null;
  /** Authorization; none sent when null. @default the right bearer token */
  readonly authorization?: string | null;
}

type Answer = { status: number; body: { error?: string; issues?: unknown } };

const firing = JSON.stringify(loadEvent('alertmanager', 'firing'));
const cases: [string, BadRequest, number, RegExp][] = [
  [
    'malformed JSON',
    { method: 'POST', path: '/alerts/alertmanager', body: '{"version": "4",' },
    400,
    /^malformed JSON: /,
  ],
  [
    'malformed JSON of another JSON type',
    { method: 'POST', path: '/alerts/alertmanager', body: '{"version": ', type: 'application/vnd.x+json' },
    400,
    /^malformed JSON: /,
  ],
  [
    'a text type that ends in +json',
    { method: 'POST', path: '/alerts/alertmanager', body: firing, type: 'text/x+json' },
    415,
    /got "text\/x\+json"/,
  ],
  [
    'plain text',
    { method: 'POST', path: '/alerts/alertmanager', body: 'status=firing', type: 'text/plain' },
    415,
    /got "text\/plain"/,
  ],
  [
    'a body without a content type',
    { method: 'POST', path: '/alerts/alertmanager', body: firing, type: null },
    415,
    /got "none"/,
  ],
  [
    'a body over the limit',
    { method: 'POST', path: '/alerts/alertmanager', body: JSON.stringify({ pad: 'x'.repeat(LIMIT) }) },
    413,
    /exceeds the limit of 2048 bytes/,
  ],
  [
    'malformed JSON without credentials',
    { method: 'POST', path: '/alerts/alertmanager', body: '{"version": ', authorization: null },
    401,
    /missing Authorization header/,
  ],
  [
    'a wrong token',
    { method: 'POST', path: '/alerts/alertmanager', body: firing, authorization: 'Bearer nope' },
    401,
    /wrong credentials/,
  ],
  [
    'an unknown path',
    { method: 'POST', path: '/alerts/nagios', body: firing },
    404,
    /no route POST \/alerts\/nagios/,
  ],
  ['a wrong method', { method: 'GET', path: '/alerts/alertmanager' }, 405, /method GET not allowed/],
  [
    'an empty JSON object',
    { method: 'POST', path: '/alerts/alertmanager', body: '{}' },
    400,
    /Alertmanager webhook/,
  ],
  [
    'no body at all',
    { method: 'POST', path: '/alerts/alertmanager', type: null },
    400,
    /Alertmanager webhook/,
  ],
  [
    'a malformed percent-encoding in the path',
    { method: 'DELETE', path: '/bursts/%E0%A4%A', route: '/bursts/{id}' },
    400,
    /malformed percent-encoding/,
  ],
  [
    'a burst id of the wrong form',
    { method: 'GET', path: '/bursts/nope', route: '/bursts/{id}' },
    400,
    /b-0123456789ab/,
  ],
];

function headersOf(req: BadRequest): Record<string, string> {
  return {
    ...(req.type !== null && req.body !== undefined && { 'content-type': req.type ?? 'application/json' }),
    ...(req.authorization !== null && { authorization: req.authorization ?? `Bearer ${TOKEN}` }),
  };
}

let local: TestRuntime;
let dir: string;
const served = new Map<string, ServedFunction>();
const functionOf = (path: string) => (path.startsWith('/bursts') ? 'manualBurst' : 'capacityAlarm');

async function viaHttp(base: string, req: BadRequest): Promise<Answer> {
  const res = await fetch(`${base}${req.path}`, {
    method: req.method,
    headers: headersOf(req),
    // Bytes, so that fetch adds no content type of its own.
    ...(req.body !== undefined && { body: Buffer.from(req.body) }),
  });
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

async function viaLambda(req: BadRequest): Promise<Answer> {
  const event = httpApiEvent({
    method: req.method,
    route: req.route ?? req.path,
    path: req.path,
    body: req.body,
  });
  event.headers = headersOf(req);
  const handler = functionOf(req.path) === 'manualBurst' ? manualLambda : alarmLambda;
  const result = (await handler(event, lambdaContext('table'))) as APIGatewayProxyStructuredResultV2;
  expect(result.headers?.['content-type']).toBe('application/json');
  return { status: result.statusCode!, body: JSON.parse(result.body ?? '{}') as Answer['body'] };
}

beforeAll(async () => {
  process.env.CB_TABLE_TOKEN = TOKEN;
  const server = { port: 0, bodyLimitBytes: LIMIT, auth: { bearerToken: 'env:CB_TABLE_TOKEN' } };
  local = await startTestRuntime({ server, logLevel: 'ERROR' });
  dir = mkdtempSync(join(tmpdir(), 'clusterburst-table-'));
  await useDeps(
    loadConfig({
      value: {
        installation: { id: 'table' },
        store: { path: join(dir, 'state.db') },
        stateDir: dir,
        server,
        logLevel: 'ERROR',
      },
    }),
  );
  for (const name of ['capacityAlarm', 'manualBurst']) served.set(name, await serveFunction(name));
});

afterAll(async () => {
  for (const s of served.values()) await s.close();
  await useDeps();
  await local.close();
  rmSync(dir, { recursive: true, force: true });
  delete process.env.CB_TABLE_TOKEN;
});

describe('the local runtime, Lambda and Cloud Functions answer bad input alike', () => {
  it.each(cases)('answers %s the same on every runtime', async (_name, req, status, error) => {
    const onLocal = await viaHttp(local.url, req);
    const onLambda = await viaLambda(req);
    const onGcp = await viaHttp(served.get(functionOf(req.path))!.url, req);
    expect(onLocal.status).toBe(status);
    expect(onLocal.body.error).toMatch(error);
    expect(onLambda).toEqual(onLocal);
    expect(onGcp).toEqual(onLocal);
  });

  it('changes no state on any runtime', async () => {
    expect(await local.deps.store.list()).toEqual([]);
    expect(await (await lazyDeps()).store.list()).toEqual([]);
  });
});
