import type { ServiceLabels, ServiceOnMember, ServiceSpec } from '../domain/services.ts';
/**
 * Facades that stand in for a configured driver and build it on their first method call, so a
 * function instance only constructs what it touches (provision never builds the DNS, gateway or
 * load driver) and a bad option of one driver fails only the calls that need it. `name` is the
 * configured name, known without building anything.
 */

import { clusterCaOf } from '../core/cluster-ca.ts';
import type { DnsChangeSet, OwnedDnsRecord } from '../domain/dns-changes.ts';
import type { LoadReport } from '../domain/load-report.ts';
import type { DnsDriver } from '../drivers/dns/dns.ts';
import type { FederationDriver, MemberSpec, MemberStatus } from '../drivers/federation/federation.ts';
import type {
  GatewayDriver,
  GatewayServerRef,
  GatewayServerSpec,
  GatewayServerStatus,
} from '../drivers/gateway/gateway.ts';
import type { DemandReading, LoadDriver } from '../drivers/load/load.ts';
import type {
  ClusterCredentials,
  ClusterSpec,
  ProviderCluster,
  ProviderDriver,
} from '../drivers/provider/provider.ts';
import { LazyDriver } from './lazy-driver.ts';

/** A provider driver built on its first call; `name` is the provider's configured name. */
export class LazyProvider implements ProviderDriver {
  readonly #driver: LazyDriver<ProviderDriver>;
  constructor(
    readonly name: string,
    build: () => Promise<ProviderDriver>,
  ) {
    this.#driver = new LazyDriver(`provider ${name}`, build);
  }
  async create(spec: ClusterSpec): Promise<ProviderCluster> {
    return (await this.#driver.get()).create(spec);
  }
  async describe(name: string): Promise<ProviderCluster | undefined> {
    return (await this.#driver.get()).describe(name);
  }
  async delete(name: string, owner: string): Promise<void> {
    return (await this.#driver.get()).delete(name, owner);
  }
  async credentials(name: string): Promise<ClusterCredentials> {
    return (await this.#driver.get()).credentials(name);
  }
  async clusterCa(name: string): Promise<string | undefined> {
    return clusterCaOf(await this.#driver.get(), name);
  }

  async resize(name: string, nodes: number): Promise<ProviderCluster> {
    return (await this.#driver.get()).resize(name, nodes);
  }
  async list(owner: string): Promise<ProviderCluster[]> {
    return (await this.#driver.get()).list(owner);
  }
  close(): Promise<void> {
    return this.#driver.close();
  }
}

/** A federation driver built on its first call. */
export class LazyFederation implements FederationDriver {
  readonly #driver: LazyDriver<FederationDriver>;
  constructor(
    readonly name: string,
    build: () => Promise<FederationDriver>,
  ) {
    this.#driver = new LazyDriver(`federation ${name}`, build);
  }
  async join(member: MemberSpec): Promise<void> {
    return (await this.#driver.get()).join(member);
  }
  async status(name: string): Promise<MemberStatus | undefined> {
    return (await this.#driver.get()).status(name);
  }
  async cordon(name: string): Promise<void> {
    return (await this.#driver.get()).cordon(name);
  }
  async uncordon(name: string): Promise<void> {
    return (await this.#driver.get()).uncordon(name);
  }
  async evict(name: string): Promise<void> {
    return (await this.#driver.get()).evict(name);
  }
  async place(name: string, services: readonly ServiceSpec[]): Promise<void> {
    return (await this.#driver.get()).place(name, services);
  }
  async serviceStatus(name: string, services: readonly ServiceSpec[]): Promise<ServiceOnMember[]> {
    return (await this.#driver.get()).serviceStatus(name, services);
  }
  async unplace(name: string, services: readonly ServiceSpec[]): Promise<{ done: boolean; why: string }> {
    return (await this.#driver.get()).unplace(name, services);
  }
  async labels(services: readonly ServiceSpec[]): Promise<ServiceLabels[]> {
    return (await this.#driver.get()).labels(services);
  }
  async leave(name: string, options?: { readonly force?: boolean }): Promise<'left' | 'pending'> {
    return (await this.#driver.get()).leave(name, options);
  }
  async list(owner: string): Promise<MemberStatus[]> {
    return (await this.#driver.get()).list(owner);
  }
  close(): Promise<void> {
    return this.#driver.close();
  }
}

/** A DNS driver built on its first call. */
export class LazyDns implements DnsDriver {
  readonly #driver: LazyDriver<DnsDriver>;
  constructor(
    readonly name: string,
    build: () => Promise<DnsDriver>,
  ) {
    this.#driver = new LazyDriver(`dns ${name}`, build);
  }
  async listOwned(owner: string, filter?: { readonly burstId?: string }): Promise<OwnedDnsRecord[]> {
    return (await this.#driver.get()).listOwned(owner, filter);
  }
  async apply(changeSet: DnsChangeSet): Promise<void> {
    return (await this.#driver.get()).apply(changeSet);
  }
  close(): Promise<void> {
    return this.#driver.close();
  }
}

/** A gateway driver built on its first call. */
export class LazyGateway implements GatewayDriver {
  readonly #driver: LazyDriver<GatewayDriver>;
  constructor(
    readonly name: string,
    build: () => Promise<GatewayDriver>,
  ) {
    this.#driver = new LazyDriver(`gateway ${name}`, build);
  }
  async listOwned(filter?: { readonly burstId?: string }): Promise<GatewayServerStatus[]> {
    return (await this.#driver.get()).listOwned(filter);
  }
  async add(spec: GatewayServerSpec): Promise<void> {
    return (await this.#driver.get()).add(spec);
  }
  async enable(ref: GatewayServerRef): Promise<void> {
    return (await this.#driver.get()).enable(ref);
  }
  async drain(ref: GatewayServerRef): Promise<void> {
    return (await this.#driver.get()).drain(ref);
  }
  async connections(ref: GatewayServerRef): Promise<number> {
    return (await this.#driver.get()).connections(ref);
  }
  async remove(ref: GatewayServerRef, options?: { readonly force?: boolean }): Promise<void> {
    return (await this.#driver.get()).remove(ref, options);
  }
  close(): Promise<void> {
    return this.#driver.close();
  }
}

/** A load driver built on its first call. */
export class LazyLoad implements LoadDriver {
  readonly #driver: LazyDriver<LoadDriver>;
  constructor(
    readonly name: string,
    build: () => Promise<LoadDriver>,
  ) {
    this.#driver = new LazyDriver(`load ${name}`, build);
  }
  async observe(query: Parameters<LoadDriver['observe']>[0]): Promise<LoadReport> {
    return (await this.#driver.get()).observe(query);
  }
  async demand(now: Date): Promise<DemandReading | undefined> {
    const driver = await this.#driver.get();
    return driver.demand?.(now);
  }
  close(): Promise<void> {
    return this.#driver.close();
  }
}
