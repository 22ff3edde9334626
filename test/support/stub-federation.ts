import { OWNER_LABEL } from '../../shared/domain/names.ts';
import type { ServiceLabels, ServiceOnMember, ServiceSpec } from '../../shared/domain/services.ts';
import type {
  FederationDriver,
  MemberSpec,
  MemberStatus,
} from '../../shared/drivers/federation/federation.ts';

/** What a join was handed, without the secrets: which credential fields were present. */
export interface JoinRecord {
  readonly name: string;
  readonly provider: string;
  readonly endpoint: string;
  readonly fields: readonly string[];
}

/**
 * A federation that accepts every member as ready at once and lets go at once. The simulated
 * federation probes the member's `/healthz`, which emulated provider clusters (public cloud
 * addresses) do not serve; tests must not send traffic off loopback, so this one never dials.
 */
export class StubFederation implements FederationDriver {
  readonly name = 'stub';
  /** Every join, in order (credential field names only). */
  readonly joins: JoinRecord[] = [];
  readonly #members = new Map<string, MemberStatus>();

  // Issue 11: the operations below are being built (services placed on the member); until then
  // they fail loudly rather than pretend.
  async uncordon(_name: string): Promise<void> {
    throw new Error(`${this.name}: uncordon is not built yet`);
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
    const fields = Object.entries(member.credentials)
      .filter(([, value]) => typeof value === 'string' && value !== '')
      .map(([key]) => key)
      .sort();
    this.joins.push({
      name: member.name,
      provider: member.provider,
      endpoint: member.credentials.endpoint,
      fields,
    });
    const existing = this.#members.get(member.name);
    this.#members.set(member.name, {
      name: member.name,
      ready: true,
      cordoned: existing?.cordoned ?? false,
      evicted: existing?.evicted ?? false,
      labels: { ...member.labels, [OWNER_LABEL]: member.owner },
      message: 'accepted by the stub federation',
    });
  }

  async status(name: string): Promise<MemberStatus | undefined> {
    return this.#members.get(name);
  }

  async cordon(name: string): Promise<void> {
    this.#patch(name, { cordoned: true });
  }

  async evict(name: string): Promise<void> {
    this.#patch(name, { evicted: true });
  }

  async leave(name: string): Promise<'left' | 'pending'> {
    this.#members.delete(name);
    return 'left';
  }

  async list(owner: string): Promise<MemberStatus[]> {
    return [...this.#members.values()].filter((m) => m.labels[OWNER_LABEL] === owner);
  }

  #patch(name: string, patch: Partial<MemberStatus>): void {
    const member = this.#members.get(name);
    if (member) this.#members.set(name, { ...member, ...patch });
  }
}
