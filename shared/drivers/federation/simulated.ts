import { OWNER_LABEL } from '../../domain/names.ts';
import type { ServiceLabels, ServiceOnMember, ServiceSpec } from '../../domain/services.ts';
import type { FederationDriver, MemberSpec, MemberStatus } from './federation.ts';

/**
 * The embedded federation: remembers its members. A member is Ready once its endpoint answers
 * `/healthz` with 200 at join time, as a federation control plane would find out by probing.
 */
export class SimulatedFederation implements FederationDriver {
  readonly name = 'simulated';
  readonly #members = new Map<string, MemberStatus & { readonly endpoint: string }>();
  /** Every operation, for status and tests. */
  readonly log: { readonly at: string; readonly op: string; readonly member: string }[] = [];

  // Issue 11: the operations below are being built (services placed on the member); until then
  // they fail loudly rather than pretend.
  async uncordon(name: string): Promise<void> {
    this.#update(name, 'uncordon', { cordoned: false });
  }
  async place(_name: string, _services: readonly ServiceSpec[]): Promise<void> {
    throw new Error(`${this.name}: place is not built yet`);
  }
  async serviceStatus(_name: string, _services: readonly ServiceSpec[]): Promise<ServiceOnMember[]> {
    throw new Error(`${this.name}: serviceStatus is not built yet`);
  }
  async unplace(_name: string, _services: readonly ServiceSpec[]): Promise<{ done: boolean; why: string }> {
    throw new Error(`${this.name}: unplace is not built yet`);
  }
  async labels(_services: readonly ServiceSpec[]): Promise<ServiceLabels[]> {
    throw new Error(`${this.name}: labels is not built yet`);
  }

  async join(member: MemberSpec): Promise<void> {
    const existing = this.#members.get(member.name);
    const ready = await probe(member.credentials.endpoint);
    this.#members.set(member.name, {
      name: member.name,
      endpoint: member.credentials.endpoint,
      ready,
      cordoned: existing?.cordoned ?? false,
      evicted: existing?.evicted ?? false,
      labels: { ...member.labels, [OWNER_LABEL]: member.owner },
      message: ready ? 'member answers /healthz' : 'member does not answer /healthz yet',
    });
    if (!existing) this.#record('join', member.name);
  }

  async status(name: string): Promise<MemberStatus | undefined> {
    const member = this.#members.get(name);
    if (!member || member.ready) return member;
    const ready = await probe(member.endpoint);
    const next = { ...member, ready };
    this.#members.set(name, next);
    return next;
  }

  async cordon(name: string): Promise<void> {
    this.#update(name, 'cordon', { cordoned: true });
  }

  async evict(name: string): Promise<void> {
    this.#update(name, 'evict', { evicted: true });
  }

  async leave(name: string): Promise<'left' | 'pending'> {
    if (this.#members.delete(name)) this.#record('leave', name);
    return 'left';
  }

  async list(owner: string): Promise<MemberStatus[]> {
    return [...this.#members.values()].filter((m) => m.labels[OWNER_LABEL] === owner);
  }

  #update(name: string, op: string, patch: Partial<MemberStatus>): void {
    const member = this.#members.get(name);
    if (!member) return; // nothing to change on a member that is not there (teardown of a failed join)
    if (Object.entries(patch).every(([k, v]) => member[k as keyof MemberStatus] === v)) return;
    this.#members.set(name, { ...member, ...patch });
    this.#record(op, name);
  }

  #record(op: string, member: string): void {
    this.log.push({ at: new Date().toISOString(), op, member });
  }
}

async function probe(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(new URL('/healthz', endpoint), { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}
