import type { ServiceLabels, ServiceOnMember, ServiceSpec } from '../../domain/services.ts';
import type { ClusterCredentials } from '../provider/provider.ts';

/** A cluster to join to the federation. */
export interface MemberSpec {
  readonly name: string;
  readonly burstId: string;
  readonly owner: string;
  readonly provider: string;
  readonly region: string;
  /** Used only for the join; the federation keeps its own credentials afterwards. */
  readonly credentials: ClusterCredentials;
  readonly labels: Readonly<Record<string, string>>;
}

/** The federation's view of a member. */
export interface MemberStatus {
  readonly name: string;
  readonly ready: boolean;
  readonly cordoned: boolean;
  readonly evicted: boolean;
  readonly labels: Readonly<Record<string, string>>;
  readonly message?: string;
}

/**
 * The multi-cluster federation (Karmada, KubeFed, Liqo). Every method is idempotent.
 */
export interface FederationDriver {
  readonly name: string;
  /**
   * The home ingress reaches the workloads through the federation itself (Liqo reflects
   * services and endpoints across the peering): the route step leaves DNS and the gateway alone
   * and says so in its why. Unset: routes go through DNS and the gateway to each ingress.
   */
  readonly inClusterRouting?: boolean;
  join(member: MemberSpec): Promise<void>;
  /** The member, or undefined once it has left. */
  status(name: string): Promise<MemberStatus | undefined>;
  /** No new workloads are placed on the member. */
  cordon(name: string): Promise<void>;
  /** Undo `cordon`: the member takes new placements again (a cancelled drain). */
  uncordon(name: string): Promise<void>;
  /** Workloads move off the member. */
  evict(name: string): Promise<void>;
  /**
   * Place the services' workloads on the member so that it receives replicas now (not only at
   * the next scale-up: Karmada keeps assignments stable). Only burstable, eligible services are
   * passed; the driver owns (labels) every object it writes and never touches others'.
   */
  place(name: string, services: readonly ServiceSpec[]): Promise<void>;
  /** Per service on the member: replicas assigned and ready, and its ingress address. */
  serviceStatus(name: string, services: readonly ServiceSpec[]): Promise<ServiceOnMember[]>;
  /**
   * Take the services off the member: replicas go back to the home clusters. `done` once the
   * home clusters report them ready (call again while not); `why` says what is awaited.
   */
  unplace(
    name: string,
    services: readonly ServiceSpec[],
  ): Promise<{ readonly done: boolean; readonly why: string }>;
  /** Labels of each service's namespace and workloads on the control plane (customer protection). */
  labels(services: readonly ServiceSpec[]): Promise<ServiceLabels[]>;
  /**
   * Start or finish leaving: `left` when nothing of the membership remains, `pending` while
   * the federation is still letting go (call again). `force` skips the member side (it is gone).
   */
  leave(name: string, options?: { readonly force?: boolean }): Promise<'left' | 'pending'>;
  /** Members labelled with this owner. */
  list(owner: string): Promise<MemberStatus[]>;
  close?(): Promise<void>;
}
