import { afterEach, describe, expect, it } from 'vitest';
import { routes } from '../../../functions/manualBurst.ts';
import { loadConfig } from '../../../shared/config/load-config.ts';
import type { Deps } from '../../../shared/core/deps.ts';
import { handleEvent } from '../../../shared/core/handle-event.ts';
import { reconcile } from '../../../shared/core/reconcile.ts';
import { MemoryGateway } from '../../../shared/drivers/gateway/memory.ts';
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

describe('DELETE /bursts/{id}', () => {
  const deleteRoute = routes.find((r) => r.method === 'DELETE')!;
  let store: SqliteStore;
  afterEach(async () => {
    await store.close();
  });

  /** An Active burst carrying traffic through a gateway server. */
  async function activeBurst(): Promise<{ deps: Deps; id: string; gateway: MemoryGateway }> {
    store = new SqliteStore(':memory:');
    const gateway = new MemoryGateway();
    const base = makeRecord({ phase: 'Active' });
    const record = makeRecord({ ...base, gatewayServers: [{ backend: 'web', server: base.name }] });
    await store.admit(record.reason.signalKey, () => ({ admit: true, record, events: [] }));
    await gateway.add({
      backend: 'web',
      server: record.name,
      burstId: record.id,
      address: '203.0.113.7',
      port: 443,
    });
    await gateway.enable({ backend: 'web', server: record.name });
    const config = loadConfig({ value: { logLevel: 'ERROR' } });
    const deps = await createDeps(config, {
      logger: createLogger('ERROR'),
      overrides: { store, gateway, providers: new Map() },
    });
    return { deps, id: record.id, gateway };
  }

  const del = (id: string, query: Record<string, string> = {}): HttpRequest => ({
    method: 'DELETE',
    path: `/bursts/${id}`,
    params: { id },
    query,
    headers: {},
    body: undefined,
    requestId: 'test',
  });

  it('records the request with a TeardownRequested event and answers 202 without draining inside the request', async () => {
    const { deps, id, gateway } = await activeBurst();
    const ops = gateway.log.length;
    const answer = await deleteRoute.handle(deps, del(id));
    expect(answer).toMatchObject({ status: 202, body: { burstId: id, outcome: 'waiting' } });
    const record = (await store.get(id))!;
    expect(record.phase).toBe('Active');
    expect(record.teardown).toMatchObject({ requestedWhy: 'teardown requested by an operator' });
    expect((await store.pendingEvents(10)).map((e) => e.event.type)).toEqual(['TeardownRequested']);
    // Nothing was drained yet: the gateway saw no call.
    expect(gateway.log.length).toBe(ops);
  });

  it('lets the TeardownRequested event drain the burst, with the operator as the why', async () => {
    const { deps, id, gateway } = await activeBurst();
    await deleteRoute.handle(deps, del(id));
    const [pending] = await store.pendingEvents(10);
    const result = await handleEvent(deps, pending!.event);
    expect(result).toMatchObject({ outcome: 'moved', from: 'Active', to: 'Draining' });
    const record = (await store.get(id))!;
    expect(record.history.at(-1)?.why).toBe('teardown requested by an operator');
    expect((await gateway.listOwned())[0]?.state).toBe('drain');
  });

  it('writes nothing more when asked again while the request is pending', async () => {
    const { deps, id } = await activeBurst();
    await deleteRoute.handle(deps, del(id));
    const version = (await store.get(id))!.version;
    const again = await deleteRoute.handle(deps, del(id));
    expect(again).toMatchObject({
      status: 202,
      body: { outcome: 'waiting', why: 'teardown already requested' },
    });
    expect((await store.get(id))!.version).toBe(version);
    expect(await store.pendingEvents(10)).toHaveLength(1);
  });

  it('records a forced request even while the teardown is under way, so home is not waited for', async () => {
    const { deps, id } = await activeBurst();
    await deleteRoute.handle(deps, del(id));
    const [pending] = await store.pendingEvents(10);
    await handleEvent(deps, pending!.event);
    const forced = await deleteRoute.handle(deps, del(id, { force: 'true' }));
    expect(forced).toMatchObject({ status: 202, body: { outcome: 'waiting' } });
    expect((forced as { body: { why: string } }).body.why).toMatch(
      /forced: replicas are not waited for at home/,
    );
    expect((await store.get(id))!.teardown.forceRequestedAt).toBeDefined();
  });

  it('refuses a force that is not true or false, naming it', async () => {
    const { deps, id } = await activeBurst();
    const failure = await deleteRoute.handle(deps, del(id, { force: 'yes' })).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ValidationError);
    expect((failure as ValidationError).issues.join('\n')).toMatch(/^force: /);
    expect((await store.get(id))!.teardown).toEqual({});
  });

  it('lets reconcile take up a request whose event was lost', async () => {
    const { deps, id } = await activeBurst();
    await deleteRoute.handle(deps, del(id));
    // The event is gone (dead-lettered); the request stays on the record.
    await store.ackEvents((await store.pendingEvents(10)).map((e) => e.event.id));
    const later = { ...deps, now: () => new Date(Date.now() + (deps.policy.stuckAfterSeconds + 60) * 1000) };
    await reconcile(later);
    expect((await store.get(id))!.phase).toBe('Draining');
  });
});
