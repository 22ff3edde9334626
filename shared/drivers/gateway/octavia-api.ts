/**
 * The few Octavia LBaaS v2 calls the `octavia` gateway driver makes, over a Keystone session:
 * pools, members (paged lists with `tags` filters), load balancer and listener statistics, and
 * writes that wait out the load balancer's PENDING_* state.
 *
 * Upstream behaviour relied on (Octavia API reference, "Load Balancer v2"):
 * - every mutation of a member is refused with 409 while the load balancer is not ACTIVE
 *   ("immutable"); a PENDING_* state ends by itself, ERROR needs an operator (failover);
 * - a member on an address and port already used in the pool is also a 409 (duplicate);
 * - lists page with `limit`/`marker` and give the next page as a `<resource>_links` `next` href.
 */
import { z } from 'zod';
import { DriverError } from '../../errors.ts';
import { retry } from '../../retry.ts';
import type { KeystoneSession, ServiceResponse } from '../openstack/keystone.ts';

/** One pool member as Octavia returns it (fields we read; others pass through). */
export const MemberSchema = z.looseObject({
  id: z.string(),
  name: z.string().nullish(),
  address: z.string(),
  protocol_port: z.number().int(),
  weight: z.number().int(),
  admin_state_up: z.boolean(),
  provisioning_status: z.string(),
  operating_status: z.string().nullish(),
  tags: z.array(z.string()).nullish(),
});
export type Member = z.output<typeof MemberSchema>;

const PoolSchema = z.looseObject({
  id: z.string(),
  name: z.string().nullish(),
  protocol: z.string(),
  loadbalancers: z.array(z.object({ id: z.string() })).default([]),
  listeners: z.array(z.object({ id: z.string() })).default([]),
});
export type Pool = z.output<typeof PoolSchema>;

const LinksSchema = z.array(z.object({ rel: z.string(), href: z.string() })).nullish();
const StatsSchema = z.object({ stats: z.object({ active_connections: z.number().int().min(0) }) });
const LoadBalancerSchema = z.object({
  loadbalancer: z.looseObject({ id: z.string(), provisioning_status: z.string() }),
});

