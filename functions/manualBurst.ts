/**
 * manualBurst: the operator's API. Create a burst (optionally with a TTL), list and get bursts
 * with their phase history and the why of each decision, start a teardown, or plan (dry run).
 */
import type { Deps } from '../shared/core/deps.ts';
import { handleSignal } from '../shared/core/handle-signal.ts';
import { plan } from '../shared/core/plan.ts';
import { requestTeardown } from '../shared/core/steps/request-teardown.ts';
import type { BurstCluster } from '../shared/domain/burst-cluster.ts';
import { isLive } from '../shared/domain/lifecycle.ts';
import { unplaceable } from '../shared/domain/place.ts';
import { NotFoundError, ValidationError } from '../shared/errors.ts';
import type { HttpRoute } from '../shared/runtime/http/route.ts';
import type { ManualBurstRequest } from '../shared/schemas/manual-burst.ts';
import { normaliseManual } from '../shared/schemas/normalise-manual.ts';
import { parseInput } from '../shared/schemas/parse.ts';
import { signalAnswer } from './capacityAlarm.ts';

/** The API's schemas, loaded with the first request: a cold start imports no zod. */
const schemas = () => import('../shared/schemas/manual-burst.ts');

/** One line of `GET /bursts`: what `clusterburst status` shows. */
export function summary(record: BurstCluster, now: Date) {
  // An ended burst stops costing money when it ended.
  const end = isLive(record.phase)
    ? now.getTime()
    : Date.parse(record.history.at(-1)?.at ?? record.updatedAt);
  const ageSeconds = Math.max(0, Math.round((end - Date.parse(record.createdAt)) / 1000));
  return {
    id: record.id,
    name: record.name,
    phase: record.phase,
    provider: record.provider,
    region: record.region,
    nodes: record.nodes,
    ageSeconds,
    costPerHour: record.costPerHour,
    costSoFar: Math.round(record.costPerHour * (ageSeconds / 3600) * 10_000) / 10_000,
    reason: record.reason.summary,
    source: record.reason.source,
    ...(record.expiresAt && { expiresAt: record.expiresAt }),
    ...(record.lastError && { lastError: record.lastError }),
    ...(record.warm && { warm: true }),
    ...(record.resize && { resize: record.resize }),
    why: record.history.at(-1)?.why,
  };
}

async function getBurst(deps: Deps, params: unknown): Promise<BurstCluster> {
  const { id } = parseInput((await schemas()).BurstPathSchema, params, 'burst path');
  const record = await deps.store.get(id);
  if (!record) throw new NotFoundError(`burst ${id} not found`);
  return record;
}

/** HTTP routes of manualBurst. */
export const routes: readonly HttpRoute[] = [
  {
    method: 'POST',
    path: '/bursts',
    auth: true,
    handle: async (deps, req) => {
      const { ManualBurstRequestSchema, IdempotencyKeySchema } = await schemas();
      const request: ManualBurstRequest = parseInput(ManualBurstRequestSchema, req.body, 'burst request');
      // A provider or region nobody offers can never succeed: a client error, not a refusal.
      const issues = unplaceable(deps.offers, request);
      if (issues.length) throw new ValidationError(`invalid burst request: ${issues[0]}`, issues);
      const key = parseInput(IdempotencyKeySchema, req.headers['idempotency-key'], 'Idempotency-Key header');
      const requestId = request.requestId ?? key ?? req.requestId;
      return signalAnswer(await handleSignal(deps, normaliseManual(request, requestId, deps.now())));
    },
  },
  {
    method: 'GET',
    path: '/bursts',
    auth: true,
    handle: async (deps, req) => {
      const { limit, cursor } = parseInput(
        (await schemas()).PageQuerySchema,
        { limit: req.query.limit, cursor: req.query.cursor },
        'burst list query',
      );
      const now = deps.now();
      const page = await deps.store.page({ limit, ...(cursor !== undefined && { cursor }) });
      const bursts = [...page.records].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      return {
        status: 200,
        body: {
          bursts: bursts.map((r) => summary(r, now)),
          ...(page.next !== undefined && { next: page.next }),
        },
      };
    },
  },
  {
    method: 'GET',
    path: '/bursts/{id}',
    auth: true,
    handle: async (deps, req) => {
      const record = await getBurst(deps, req.params);
      return { status: 200, body: { ...record, ...summary(record, deps.now()) } };
    },
  },
  {
    method: 'DELETE',
    path: '/bursts/{id}',
    auth: true,
    handle: async (deps, req) => {
      // Recorded and answered at once; the drain function does the drain from the event.
      const record = await getBurst(deps, req.params);
      const query = { force: req.query.force };
      const { force } = parseInput((await schemas()).DeleteQuerySchema, query, 'teardown query');
      if (force === 'true')
        return {
          status: 202,
          body: await requestTeardown(deps, record, 'forced teardown requested by an operator', {
            force: true,
          }),
        };
      return { status: 202, body: await requestTeardown(deps, record) };
    },
  },
  {
    method: 'GET',
    path: '/plan',
    auth: true,
    handle: async (deps) => ({ status: 200, body: await plan(deps) }),
  },
];
