import { OWNER_LABEL } from '../../shared/domain/names.ts';
import type { ServiceLabels, ServiceOnMember, ServiceSpec } from '../../shared/domain/services.ts';
import type {
  FederationDriver,
  MemberSpec,
  MemberStatus,
} from '../../shared/drivers/federation/federation.ts';

import { DriverError } from '../../shared/errors.ts';

interface Member {
  readonly name: string;
  readonly endpoint: string;
  readonly labels: Readonly<Record<string, string>>;
  cordoned: boolean;
  evicted: boolean;
  leaving: boolean;
}

/**
 * A federation control plane shared by every installation of a soak run, after Karmada's push
 * mode (REFERENCE.md, Federation): join writes into the member (so it needs the member's API),
 * Ready is the member answering; cordon and evict are taints on the control plane; unjoin deletes
 * the Cluster and waits while member-side Works hold finalizers, which never clear while the
 * member is unreachable. `force` skips the member side.
 */
export class SoakFederation implements FederationDriver {
  readonly name = 'soak';
  readonly #members = new Map<string, Member>();

  /** `reachable(endpoint)`: whether the member's API answers (its cluster exists and is up). */
  constructor(readonly reachable: (endpoint: string) => boolean) {}

  // Issue 11: services placement in the soak model is being built; fails loudly until then.
  async uncordon(_name: string): Promise<void> {
    throw new Error('soak: uncordon is not built yet');
  }
  async place(_name: string, _services: readonly ServiceSpec[]): Promise<void> {
    throw new Error('soak: place is not built yet');
  }
  async serviceStatus(_name: string, _services: readonly ServiceSpec[]): Promise<ServiceOnMember[]> {
    throw new Error('soak: serviceStatus is not built yet');
  }
  async unplace(_name: string, _services: readonly ServiceSpec[]): Promise<{ done: boolean; why: string }> {
    throw new Error('soak: unplace is not built yet');
  }
  async labels(_services: readonly ServiceSpec[]): Promise<ServiceLabels[]> {
    throw new Error('soak: labels is not built yet');
  }

  async join(member: MemberSpec): Promise<void> {
    if (!this.reachable(member.credentials.endpoint)) {
      throw new DriverError(this.name, `member ${member.name} API unreachable at join`, { retryable: true });
    }
    const existing = this.#members.get(member.name);
    if (existing && !existing.leaving) return;
    this.#members.set(member.name, {
      name: member.name,
      endpoint: member.credentials.endpoint,
      labels: { ...member.labels, [OWNER_LABEL]: member.owner },
      cordoned: existing?.cordoned ?? false,
      evicted: existing?.evicted ?? false,
      leaving: false,
    });
  }

  async status(name: string): Promise<MemberStatus | undefined> {
    const m = this.#members.get(name);
    return m && this.#status(m);
  }

  async cordon(name: string): Promise<void> {
    const m = this.#members.get(name);
    if (m) m.cordoned = true;
  }

  async evict(name: string): Promise<void> {
    const m = this.#members.get(name);
    if (m) m.evicted = true;
  }

  async leave(name: string, options: { readonly force?: boolean } = {}): Promise<'left' | 'pending'> {
    const m = this.#members.get(name);
    if (!m) return 'left';
    if (!options.force && !this.reachable(m.endpoint)) {
      m.leaving = true;
      return 'pending';
    }
    this.#members.delete(name);
    return 'left';
  }

  async list(owner: string): Promise<MemberStatus[]> {
    return this.all().filter((m) => m.labels[OWNER_LABEL] === owner);
  }

  /** Every member, of every owner (the checker's view). */
  all(): MemberStatus[] {
    return [...this.#members.values()].map((m) => this.#status(m));
  }

  #status(m: Member): MemberStatus {
    const ready = this.reachable(m.endpoint);
    return {
      name: m.name,
      ready,
      cordoned: m.cordoned,
      evicted: m.evicted,
      labels: m.labels,
      message: ready ? 'ClusterReady' : 'ClusterNotReachable',
    };
  }
}
