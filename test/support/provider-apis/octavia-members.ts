/**
 * Members of the emulated Octavia pool: create, update, list as Octavia validates and answers
 * them (Octavia API reference "Load Balancer v2", Members section).
 */
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type { EmulatedReply, EmulatedRequest } from './http.ts';

/** Provisioning status of an Octavia object. */
export type Status = 'ACTIVE' | 'PENDING_CREATE' | 'PENDING_UPDATE' | 'PENDING_DELETE' | 'ERROR';

/** An Octavia fault body (pecan/wsme: faultcode, faultstring, debuginfo). */
export const fault = (status: number, faultstring: string): EmulatedReply => ({
  status,
  body: { faultcode: status >= 500 ? 'Server' : 'Client', faultstring, debuginfo: null },
});

/** One member as stored. */
export interface StoredMember {
  id: string;
  pool_id: string;
  name: string;
  address: string;
  protocol_port: number;
  weight: number;
  admin_state_up: boolean;
  backup: boolean;
  monitor_address: string | null;
  monitor_port: number | null;
  tags: string[];
  provisioning_status: Status;
  created_at: string;
  updated_at: string | null;
  /** The change waiting for the load balancer to settle. */
  pending?: 'create' | 'update' | 'delete';
}

const MUTABLE = new Set([
  'name',
  'weight',
  'admin_state_up',
  'backup',
  'monitor_address',
  'monitor_port',
  'tags',
]);

/** Answers POST .../members: 201, or 400 for a bad field, 409 for a taken address and port. */
export function createMember(
  members: Map<string, StoredMember>,
  poolId: string,
  input: unknown,
): EmulatedReply {
  const m = (input as { member?: Record<string, unknown> } | undefined)?.member;
  if (!m) return fault(400, 'Invalid input for field/attribute member.');
  const address = m.address;
  const port = m.protocol_port;
  if (typeof address !== 'string' || !isIP(address))
    return fault(400, `Invalid input for field/attribute address. Value: '${String(address)}'.`);
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
    return fault(400, `Invalid input for field/attribute protocol_port. Value: '${String(port)}'.`);
  const bad = invalid(m);
  if (bad) return bad;
  const dup = [...members.values()].find((x) => x.address === address && x.protocol_port === port);
  if (dup)
    return fault(409, `Another member on this pool is already using ip ${address} on protocol_port ${port}`);
  const id = randomUUID();
  const member: StoredMember = {
    id,
    pool_id: poolId,
    name: typeof m.name === 'string' ? m.name : '',
    address,
    protocol_port: port,
    weight: typeof m.weight === 'number' ? m.weight : 1,
    admin_state_up: typeof m.admin_state_up === 'boolean' ? m.admin_state_up : true,
    backup: m.backup === true,
    monitor_address: typeof m.monitor_address === 'string' ? m.monitor_address : null,
    monitor_port: typeof m.monitor_port === 'number' ? m.monitor_port : null,
    tags: Array.isArray(m.tags) ? (m.tags as string[]) : [],
    provisioning_status: 'PENDING_CREATE',
    created_at: new Date().toISOString(),
    updated_at: null,
    pending: 'create',
  };
  members.set(id, member);
  return { status: 201, body: { member: memberJson(member) } };
}

/** Answers PUT .../members/{id}: only the fields Octavia lets change. */
export function updateMember(member: StoredMember, input: unknown): EmulatedReply {
  const m = (input as { member?: Record<string, unknown> } | undefined)?.member;
  if (!m) return fault(400, 'Invalid input for field/attribute member.');
  const unknown = Object.keys(m).find((k) => !MUTABLE.has(k));
  if (unknown) return fault(400, `Invalid input for field/attribute ${unknown}.`);
  const bad = invalid(m);
  if (bad) return bad;
  Object.assign(member, m, {
    provisioning_status: 'PENDING_UPDATE',
    pending: 'update',
    updated_at: new Date().toISOString(),
  });
  return { status: 200, body: { member: memberJson(member) } };
}

function invalid(m: Record<string, unknown>): EmulatedReply | undefined {
  if (m.weight !== undefined && (typeof m.weight !== 'number' || m.weight < 0 || m.weight > 256))
    return fault(400, `Invalid input for field/attribute weight. Value: '${String(m.weight)}'.`);
  if (m.name !== undefined && (typeof m.name !== 'string' || m.name.length > 255))
    return fault(400, 'Invalid input for field/attribute name.');
  if (
    m.tags !== undefined &&
    (!Array.isArray(m.tags) || m.tags.some((t) => typeof t !== 'string' || t.length > 255))
  )
    return fault(400, 'Invalid input for field/attribute tags.');
  return undefined;
}

/** Answers GET .../members: `tags` (all of them) and `name` filters, `limit`/`marker` pages. */
export function listMembers(
  members: Map<string, StoredMember>,
  request: EmulatedRequest,
  pageSize: number,
  origin: string,
): EmulatedReply {
  const tags = request.query.get('tags')?.split(',').filter(Boolean) ?? [];
  const name = request.query.get('name');
  const all = [...members.values()].filter(
    (m) => tags.every((t) => m.tags.includes(t)) && (name === null || m.name === name),
  );
  const limit = Math.min(Number(request.query.get('limit') ?? pageSize), pageSize);
  const marker = request.query.get('marker');
  const start = marker ? all.findIndex((m) => m.id === marker) + 1 : 0;
  const page = all.slice(start, start + limit);
  const links: { rel: string; href: string }[] = [];
  const last = page.at(-1);
  if (last && start + limit < all.length) {
    const query = new URLSearchParams(request.query);
    query.set('limit', String(limit));
    query.set('marker', last.id);
    links.push({ rel: 'next', href: `${origin}${request.path}?${query}` });
  }
  return { status: 200, body: { members: page.map((m) => memberJson(m)), members_links: links } };
}

/** A member as Octavia shows it; operating_status follows admin state and weight. */
export function memberJson(m: StoredMember): Record<string, unknown> {
  const { pending: _pending, pool_id: _pool, ...rest } = m;
  const operating_status = !m.admin_state_up ? 'OFFLINE' : m.weight === 0 ? 'DRAINING' : 'ONLINE';
  return { ...rest, operating_status, project_id: 'b7f2', subnet_id: null, vnic_type: 'normal' };
}
