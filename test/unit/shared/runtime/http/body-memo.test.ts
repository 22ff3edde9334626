import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { routes } from '../../../../../functions/capacityAlarm.ts';
import { loadConfig } from '../../../../../shared/config/load-config.ts';
import type { Deps } from '../../../../../shared/core/deps.ts';
import { SqliteStore } from '../../../../../shared/drivers/store/sqlite.ts';
import { closeDeps, createDeps } from '../../../../../shared/runtime/create-deps.ts';
import {
  BODY_MEMO_ENTRIES,
  BODY_MEMO_MAX_BYTES,
  BodyMemo,
} from '../../../../../shared/runtime/http/body-memo.ts';
import { handleRequest, type RawHttpRequest } from '../../../../../shared/runtime/http/handle-request.ts';
import type { HttpRoute } from '../../../../../shared/runtime/http/route.ts';
import { createLogger } from '../../../../../shared/runtime/logger.ts';
import { loadEvent } from '../../../../support/events.ts';

describe('BodyMemo', () => {
  it('parses a body once and hands every repeat the same frozen input', async () => {
    const memo = new BodyMemo();
    const parse = vi.fn(async () => ({ signal: { labels: { team: 'astro' } } }));
    const first = await memo.parse(Buffer.from('{"a":1}'), parse);
    const again = await memo.parse(Buffer.from('{"a":1}'), parse);
    expect(again).toBe(first);
    expect(parse).toHaveBeenCalledTimes(1);
    expect(Object.isFrozen(first.signal.labels)).toBe(true);
    expect(() => {
      (first.signal.labels as Record<string, string>).team = 'other';
    }).toThrow(TypeError);
  });

  it('tells apart bodies of the same length, and keeps its own copy of the bytes', async () => {
    const memo = new BodyMemo();
    const parse = vi.fn((text: string) => ({ text }));
    const sent = Buffer.from('{"a":1}');
    await memo.parse(sent, () => parse(sent.toString()));
    // The request's buffer is reused for other bytes after the parse: no false hit on them.
    sent.write('{"b":2}');
    expect(await memo.parse(sent, () => parse(sent.toString()))).toEqual({ text: '{"b":2}' });
    expect(await memo.parse(Buffer.from('{"a":1}'), () => parse('again'))).toEqual({ text: '{"a":1}' });
    expect(parse).toHaveBeenCalledTimes(2);
  });

  it('parses a body that failed again the next time, so bad input is judged on every request', async () => {
    const memo = new BodyMemo();
    const parse = vi.fn(() => {
      throw new Error('invalid');
    });
    await expect(memo.parse(Buffer.from('{}'), parse)).rejects.toThrow('invalid');
    await expect(memo.parse(Buffer.from('{}'), parse)).rejects.toThrow('invalid');
    expect(parse).toHaveBeenCalledTimes(2);
    expect(memo.size).toBe(0);
  });

  it('keeps at most its bound of bodies, dropping the least recently used, and no very long body', async () => {
    const memo = new BodyMemo();
    const parse = vi.fn((n: number) => ({ n }));
    for (let i = 0; i < BODY_MEMO_ENTRIES; i++) await memo.parse(Buffer.from(`{"n":${i}}`), () => parse(i));
    await memo.parse(Buffer.from('{"n":0}'), () => parse(0)); // used again: now the most recent
    await memo.parse(Buffer.from('{"n":"new"}'), () => parse(-1));
    expect(memo.size).toBe(BODY_MEMO_ENTRIES);
    parse.mockClear();
    await memo.parse(Buffer.from('{"n":0}'), () => parse(0));
    await memo.parse(Buffer.from('{"n":1}'), () => parse(1)); // the least recently used one went
    expect(parse.mock.calls).toEqual([[1]]);
    const long = Buffer.from(`"${'x'.repeat(BODY_MEMO_MAX_BYTES)}"`);
    await memo.parse(long, () => parse(2));
    await memo.parse(long, () => parse(2));
    expect(parse.mock.calls).toEqual([[1], [2], [2]]);
  });
});

describe('a route that parses its own body', () => {
  let deps: Deps;
  beforeEach(async () => {
    deps = await createDeps(loadConfig({ value: { logLevel: 'ERROR' } }), {
      logger: createLogger('ERROR'),
      overrides: { store: new SqliteStore(':memory:') },
    });
  });
  afterEach(async () => {
    await closeDeps(deps);
  });

  const alertmanager = routes.find((r) => r.path === '/alerts/alertmanager')!;
  const post = (body: string): RawHttpRequest => ({
    method: 'POST',
    path: '/alerts/alertmanager',
    query: {},
    headers: { 'content-type': 'application/json' },
    hasBody: true,
    readBody: async () => Buffer.from(body),
  });

  it('answers a byte-identical repeat from the first parse, and the repeat is a duplicate', async () => {
    const parseBody = vi.fn(alertmanager.parseBody!);
    const route: HttpRoute = { ...alertmanager, parseBody };
    const app = {
      routes: [route],
      deps: () => deps,
      auth: 'none' as const,
      where: 'test',
      publishAfterWrite: false,
    };
    const body = JSON.stringify(loadEvent('alertmanager', 'firing'));
    const first = await handleRequest(app, post(body));
    const again = await handleRequest(app, post(body));
    expect(first.answer).toMatchObject({ status: 202, body: { decision: 'burst' } });
    expect(again.answer).toMatchObject({ status: 202, body: { decision: 'duplicate' } });
    expect(parseBody).toHaveBeenCalledTimes(1);
    // Same content, other bytes: parsed again, and still the same signal.
    await handleRequest(app, post(JSON.stringify(JSON.parse(body), null, 2)));
    expect(parseBody).toHaveBeenCalledTimes(2);
  });

  it('answers malformed JSON and an invalid payload 400 on every delivery', async () => {
    const app = { routes, deps: () => deps, auth: 'none' as const, where: 'test', publishAfterWrite: false };
    for (let i = 0; i < 2; i++) {
      const malformed = await handleRequest(app, post('{"version":'));
      expect(malformed.answer.status).toBe(400);
      expect(malformed.answer.body).toMatchObject({ error: expect.stringContaining('malformed JSON') });
      const invalid = await handleRequest(app, post('{"version":"4"}'));
      expect(invalid.answer.status).toBe(400);
      expect(invalid.answer.body).toMatchObject({
        error: expect.stringContaining('invalid Alertmanager webhook'),
      });
    }
    expect(await deps.store.list()).toEqual([]);
  });
});
