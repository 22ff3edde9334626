import { OWNER_LABEL } from '../../shared/domain/names.ts';
import type {
  ClusterCredentials,
  ClusterSpec,
  ProviderCluster,
  ProviderDriver,
} from '../../shared/drivers/provider/provider.ts';
import { DriverError } from '../../shared/errors.ts';
import type { Clock } from './clock.ts';

interface Entry {
  readonly name: string;
  readonly region: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly createdAt: number;
  state: ProviderCluster['state'];
  deleteAt?: number;
  message?: string;
  quota?: boolean;
}

/**
 * One provider's cloud, on the virtual clock, shared by every installation of a soak run. It
 * keeps the contract of the embedded simulated provider (create-if-absent by name, delete of a
 * missing cluster succeeds, `list` only shows the owner's tag, ready after a delay, gone a delay
 * after delete) without its HTTP servers, so thousands of lifecycles run in seconds.
 */
export class SoakCloud implements ProviderDriver {
  readonly #clusters = new Map<string, Entry>();

  constructor(
    readonly name: string,
    readonly clock: Clock,
    readonly timing: { readonly readyAfterSeconds: number; readonly deleteAfterSeconds: number },
  ) {}

  async create(spec: ClusterSpec): Promise<ProviderCluster> {
    const existing = this.#view(spec.name);
    if (existing) return existing;
    const entry: Entry = {
      name: spec.name,
      region: spec.region,
      labels: { ...spec.labels, [OWNER_LABEL]: spec.owner },
      createdAt: this.clock.ms,
      state: 'provisioning',
    };
    this.#clusters.set(spec.name, entry);
    return this.#view(spec.name)!;
  }

  async describe(name: string): Promise<ProviderCluster | undefined> {
    return this.#view(name);
  }

  async delete(name: string, owner: string): Promise<void> {
    const entry = this.#clusters.get(name);
    if (!entry || entry.state === 'deleting') return;
    // As every real driver: another installation's cluster is refused, never deleted.
    if (entry.labels[OWNER_LABEL] !== owner)
      throw new DriverError(this.name, `refusing to delete ${name}: owned by another installation`);
    entry.state = 'deleting';
    entry.deleteAt = this.clock.ms + this.timing.deleteAfterSeconds * 1000;
  }

  /** The core does not resize yet (the demand planner will): the soak models no node pools. */
  async resize(name: string): Promise<ProviderCluster> {
    throw new DriverError(this.name, `resize of ${name} is not modelled by the soak cloud`);
  }

  async credentials(name: string): Promise<ClusterCredentials> {
    if (!this.#view(name)) throw new DriverError(this.name, `cluster ${name} does not exist`);
    return { endpoint: this.endpoint(name), token: `soak-${name}` };
  }

  async list(owner: string): Promise<ProviderCluster[]> {
    return this.all().filter((c) => c.labels[OWNER_LABEL] === owner);
  }

  /** Every cluster, of every owner (the checker's view of the bill). */
  all(): ProviderCluster[] {
    return [...this.#clusters.keys()].map((n) => this.#view(n)).filter((c): c is ProviderCluster => !!c);
  }

  /** The API endpoint a cluster gets; the host names the cluster and the provider. */
  endpoint(name: string): string {
    return `https://${name}.${this.name}.soak.test:6443`;
  }

  /** Delete the cluster behind our back (a person, a provider incident). */
  vanish(name: string): boolean {
    return this.#clusters.delete(name);
  }

  /** The provider reports the cluster failed (optionally for lack of quota). */
  fail(name: string, quota: boolean): boolean {
    const entry = this.#clusters.get(name);
    if (!entry || entry.state === 'deleting') return false;
    entry.state = 'failed';
    entry.message = quota ? 'QuotaExceeded: insufficient vCPU quota' : 'node group creation failed';
    entry.quota = quota;
    return true;
  }

  #view(name: string): ProviderCluster | undefined {
    const entry = this.#clusters.get(name);
    if (!entry) return undefined;
    const now = this.clock.ms;
    if (entry.state === 'deleting' && entry.deleteAt !== undefined && now >= entry.deleteAt) {
      this.#clusters.delete(name);
      return undefined;
    }
    if (entry.state === 'provisioning' && now - entry.createdAt >= this.timing.readyAfterSeconds * 1000) {
      entry.state = 'ready';
    }
    const quota = entry.quota;
    return {
      name: entry.name,
      state: entry.state,
      endpoint: this.endpoint(entry.name),
      region: entry.region,
      labels: entry.labels,
      message: entry.message ?? `soak cluster ${entry.state}`,
      ...(quota && { quota }),
    };
  }
}
