/** What the control plane asks a provider to create. Names are deterministic (from the burst id). */
export interface ClusterSpec {
  readonly name: string;
  readonly burstId: string;
  /** Installation id; every cluster carries it as a tag/label so orphans can be found. */
  readonly owner: string;
  readonly region: string;
  readonly nodes: number;
  /** Extra labels/tags (already including owner and burst id under clusterburst.io/ keys). */
  readonly labels: Readonly<Record<string, string>>;
}

/** A provider's view of one cluster, mapped to what the lifecycle needs. */
export interface ProviderCluster {
  readonly name: string;
  /** `provisioning` until usable, `ready` when the API answers, `deleting`, or `failed`. */
  readonly state: 'provisioning' | 'ready' | 'deleting' | 'failed';
  /** Base URL of the cluster's API / ingress once known. */
  readonly endpoint?: string;
  readonly region?: string;
  /** Tags or labels as the provider stores them (owner and burst id among them). */
  readonly labels: Readonly<Record<string, string>>;
  /** The provider's own words about the state (status message, reason). */
  readonly message?: string;
  /** Set with `failed` when the failure was a quota or capacity shortage (placement moves on). */
  readonly quota?: boolean;
  /** Node count of the burst's node pool, where the provider reports it. */
  readonly nodes?: NodeCounts;
  /** The node pool's last resize while it runs or after it failed; absent once it settled well. */
  readonly resize?: ResizeStatus;
}

/**
 * Node count of the burst's node pool. `desired` is what was last asked for (the provider's own
 * record); `current` is what the pool has, left out while a resize runs where the provider does
 * not tell (EKS, AKS, Magnum report only the wanted size), and equal to `desired` once settled.
 */
export interface NodeCounts {
  readonly current?: number;
  /** Left out where the provider does not say while a resize runs (GKE's operation has no target). */
  readonly desired?: number;
}

/**
 * A resize of the node pool that has not settled well: `resizing` while the provider works on
 * it (the health poll follows it until it is gone), `failed` with the provider's words. The
 * cluster's own `state` is unaffected: the nodes it had keep serving.
 */
export interface ResizeStatus {
  readonly state: 'resizing' | 'failed';
  /** The provider's words (update status and errors, operation error, status reason). */
  readonly message: string;
  /** Set with `failed` when the provider ran short of quota or capacity (placement moves on). */
  readonly quota?: boolean;
}

/** How to reach a member cluster's API; handed to the federation at join, never stored. */
export interface ClusterCredentials {
  readonly endpoint: string;
  readonly caData?: string;
  readonly token?: string;
  readonly clientCertData?: string;
  readonly clientKeyData?: string;
  /** Whole kubeconfig, where the provider hands one out. */
  readonly kubeconfig?: string;
}

/**
 * A place that makes Kubernetes clusters. Every method is idempotent: `create` of an existing
 * name returns it if it carries the same owner tag (and refuses it otherwise), `delete` of a
 * missing one succeeds, and `delete` refuses a cluster whose owner tag is not the owner given. Errors are `DriverError`s classified
 * retryable or fatal, with `quota` set for quota and capacity errors.
 */
export interface ProviderDriver {
  readonly name: string;
  create(spec: ClusterSpec): Promise<ProviderCluster>;
  /** The cluster, or undefined when the provider no longer knows it. */
  describe(name: string): Promise<ProviderCluster | undefined>;
  /** Delete the cluster if it is there and tagged as `owner`'s; refuse (fatal) if it is someone else's. */
  delete(name: string, owner: string): Promise<void>;
  credentials(name: string): Promise<ClusterCredentials>;
  /**
   * The cluster CA (base64 PEM) to verify its endpoint with, issuing no credential: what a
   * health-check poll needs. Drivers whose `credentials` mint something (Magnum signs a new
   * cluster-admin certificate) implement it; for the others `clusterCaOf` reads `credentials`.
   */
  clusterCa?(name: string): Promise<string | undefined>;

  /**
   * Ask for `nodes` nodes in the burst's node pool and return the cluster as it is then. Asking
   * for the size already wanted does nothing; while a resize runs it does nothing either where
   * the provider refuses overlapping updates (EKS, GKE, AKS, Magnum, and the simulated provider
   * like them; Cluster API takes the new count at once), so ask again once `resize` is gone and
   * the count differs. A refusal for quota is a DriverError with `quota` set, as for `create`; a
   * failure after the provider took the request shows in `describe` as `resize.state: failed`.
   */
  resize(name: string, nodes: number): Promise<ProviderCluster>;
  /** Every cluster carrying this owner's tag; clusters of others are never listed. */
  list(owner: string): Promise<ProviderCluster[]>;
  /** Release sockets and timers. */
  close?(): Promise<void>;
}
