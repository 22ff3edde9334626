import { randomUUID } from 'node:crypto';
import type { KeystoneAuth } from '../../../shared/drivers/openstack/keystone.ts';
import type { EmulatedReply, EmulatedRequest, EmulatedServer } from './http.ts';
import { serveEmulatedApi } from './http.ts';
import { KeystoneEmulator } from './keystone.ts';
import {
  createMember,
  fault,
  listMembers,
  memberJson,
  type Status,
  type StoredMember,
  updateMember,
} from './octavia-members.ts';

interface LoadBalancer {
  id: string;
  name: string;
  topology: 'SINGLE' | 'ACTIVE_STANDBY';
  provisioning_status: Status;
  /** Amphora roles (MASTER first); a failover swaps them. */
  amphorae: ('MASTER' | 'BACKUP' | 'STANDALONE')[];
  pendingUntil: number;
  activeConnections: number;
}

/** Where and when a fault fires (as the Kubernetes emulator's `faults.failNext`). */
export interface FaultMatch {
  /** Let this many matching requests through first. */
  readonly skip?: number;
  /** `before`: refuse without applying; `after`: apply, then answer 500 as if the reply was lost. */
  readonly when?: 'before' | 'after';
  readonly method?: string;
  readonly path?: RegExp;
}

const MEMBER_PATH = /^\/load-balancer\/v2\/lbaas\/pools\/([^/]+)\/members(?:\/([^/]+))?$/;
/**
 * Keystone v3 and Octavia LBaaS v2 (load balancers, listeners, pools, members, statistics) on
 * one loopback port, Octavia under the catalog URL `<origin>/load-balancer`. Emulated upstream
 * behaviours (Octavia API reference "Load Balancer v2", and octavia/db/repositories.py):
 * - each member create, update or delete puts the load balancer in PENDING_UPDATE and the member
 *   in PENDING_CREATE/UPDATE/DELETE until the amphorae are reconfigured (`settleMs`), then ACTIVE;
 *   a deleted member stays listed as PENDING_DELETE until then;
 * - while the load balancer is not ACTIVE (PENDING_*, or ERROR until a failover) member writes
 *   answer 409 "... is immutable and cannot be updated.";
 * - a second member on the same address and protocol_port in a pool is a 409;
 * - member `operating_status`: OFFLINE when admin down, DRAINING at weight 0, else ONLINE;
 * - lists filter on `tags` (all of them), `name`, and page with `limit`/`marker` and
 *   `members_links`; `/stats` of load balancers and listeners give `active_connections`;
 * - an ACTIVE_STANDBY load balancer has a MASTER and a BACKUP amphora; a failover swaps them and
 *   holds the load balancer in PENDING_UPDATE meanwhile. Nothing else differs for API users.
 */
export class OctaviaEmulator {
  readonly keystone: KeystoneEmulator;
  /** How long (real ms) a change keeps the load balancer PENDING_UPDATE. */
  settleMs = 20;
  /** Page size of member lists. */
  pageSize = 1000;
  /** Member writes answered 409 because the load balancer was not ACTIVE. */
  immutableRefusals = 0;
  /** Member writes Octavia accepted, in order, with the member's name at the time. */
  readonly writes: { readonly method: string; readonly member: string; readonly body: unknown }[] = [];
  readonly loadBalancer: LoadBalancer;
  readonly listener = { id: randomUUID(), activeConnections: 0 };
  readonly pool = { id: randomUUID(), name: 'web-pool', protocol: 'HTTP' };
  readonly #members = new Map<string, StoredMember>();
  readonly #faults: (FaultMatch & { seen: number })[] = [];
  #injected = 0;
  #server?: EmulatedServer;