/** How writes wait while the load balancer is PENDING_*. */
export interface PendingRetry {
  readonly timeoutMs: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  /** Waits between tries (tests); the retry helper's sleep when absent. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** A write refused with 409 while the load balancer is busy: read fresh state and try again. */
class Pending extends Error {
  constructor(readonly status: string) {
    super(`load balancer ${status}`);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Octavia's LBaaS v2 API, as much of it as the gateway driver needs. */
export class OctaviaApi {
  constructor(
    private readonly driver: string,
    private readonly session: KeystoneSession,
    private readonly retry: PendingRetry,
  ) {}

  /** The pool named by UUID or by a name that exactly one pool has. */
  async pool(idOrName: string): Promise<Pool> {
    if (UUID.test(idOrName)) {
      const r = await this.call('GET', `/v2/lbaas/pools/${idOrName}`);
      if (r.status !== 404) return this.#parse(z.object({ pool: PoolSchema }), r, `pool ${idOrName}`).pool;
    }
    const r = await this.call('GET', `/v2/lbaas/pools?name=${encodeURIComponent(idOrName)}`);
    const pools = this.#parse(z.object({ pools: z.array(PoolSchema) }), r, 'pool list').pools;
    if (pools.length !== 1) {
      throw new DriverError(
        this.driver,
        `pool ${idOrName}: ${pools.length === 0 ? 'no such pool' : `${pools.length} pools have this name, use its UUID`}`,
      );
    }
    return pools[0] as Pool;
  }

  /** Members of a pool carrying every tag in `tags` (server-side filter, all pages). */
  async members(poolId: string, tags: readonly string[]): Promise<Member[]> {
    const out: Member[] = [];
    let path: string | undefined =
      `/v2/lbaas/pools/${poolId}/members?tags=${encodeURIComponent(tags.join(','))}`;
    for (let page = 0; path && page < 1000; page++) {
      const r = await this.call('GET', path);
      const body = this.#parse(
        z.object({ members: z.array(MemberSchema), members_links: LinksSchema }),
        r,
        'member list',
      );
      out.push(...body.members);
      const next = body.members_links?.find((l) => l.rel === 'next')?.href;
      path = next ? pathOf(next) : undefined;
    }
    return out;
  }

  /** Open connections of a listener, or of the whole load balancer. */
  async activeConnections(kind: 'listeners' | 'loadbalancers', id: string): Promise<number> {
    const r = await this.call('GET', `/v2/lbaas/${kind}/${id}/stats`);
    return this.#parse(StatsSchema, r, `${kind} ${id} stats`).stats.active_connections;
  }

  /**
   * A member write that retries with backoff while the load balancer is PENDING_* (409).
   * `attempt` reads what it needs and sends the write, or returns undefined when there is
   * nothing (left) to do; it runs again after each pending 409, so a retry decides on fresh
   * state, never on what was read before the wait. A 409 seen while the load balancer is ACTIVE
   * again is either a pending one that just ended or a conflict of another kind: `conflict`
   * judges it (true: the write is done, an error: give up), otherwise it is retried too.
   * Returns the first answer that is not a 409, the 409 `conflict` judged done, or undefined.
   */
  async write(
    action: string,
    loadBalancerId: string,
    attempt: (retry: boolean) => Promise<ServiceResponse | undefined>,
    conflict?: () => Promise<boolean>,
  ): Promise<ServiceResponse | undefined> {
    const started = performance.now();
    try {
      return await retry(
        async (n) => {
          const r = await attempt(n > 1);
          if (r === undefined || r.status !== 409) return r;
          const status = await this.#loadBalancerStatus(loadBalancerId);
          if (status === 'ERROR') {
            throw new DriverError(
              this.driver,
              `${action}: load balancer ${loadBalancerId} is in ERROR and refuses changes until an operator fails it over`,
              { retryable: true },
            );
          }
          if (!status.startsWith('PENDING_') && (await conflict?.())) return r;
          throw new Pending(status);
        },
        {
          attempts: Number.POSITIVE_INFINITY,
          baseMs: this.retry.backoffMs,
          maxMs: this.retry.maxBackoffMs,
          maxElapsedMs: this.retry.timeoutMs,
          retryIf: (e) => e instanceof Pending,
          ...(this.retry.sleep && { sleep: this.retry.sleep }),
        },
      );
    } catch (error) {
      if (!(error instanceof Pending)) throw error;
      const waited = Math.round(performance.now() - started);
      throw new DriverError(
        this.driver,
        `${action}: load balancer ${loadBalancerId} still ${error.status === 'ACTIVE' ? 'refusing with 409' : error.status} after ${waited} ms`,
        { retryable: true },
      );
    }
  }

  /** A DriverError for a failed answer: 5xx, 429 and 409 are worth repeating, other 4xx are not. */
  failure(action: string, r: ServiceResponse): DriverError {
    const retryable = r.status >= 500 || r.status === 429 || r.status === 409;
    return new DriverError(this.driver, `${action}: HTTP ${r.status} ${faultOf(r.body)}`.trim(), {
      retryable,
    });
  }

  async #loadBalancerStatus(id: string): Promise<string> {
    const r = await this.call('GET', `/v2/lbaas/loadbalancers/${id}`);
    return this.#parse(LoadBalancerSchema, r, `load balancer ${id}`).loadbalancer.provisioning_status;
  }

  /** One call to Octavia at `path` (below its endpoint). */
  async call(method: string, path: string, body?: unknown): Promise<ServiceResponse> {
    return this.session.request(method, path, body);
  }

  #parse<S extends z.ZodType>(schema: S, r: ServiceResponse, what: string): z.output<S> {
    if (r.status < 200 || r.status > 299) throw this.failure(`reading ${what}`, r);
    const parsed = schema.safeParse(r.body);
    if (!parsed.success) {
      throw new DriverError(this.driver, `${what}: unexpected answer (${parsed.error.issues[0]?.message})`, {
        retryable: true,
      });
    }
    return parsed.data;
  }
}

/** Octavia's error text: `faultstring` (pecan/wsme), or a Keystone-style `error.message`. */
function faultOf(body: unknown): string {
  const b = body as { faultstring?: unknown; error?: { message?: unknown } } | undefined;
  const text = b?.faultstring ?? b?.error?.message ?? (typeof body === 'string' ? body : '');
  return String(text).slice(0, 300);
}

/** The path and query of a `next` link, which the session prefixes with the endpoint again. */
function pathOf(href: string): string {
  const url = new URL(href, 'http://relative.invalid');
  const at = url.pathname.indexOf('/v2/');
  return `${at >= 0 ? url.pathname.slice(at) : url.pathname}${url.search}`;
}
