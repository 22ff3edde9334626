import { OWNER_LABEL } from '../../shared/domain/names.ts';
import type { ServiceLabels, ServiceOnMember, ServiceSpec } from '../../shared/domain/services.ts';
import type {
  FederationDriver,
  MemberSpec,
  MemberStatus,
} from '../../shared/drivers/federation/federation.ts';

import { DriverError } from '../../shared/errors.ts';
import type { Clock } from './clock.ts';

/** Virtual seconds from placement until a service's replicas on a member are ready. */
export const SERVICE_READY_AFTER_SECONDS = 20;
/** Virtual seconds the home clusters take to have replicas taken off a member ready again. */
export const HOME_READY_AFTER_SECONDS = 10;
/** First port of the services' ingresses on a member (each service its own). */
const INGRESS_PORT = 30080;

interface Placed {
  readonly port: number;
  readonly placedAt: number;
}

interface Member {
  readonly name: string;
  readonly endpoint: string;
  readonly labels: Readonly<Record<string, string>>;
  cordoned: boolean;
  evicted: boolean;
  leaving: boolean;
  /** Services placed on the member, by name. */
  readonly services: Map<string, Placed>;
  /** When replicas started moving home from the member, until they are ready there. */
  unplacedAt?: number;
}

/**
 * A federation control plane shared by every installation of a soak run, after Karmada's push
 * mode (REFERENCE.md, Federation): join writes into the member (so it needs the member's API),
 * Ready is the member answering; cordon and evict are taints on the control plane; unjoin deletes
 * the Cluster and waits while member-side Works hold finalizers, which never clear while the
 * member is unreachable. `force` skips the member side.
 * Services (REFERENCE.md, Karmada propagation): `place` is a policy selecting the member, so a
 * member the federation does not have, or a cordoned one (NoSchedule), gets nothing new; each
 * placed service gets one replica, ready `SERVICE_READY_AFTER_SECONDS` of virtual time later
 * while the member answers (status is aggregated from the member), and its own ingress address
 * (a LoadBalancer Service's, apart from the API endpoint: host `<member>.<provider>.lb.soak.test`).
 * `unplace` moves the replicas home: done `HOME_READY_AFTER_SECONDS` after the first call.
 */
export class SoakFederation implements FederationDriver {
  readonly name = 'soak';
  readonly #members = new Map<string, Member>();

  /** `reachable(endpoint)`: whether the member's API answers (its cluster exists and is up). */
  constructor(
    readonly reachable: (endpoint: string) => boolean,
    readonly clock: Clock,
  ) {}

  async uncordon(name: string): Promise<void> {
    const m = this.#members.get(name);
    if (m) m.cordoned = false;
  }

  async place(name: string, services: readonly ServiceSpec[]): Promise<void> {
    const m = this.#members.get(name);
    if (!m || m.leaving) return;
    m.unplacedAt = undefined;
    for (const service of services) {
      if (m.services.has(service.name) || m.cordoned) continue;
      const used = new Set([...m.services.values()].map((p) => p.port));
      let port = INGRESS_PORT;
      while (used.has(port)) port += 1;
      m.services.set(service.name, { port, placedAt: this.clock.ms });
    }
  }

  async serviceStatus(name: string, services: readonly ServiceSpec[]): Promise<ServiceOnMember[]> {
    const m = this.#members.get(name);
    return services.map((service) => {
      const placed = m?.services.get(service.name);
      if (!m || !placed)
        return { service: service.name, desiredReplicas: 0, readyReplicas: 0, message: 'not placed' };
      const ready = this.#ready(m, placed);
      return {
        service: service.name,
        desiredReplicas: 1,
        readyReplicas: ready ? 1 : 0,
        ingress: { host: ingressHost(m.endpoint), port: placed.port },
        message: ready ? 'Deployment ready' : 'replicas not ready',
      };
    });
  }

  async unplace(name: string, services: readonly ServiceSpec[]): Promise<{ done: boolean; why: string }> {
    const m = this.#members.get(name);
    if (!m) return { done: true, why: `member ${name} is not in the federation: nothing of it to move home` };
    for (const service of services) m.services.delete(service.name);
    m.unplacedAt ??= this.clock.ms;
    const left = m.unplacedAt + HOME_READY_AFTER_SECONDS * 1000 - this.clock.ms;
    if (left > 0)
      return { done: false, why: `replicas moving home: ready there in ${Math.ceil(left / 1000)}s` };
    return { done: true, why: 'replicas ready on the home clusters' };
  }

  async labels(services: readonly ServiceSpec[]): Promise<ServiceLabels[]> {
    return services.map((s) => ({ service: s.name, namespaceLabels: {}, workloadLabels: {} }));
  }

  /**
   * Whether `url` (`http://host:port/...`, or `host:port`) is a placed service's ingress whose
   * replicas are ready; undefined when it is no ingress of this federation.
   */
  serves(url: string): boolean | undefined {
    const { hostname, port } = new URL(url.includes('://') ? url : `tcp://${url}`);
    for (const m of this.#members.values()) {
      if (ingressHost(m.endpoint) !== hostname) continue;
      const placed = [...m.services.values()].find((p) => String(p.port) === port);
      return !!placed && this.#ready(m, placed);
    }
    return hostname.split('.')[2] === 'lb' ? false : undefined;
  }

  /** Services placed on each member (the checker's view). */
  placements(): { readonly member: string; readonly service: string }[] {
    return [...this.#members.values()].flatMap((m) =>
      [...m.services.keys()].map((service) => ({ member: m.name, service })),
    );
  }

  #ready(m: Member, placed: Placed): boolean {
    return (
      this.clock.ms - placed.placedAt >= SERVICE_READY_AFTER_SECONDS * 1000 && this.reachable(m.endpoint)
    );
  }

  async join(member: MemberSpec): Promise<void> {
    if (!this.reachable(member.credentials.endpoint)) {
      throw new DriverError(this.name, `member ${member.name} API unreachable at join`, { retryable: true });
    }
    const existing = this.#members.get(member.name);
    if (existing && !existing.leaving) return;
    // A member rejoining while it left keeps nothing placed: leave deleted its Works.
    this.#members.set(member.name, {
      name: member.name,
      endpoint: member.credentials.endpoint,
      labels: { ...member.labels, [OWNER_LABEL]: member.owner },
      cordoned: existing?.cordoned ?? false,
      evicted: existing?.evicted ?? false,
      leaving: false,
      services: new Map(),
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

/** The ingress host of a member's LoadBalancer Services: the cluster and provider, apart from its API. */
function ingressHost(endpoint: string): string {
  const [name, provider] = new URL(endpoint).hostname.split('.');
  return `${name}.${provider}.lb.soak.test`;
}