  constructor(credentials: KeystoneAuth, options: { readonly topology?: LoadBalancer['topology'] } = {}) {
    const topology = options.topology ?? 'ACTIVE_STANDBY';
    this.loadBalancer = {
      id: randomUUID(),
      name: 'ri-gateway',
      topology,
      provisioning_status: 'ACTIVE',
      amphorae: topology === 'ACTIVE_STANDBY' ? ['MASTER', 'BACKUP'] : ['STANDALONE'],
      pendingUntil: 0,
      activeConnections: 0,
    };
    this.keystone = new KeystoneEmulator(credentials, (origin) => [
      {
        type: 'identity',
        name: 'keystone',
        endpoints: [{ interface: 'public', region: 'RegionOne', url: `${origin}/identity/v3` }],
      },
      {
        type: 'load-balancer',
        name: 'octavia',
        endpoints: [{ interface: 'public', region: 'RegionOne', url: `${origin}/load-balancer` }],
      },
    ]);
  }

  /** Start listening; returns the Keystone v3 URL. */
  async start(): Promise<string> {
    this.#server = await serveEmulatedApi((request) => this.#handle(request));
    return `${this.#server.origin}/identity/v3`;
  }

  async close(): Promise<void> {
    await this.#server?.close();
  }

  /** Octavia requests seen (method and path), Keystone ones left out. */
  get log(): readonly { readonly method: string; readonly path: string }[] {
    return (this.#server?.log ?? []).filter((r) => r.path.startsWith('/load-balancer/'));
  }

  /** Answer 500 to one matching Octavia request, before or after applying it. */
  failNext(match: FaultMatch = {}): void {
    this.#faults.push({ ...match, seen: 0 });
  }

  /** Faults that fired so far. */
  injected(): number {
    return this.#injected;
  }

  /** A member someone else made (no clusterburst tags). */
  seedMember(
    fields: Partial<StoredMember> & { name: string; address: string; protocol_port: number },
  ): string {
    const id = randomUUID();
    this.#members.set(id, {
      id,
      pool_id: this.pool.id,
      weight: 1,
      admin_state_up: true,
      backup: false,
      monitor_address: null,
      monitor_port: null,
      tags: [],
      provisioning_status: 'ACTIVE',
      created_at: new Date().toISOString(),
      updated_at: null,
      ...fields,
    });
    return id;
  }

  /** Members as Octavia would list them now (settled first). */
  members(): Record<string, unknown>[] {
    this.#settle();
    return [...this.#members.values()].map((m) => memberJson(m));
  }

  /** An amphora failover: roles swap, the load balancer is PENDING_UPDATE for `ms`. */
  failover(ms: number): void {
    this.#settle();
    this.loadBalancer.amphorae.reverse();
    this.#pend(ms);
  }

  /** The load balancer goes to ERROR (a failed amphora update) until `failover` repairs it. */
  breakLoadBalancer(): void {
    this.loadBalancer.provisioning_status = 'ERROR';
  }

  #pend(ms: number): void {
    this.loadBalancer.provisioning_status = 'PENDING_UPDATE';
    this.loadBalancer.pendingUntil = Date.now() + ms;
  }

  #settle(): void {
    const lb = this.loadBalancer;
    if (lb.provisioning_status !== 'PENDING_UPDATE' || Date.now() < lb.pendingUntil) return;
    lb.provisioning_status = 'ACTIVE';
    for (const m of [...this.#members.values()]) {
      if (m.pending === 'delete') this.#members.delete(m.id);
      else if (m.pending) {
        m.provisioning_status = 'ACTIVE';
        m.pending = undefined;
      }
    }
  }

  async #handle(request: EmulatedRequest): Promise<EmulatedReply> {
    if (request.path === '/identity/v3/auth/tokens' && request.method === 'POST')
      return this.keystone.authenticate(request, this.#server?.origin ?? '');
    if (!request.path.startsWith('/load-balancer/')) return fault(404, 'The resource could not be found.');
    const refused = this.keystone.refuse(request);
    if (refused) return refused;
    const f = this.#faults.find(
      (x) => (!x.method || x.method === request.method) && (!x.path || x.path.test(request.path)),
    );
    if (f && f.seen++ >= (f.skip ?? 0)) {
      this.#faults.splice(this.#faults.indexOf(f), 1);
      this.#injected += 1;
      if ((f.when ?? 'before') === 'after') this.#route(request);
      return fault(500, 'Injected fault');
    }
    return this.#route(request);
  }

  #route(request: EmulatedRequest): EmulatedReply {
    this.#settle();
    const path = request.path;
    const lb = this.loadBalancer;
    if (request.method === 'GET') {
      if (path === `/load-balancer/v2/lbaas/loadbalancers/${lb.id}`)
        return { status: 200, body: { loadbalancer: this.#lbJson() } };
      if (path === `/load-balancer/v2/lbaas/loadbalancers/${lb.id}/stats`) return stats(lb.activeConnections);
      if (path === `/load-balancer/v2/lbaas/listeners/${this.listener.id}/stats`)
        return stats(this.listener.activeConnections);
      if (path === `/load-balancer/v2/lbaas/pools/${this.pool.id}`)
        return { status: 200, body: { pool: this.#poolJson() } };
      if (path === '/load-balancer/v2/lbaas/pools') {
        const name = request.query.get('name');
        const pools = name === null || name === this.pool.name ? [this.#poolJson()] : [];
        return { status: 200, body: { pools, pools_links: [] } };
      }
    }
    const match = MEMBER_PATH.exec(path);
    if (!match) return fault(404, 'The resource could not be found.');
    if (match[1] !== this.pool.id) return fault(404, `Pool ${match[1]} not found.`);
    const id = match[2];
    if (!id) {
      if (request.method === 'GET')
        return listMembers(this.#members, request, this.pageSize, this.#server?.origin ?? '');
      if (request.method === 'POST')
        return this.#mutate(request, () => createMember(this.#members, this.pool.id, request.body));
      return fault(405, 'Method not allowed.');
    }
    const member = this.#members.get(id);
    if (!member) return fault(404, `Member ${id} not found.`);
    if (request.method === 'GET') return { status: 200, body: { member: memberJson(member) } };
    if (request.method === 'PUT') return this.#mutate(request, () => updateMember(member, request.body));
    if (request.method === 'DELETE')
      return this.#mutate(
        request,
        () => {
          member.pending = 'delete';
          member.provisioning_status = 'PENDING_DELETE';
          return { status: 204 };
        },
        member.name,
      );
    return fault(405, 'Method not allowed.');
  }

  /** Octavia's lock: writes only while the load balancer is ACTIVE; a write makes it PENDING_UPDATE. */
  #mutate(request: EmulatedRequest, apply: () => EmulatedReply, member?: string): EmulatedReply {
    const { method, body } = request;
    const lb = this.loadBalancer;
    if (lb.provisioning_status !== 'ACTIVE') {
      this.immutableRefusals += 1;
      return fault(409, `Load Balancer ${lb.id} is immutable and cannot be updated.`);
    }
    const reply = apply();
    if (reply.status < 300) {
      this.#pend(this.settleMs);
      const name = (reply.body as { member?: { name?: string } } | undefined)?.member?.name;
      this.writes.push({ method, member: name ?? member ?? '', body });
    }
    return reply;
  }

  #lbJson(): Record<string, unknown> {
    const lb = this.loadBalancer;
    return {
      id: lb.id,
      name: lb.name,
      topology: lb.topology,
      provisioning_status: lb.provisioning_status,
      operating_status: 'ONLINE',
      admin_state_up: true,
      pools: [{ id: this.pool.id }],
      listeners: [{ id: this.listener.id }],
    };
  }

  #poolJson(): Record<string, unknown> {
    return {
      ...this.pool,
      provisioning_status: this.loadBalancer.provisioning_status === 'ACTIVE' ? 'ACTIVE' : 'PENDING_UPDATE',
      operating_status: 'ONLINE',
      lb_algorithm: 'ROUND_ROBIN',
      admin_state_up: true,
      loadbalancers: [{ id: this.loadBalancer.id }],
      listeners: [{ id: this.listener.id }],
      members: [...this.#members.values()].map((m) => ({ id: m.id })),
    };
  }
}

function stats(active: number): EmulatedReply {
  return {
    status: 200,
    body: {
      stats: {
        active_connections: active,
        bytes_in: 0,
        bytes_out: 0,
        request_errors: 0,
        total_connections: 0,
      },
    },
  };
}
