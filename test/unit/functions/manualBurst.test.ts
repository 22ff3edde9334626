import { afterEach, describe, expect, it } from 'vitest';
import { routes } from '../../../functions/manualBurst.ts';
import { loadConfig } from '../../../shared/config/load-config.ts';
import type { Deps } from '../../../shared/core/deps.ts';
import { SqliteStore } from '../../../shared/drivers/store/sqlite.ts';
import { ValidationError } from '../../../shared/errors.ts';
import { createDeps } from '../../../shared/runtime/create-deps.ts';
import type { HttpRequest } from '../../../shared/runtime/http/route.ts';
import { createLogger } from '../../../shared/runtime/logger.ts';
import { makeRecord } from '../../support/records.ts';

const listRoute = routes.find((r) => r.method === 'GET' && r.path === '/bursts')!;
const request = (query: Record<string, string>): HttpRequest => ({
  method: 'GET',
  path: '/bursts',
  params: {},
  query,
  headers: {},
  body: undefined,
  requestId: 'test',
});

describe('GET /bursts', () => {
  let store: SqliteStore;
  afterEach(async () => {
    await store.close();
  });

  async function withBursts(count: number): Promise<{ deps: Deps; ids: string[] }> {
    store = new SqliteStore(':memory:');
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const record = makeRecord();
      await store.admit(record.reason.signalKey, () => ({ admit: true, record, events: [] }));
      ids.push(record.id);
    }
    const config = loadConfig({ value: { logLevel: 'ERROR' } });
    const deps = await createDeps(config, {
      logger: createLogger('ERROR'),
      overrides: { store, providers: new Map() },
    });
    return { deps, ids };
  }

  it('answers in pages of the asked size, each with the cursor of the next, until every burst was listed', async () => {
    const { deps, ids } = await withBursts(5);
    const seen: string[] = [];
    let query: Record<string, string> = { limit: '2' };
    const sizes: number[] = [];
    for (let n = 0; n < 10; n++) {
      const { status, body } = (await listRoute.handle(deps, request(query))) as {
        status: number;
        body: { bursts: { id: string }[]; next?: string };
      };
      expect(status).toBe(200);
      sizes.push(body.bursts.length);
      seen.push(...body.bursts.map((b) => b.id));
      if (!body.next) break;
      query = { limit: '2', cursor: body.next };
    }
    expect(sizes).toEqual([2, 2, 1]);
    expect(seen.sort()).toEqual(ids.sort());
  });

  it('lists at most 100 bursts when no limit is asked', async () => {
    const { deps } = await withBursts(101);
    const { body } = (await listRoute.handle(deps, request({}))) as {
      body: { bursts: unknown[]; next?: string };
    };
    expect(body.bursts).toHaveLength(100);
    expect(body.next).toEqual(expect.any(String));
  });

  it.each([
    ['a limit of zero', { limit: '0' }, /limit/],
    ['a limit over 500', { limit: '501' }, /limit/],
    ['a limit that is not a number', { limit: 'ten' }, /limit/],
    ['a cursor with characters no page hands out', { cursor: 'b-1; DROP TABLE' }, /cursor/],
  ])('refuses %s, naming the field', async (_what, query, field) => {
    const { deps } = await withBursts(0);
    const failure = await listRoute.handle(deps, request(query)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ValidationError);
    expect((failure as ValidationError).issues.join('\n')).toMatch(field);
  });
});
