import { OWNER_LABEL } from '../../shared/domain/names.ts';
import {
  type ServiceLabels,
  type ServiceOnMember,
  type ServiceSpec,
  workloadKey,
} from '../../shared/domain/services.ts';
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

/** One recorded placement call. */
export interface StubCall {
  readonly op: 'place' | 'unplace' | 'uncordon';
  readonly member: string;
  readonly services: readonly string[];
}

/** How the stub answers the placement calls. */
export interface StubFederationOptions {
  /** Replicas each placed service gets. @default 1 */
  readonly replicas: number;
  /** Time from `place` until the replicas are ready. @default 0 */
  readonly readyAfterMs: number;
  /** Whether `unplace` reports the replicas ready at home. @default true */
  readonly unplaceDone: boolean;
  /** Labels by namespace or `namespace/kind/name`, as `labels` reports them. @default {} */
  readonly labels: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/**
 * A federation that accepts every member as ready at once and lets go at once. The simulated
 * federation probes the member's `/healthz`, which emulated provider clusters (public cloud
 * addresses) do not serve; tests must not send traffic off loopback, so this one never dials.
 * Placed services get an ingress under the reserved `.invalid` name, apart from the API
 * endpoint, and are ready `readyAfterMs` after `place`; the calls are recorded for assertions.
 */
export class StubFederation implements FederationDriver {
  readonly name = 'stub';
  /** Every join, in order (credential field names only). */
  readonly joins: JoinRecord[] = [];
  readonly #members = new Map<string, MemberStatus>();

  /** Every placement call, in order: `place`, `unplace`, `uncordon` with the member and services. */
  readonly calls: StubCall[] = [];
  /** Services placed, keyed `member/service`, with the time (ms) they were placed. */
  readonly #placed = new Map<string, number>();
  readonly #options: StubFederationOptions;

  constructor(options: Partial<StubFederationOptions> = {}) {
    this.#options = { replicas: 1, readyAfterMs: 0, unplaceDone: true, labels: {}, ...options };
  }

  async uncordon(name: string): Promise<void> {
    this.calls.push({ op: 'uncordon', member: name, services: [] });
    this.#patch(name, { cordoned: false });
  }

  async place(name: string, services: readonly ServiceSpec[]): Promise<void> {
    this.calls.push({ op: 'place', member: name, services: services.map((s) => s.name) });
    for (const s of services) {
      const k = `${name}/${s.name}`;
      if (!this.#placed.has(k)) this.#placed.set(k, Date.now());
    }
  }

  async serviceStatus(name: string, services: readonly ServiceSpec[]): Promise<ServiceOnMember[]> {
    const { replicas, readyAfterMs } = this.#options;
    return services.map((s) => {
      const at = this.#placed.get(`${name}/${s.name}`);
      if (at === undefined)
        return { service: s.name, desiredReplicas: 0, readyReplicas: 0, message: 'not placed' };
      const ready = Date.now() - at >= readyAfterMs;
      return {
        service: s.name,
        desiredReplicas: replicas,
        readyReplicas: ready ? replicas : 0,
        // A reserved name (RFC 2606): apart from the API endpoint, and never dialled.
        ingress: { host: `${s.name}.${name}.ingress.invalid`, port: s.expose.port },
      };
    });
  }

  async unplace(name: string, services: readonly ServiceSpec[]): Promise<{ done: boolean; why: string }> {
    this.calls.push({ op: 'unplace', member: name, services: services.map((s) => s.name) });
    if (!this.#options.unplaceDone) return { done: false, why: 'stub: home clusters not ready yet' };
    for (const s of services) this.#placed.delete(`${name}/${s.name}`);
    return { done: true, why: 'stub: replicas ready at home' };
  }

  async labels(services: readonly ServiceSpec[]): Promise<ServiceLabels[]> {
    const labels = this.#options.labels;
    return services.map((s) => ({
      service: s.name,
      namespaceLabels: Object.fromEntries(s.workloads.map((w) => [w.namespace, labels[w.namespace] ?? {}])),
      workloadLabels: Object.fromEntries(
        s.workloads.map((w) => [workloadKey(w), labels[workloadKey(w)] ?? {}]),
      ),
    }));
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
    for (const k of [...this.#placed.keys()]) if (k.startsWith(`${name}/`)) this.#placed.delete(k);
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
