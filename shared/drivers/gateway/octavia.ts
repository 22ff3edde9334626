/**
 * The `octavia` gateway driver: burst clusters as members of the research infrastructure's
 * OpenStack Octavia (LBaaS v2) pools, the gateway of sites that publish Kubernetes services
 * through Octavia load balancers (HAProxy in amphorae, single or active/standby: the API is the
 * same for both, so nothing here depends on the topology).
 *
 * One member per burst cluster and backend, in the pool `options.pools[backend]`, named as the
 * gateway server and tagged `clusterburst`, `clusterburst-owner=<installation>`,
 * `clusterburst-burst=<burst id>` and `clusterburst-weight=<weight when enabled>`.
 * - add: `admin_state_up: false` (no traffic; the core enables it once the cluster's endpoint
 *   passed its health check: Octavia's own health monitor does not probe an admin-down member,
 *   so it could only confirm afterwards, as operating_status ONLINE);
 * - enable: `admin_state_up: true` with the tagged weight;
 * - drain: `weight: 0`, which Octavia documents as "no new connections, existing ones continue";
 * - remove: DELETE, refused without `force` while connections may be open.
 *
 * Connections: Octavia exposes no per-member connection count (member objects have none, stats
 * exist for load balancers, listeners and amphorae only). `connections` reports the
 * `active_connections` of the listeners in front of the member's pool (of the load balancer if
 * the pool has none): an upper bound, exact when the member is the only one with traffic. When
 * other members keep serving, the core waits its drain bound (`drainTimeoutSeconds`) and then
 * removes the member with `force`. Statistics lag by the amphora heartbeat (about 10 s).
 *
 * Ownership: only members carrying our owner tag are listed or changed (filtered by Octavia and
 * again here); a member with the server's name but without the tag is refused, never touched.
 * Writes retry with backoff while the load balancer is PENDING_* (409), see OctaviaApi.write.
 *
 * Length (~365 lines): one driver class; the Octavia API calls, members and options are beside it
 * (octavia-api.ts, octavia-member.ts, octavia-options.ts).
 *
 * Over ~350 lines on purpose: one driver class, the member lifecycle above against one API.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { z } from 'zod';
import { ConfigError, DriverError } from '../../errors.ts';
import { parseInput } from '../../schemas/parse.ts';
import { KeystoneSession } from '../openstack/keystone.ts';
import type { GatewayDriver, GatewayServerRef, GatewayServerSpec, GatewayServerStatus } from './gateway.ts';
import { type Member, OctaviaApi, type Pool } from './octavia-api.ts';
import {
  burstIdOf,
  burstTag,
  enabledWeight,
  isOwnedBy,
  memberTags,
  ownerTag,
  stateOf,
  TAG_VALUE,
} from './octavia-member.ts';
import type { OctaviaGatewayOptions } from './octavia-options.ts';
import { serverSchemas } from './server-schemas.ts';

const DRIVER = 'octavia';
const { ref: RefSchema, spec: SpecSchema } = serverSchemas({
  backend: z.string().min(1),
  server: z.string().min(1).max(255),
  burstId: z.string().regex(TAG_VALUE),
  maxWeight: 256,
});

/** Where a backend's members live. */
interface Target {
  readonly backend: string;
  readonly pool: Pool;
  readonly loadBalancerId: string;
}

/**
 * The gateway driver for OpenStack Octavia pools.
 * @example
 * const gw = new OctaviaGateway({ authUrl, auth, pools: { web: 'web-pool' } }, { owner: 'infn-cnaf' });
 * await gw.add({ backend: 'web', server: 'cb-0a1b2c3d4e5f', burstId: 'b-0a1b2c3d4e5f', address: '203.0.113.7', port: 443 });
 */
export class OctaviaGateway implements GatewayDriver {
  readonly name = DRIVER;
  readonly #api: OctaviaApi;
  readonly #pools: Record<string, string>;
  readonly #owner: string;
  readonly #targets = new Map<string, Promise<Target>>();
  readonly #resolve: (host: string) => Promise<string>;

