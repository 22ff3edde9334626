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
  /** Every cluster carrying this owner's tag; clusters of others are never listed. */
  list(owner: string): Promise<ProviderCluster[]>;
  /** Release sockets and timers. */
  close?(): Promise<void>;
}

/** The CA to verify a cluster's endpoint with, through `clusterCa` where the driver has it. */
export async function clusterCaOf(provider: ProviderDriver, name: string): Promise<string | undefined> {
  if (provider.clusterCa) return provider.clusterCa(name);
  return (await provider.credentials(name)).caData;
}

/** Label keys put on everything we create. */
export const OWNER_LABEL = 'clusterburst.io/owner';
export const BURST_LABEL = 'clusterburst.io/burst-id';