  constructor(
    options: OctaviaGatewayOptions,
    deps: {
      /** Installation id: the owner tag. */
      readonly owner: string;
      readonly sleep?: (ms: number) => Promise<void>;
      readonly resolve?: (host: string) => Promise<string>;
    },
  ) {
    if (!TAG_VALUE.test(deps.owner))
      throw new ConfigError(`installation id ${deps.owner} cannot be an Octavia tag`);
    const o = options;
    this.#owner = deps.owner;
    this.#pools = o.pools;
    this.#resolve = deps.resolve ?? (async (host) => (await lookup(host)).address);
    const session = new KeystoneSession(DRIVER, {
      authUrl: o.authUrl,
      auth: o.auth,
      serviceType: 'load-balancer',
      region: o.region,
      interface: o.interface,
      endpointOverride: o.octaviaUrl,
      timeoutMs: o.callTimeoutMs,
    });
    this.#api = new OctaviaApi(DRIVER, session, {
      timeoutMs: o.pendingTimeoutMs,
      backoffMs: o.pendingBackoffMs,
      maxBackoffMs: o.pendingMaxBackoffMs,
      ...(deps.sleep && { sleep: deps.sleep }),
    });
  }

  async listOwned(filter: { readonly burstId?: string } = {}): Promise<GatewayServerStatus[]> {
    const statuses: GatewayServerStatus[] = [];
    for (const backend of Object.keys(this.#pools)) {
      const target = await this.#target(backend);
      const tags = filter.burstId === undefined ? [] : [burstTag(filter.burstId)];
      const members = (await this.#api.members(target.pool.id, [ownerTag(this.#owner), ...tags])).filter(
        (m) => this.#isOurs(m),
      );
      let open: number | undefined;
      for (const m of members) {
        const burstId = burstIdOf(m);
        if (filter.burstId !== undefined && burstId !== filter.burstId) continue;
        const state = stateOf(m);
        if (state !== 'disabled') open ??= await this.#open(target);
        statuses.push({
          backend,
          server: m.name ?? m.id,
          burstId,
          address: m.address,
          port: m.protocol_port,
          protocol: /^HTTPS?$/i.test(target.pool.protocol) ? 'http' : 'tcp',
          weight: m.weight,
          state,
          connections: state === 'disabled' ? 0 : (open ?? 0),
        });
      }
    }
    return statuses;
  }

  async add(input: GatewayServerSpec): Promise<void> {
    const parsed = parseInput(SpecSchema, input, 'gateway server');
    // Octavia members are IP addresses: a cluster endpoint's name is resolved once, here.
    const spec = { ...parsed, address: await this.#addressOf(parsed.address) };
    const target = await this.#target(spec.backend);
    const existing = await this.#find(target, spec);
    if (existing.length > 0) {
      // A repeated add keeps whatever enable or drain did since; a different address is a bug.
      const other = existing.find((m) => m.address !== spec.address || m.protocol_port !== spec.port);
      if (other) {
        throw new DriverError(
          DRIVER,
          `${key(spec)} already points at ${other.address}:${other.protocol_port}, not ${spec.address}:${spec.port}`,
        );
      }
      return;
    }
    const weight = spec.weight ?? 1;
    const member = {
      name: spec.server,
      address: spec.address,
      protocol_port: spec.port,
      weight,
      admin_state_up: false,
      backup: false,
      tags: memberTags(this.#owner, spec.burstId, weight),
    };
    const action = `add ${key(spec)}`;
    const r = await this.#api.write(
      action,
      target.loadBalancerId,
      // After a pending 409 the create may have gone through after all (a lost answer, a twin).
      async (retry) =>
        retry && (await this.#find(target, spec)).length > 0
          ? undefined
          : this.#api.call('POST', `/v2/lbaas/pools/${target.pool.id}/members`, { member }),
      () => this.#duplicate(target, spec),
    );
    // 409: our member already held the address (see #duplicate).
    if (r && r.status !== 201 && r.status !== 202 && r.status !== 409) throw this.#api.failure(action, r);
  }

  /**
   * A 409 on create while the load balancer is ACTIVE: done if our member holds the address
   * and port (a create whose answer was lost), refused if someone else's does; otherwise the
   * load balancer was briefly PENDING_* and the create is retried.
   */
  async #duplicate(target: Target, spec: GatewayServerSpec): Promise<boolean> {
    const holder = (await this.#api.members(target.pool.id, [])).find(
      (m) =>
        m.address === spec.address &&
        m.protocol_port === spec.port &&
        m.provisioning_status !== 'PENDING_DELETE',
    );
    if (!holder) return false;
    if (this.#isOurs(holder) && holder.name === spec.server) return true;
    throw new DriverError(
      DRIVER,
      `${key(spec)}: ${spec.address}:${spec.port} is already a member of pool ${target.pool.id}, and not a clusterburst server of this installation`,
    );
  }

  async enable(ref: GatewayServerRef): Promise<void> {
    const { target, members } = await this.#owned(ref);
    if (members.length === 0) throw new DriverError(DRIVER, `${key(ref)} does not exist: add it first`);
    for (const m of members) {
      await this.#update(target, ref, m, `enable ${key(ref)}`, (now) => {
        const weight = enabledWeight(now);
        // A drain is final: a route step running late (a twin, a retry) must not send traffic
        // back to a member whose burst is being torn down.
        if (now.weight === 0 && weight > 0) return undefined;
        return now.admin_state_up && now.weight === weight ? undefined : { admin_state_up: true, weight };
      });
    }
  }

  async drain(ref: GatewayServerRef): Promise<void> {
    // Nothing to drain when a retried teardown finds the member already gone.
    const { target, members } = await this.#owned(ref);
    for (const m of members) {
      await this.#update(target, ref, m, `drain ${key(ref)}`, (now) =>
        now.weight === 0 ? undefined : { weight: 0 },
      );
    }
  }

  async connections(ref: GatewayServerRef): Promise<number> {
    const { target, members } = await this.#owned(ref);
    if (!members.some((m) => stateOf(m) !== 'disabled')) return 0;
    return this.#open(target);
  }

  async remove(ref: GatewayServerRef, options: { readonly force?: boolean } = {}): Promise<void> {
    const { target, members } = await this.#owned(ref);
    if (members.length === 0) return;
    if (!options.force) {
      const open = await this.connections(ref);
      if (open > 0) {
        const message = `${key(ref)} may still have ${open} connections; drain longer or force`;
        throw new DriverError(DRIVER, message, { retryable: true });
      }
    }
    for (const m of members) {
      const action = `remove ${key(ref)}`;
      const r = await this.#api.write(action, target.loadBalancerId, async (retry) =>
        retry && !(await this.#current(target, ref, m.id))
          ? undefined
          : this.#api.call('DELETE', `/v2/lbaas/pools/${target.pool.id}/members/${m.id}`),
      );
      if (r && r.status !== 204 && r.status !== 404) throw this.#api.failure(action, r);
    }
  }

  async #addressOf(host: string): Promise<string> {
    if (isIP(host)) return host;
    try {
      return await this.#resolve(host);
    } catch (error) {
      throw new DriverError(DRIVER, `cannot resolve ${host}`, { cause: error, retryable: true });
    }
  }

  /**
   * Change one member as `decide` says, deciding again on a fresh read after every pending 409;
   * a member gone meanwhile needs no change.
   */
  async #update(
    target: Target,
    ref: GatewayServerRef,
    m: Member,
    action: string,
    decide: (now: Member) => Record<string, unknown> | undefined,
  ): Promise<void> {
    const r = await this.#api.write(action, target.loadBalancerId, async (retry) => {
      const now = retry ? await this.#current(target, ref, m.id) : m;
      const change = now && decide(now);
      if (!change) return undefined;
      return this.#api.call('PUT', `/v2/lbaas/pools/${target.pool.id}/members/${m.id}`, { member: change });
    });
    if (r && r.status !== 200 && r.status !== 202 && r.status !== 404) throw this.#api.failure(action, r);
  }

  /** The member `id` as it is now, if it is still one of ours behind `ref`. */
  async #current(target: Target, ref: GatewayServerRef, id: string): Promise<Member | undefined> {
    return (await this.#find(target, ref)).find((x) => x.id === id);
  }

  /** Our members behind `ref`; refuses a ref whose name only someone else's member has. */
  async #owned(input: GatewayServerRef): Promise<{ target: Target; members: Member[] }> {
    const ref = parseInput(RefSchema, input, 'gateway server');
    const target = await this.#target(ref.backend);
    const members = await this.#find(target, ref);
    if (members.length === 0) {
      const named = (await this.#api.members(target.pool.id, [])).some(
        (m) => m.name === ref.server && !isOwnedBy(m, this.#owner),
      );
      if (named)
        throw new DriverError(
          DRIVER,
          `refusing to touch ${key(ref)}: not a clusterburst server of this installation (no owner tag of ours)`,
        );
    }
    return { target, members };
  }

  /** Live members of ours with the ref's name (a member being deleted is already gone for us). */
  async #find(target: Target, ref: GatewayServerRef): Promise<Member[]> {
    const members = await this.#api.members(target.pool.id, [ownerTag(this.#owner)]);
    return members.filter((m) => this.#isOurs(m) && m.name === ref.server);
  }

  /** Ours and not being deleted (a member in PENDING_DELETE is already gone for us). */
  #isOurs(m: Member): boolean {
    return isOwnedBy(m, this.#owner) && m.provisioning_status !== 'PENDING_DELETE';
  }

  /** Open connections in front of the pool: its listeners', else its load balancer's. */
  async #open(target: Target): Promise<number> {
    if (target.pool.listeners.length === 0) {
      return this.#api.activeConnections('loadbalancers', target.loadBalancerId);
    }
    let sum = 0;
    for (const l of target.pool.listeners) sum += await this.#api.activeConnections('listeners', l.id);
    return sum;
  }

  /** The pool of a backend, looked up once (pool ids and their load balancer never change). */
  #target(backend: string): Promise<Target> {
    const pool = this.#pools[backend];
    if (pool === undefined) {
      return Promise.reject(
        new DriverError(DRIVER, `backend ${backend} has no pool in gateway.options.pools`, {
          retryable: false,
        }),
      );
    }
    let found = this.#targets.get(backend);
    if (!found) {
      found = this.#api.pool(pool).then((p) => {
        const loadBalancerId = p.loadbalancers[0]?.id;
        if (!loadBalancerId) throw new DriverError(DRIVER, `pool ${pool} belongs to no load balancer`);
        return { backend, pool: p, loadBalancerId };
      });
      this.#targets.set(backend, found);
      found.catch(() => this.#targets.delete(backend));
    }
    return found;
  }
}

function key(ref: GatewayServerRef): string {
  return `${ref.backend}/${ref.server}`;
}
