import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { OWNER_LABEL } from '../../domain/names.ts';
import { DriverError } from '../../errors.ts';
import type { ClusterCredentials, ClusterSpec, ProviderCluster, ProviderDriver } from './provider.ts';
import { checkNodeCount, checkOwned } from './provider-checks.ts';
import { SimulatedClusterServer } from './simulated-cluster.ts';
import { SIMULATED_PROVIDER_DEFAULTS, type SimulatedProviderOptions } from './simulated-options.ts';

interface InventoryEntry {
  readonly name: string;
  readonly region: string;
  /** Nodes the pool has now. */
  nodes: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly createdAt: number;
  state: ProviderCluster['state'];
  port: number;
  deleteAt?: number;
  message?: string;
  /** The resize in flight, or the last one when it failed. */
  resize?: SimulatedResize;
}

interface SimulatedResize {
  readonly nodes: number;
  readonly doneAt: number;
  /** Set when the resize ends in failure, with the simulated provider's words. */
  failWith?: { readonly message: string; readonly quota: boolean };
  failed?: boolean;
}

/**
 * The embedded provider: each cluster's Kubernetes API server is a real HTTP server on a loopback
 * port (simulated-cluster.ts) that becomes ready after a delay, and its endpoint is the cluster's
 * `endpoint`, as EKS, GKE, AKS and Magnum report the API server's. It is the control plane only:
 * a request without the cluster's token gets kube-apiserver's 401 `Status`; the services run on
 * the member where the federation places them, each at its own ingress. `fail` and `vanish` let
 * tests play a broken or lost cluster.
 */
export class SimulatedProvider implements ProviderDriver {
  readonly #options: SimulatedProviderOptions;
  readonly #inventory = new Map<string, InventoryEntry>();
  readonly #servers = new Map<string, SimulatedClusterServer>();
  readonly #pending = new Map<string, Promise<ProviderCluster>>();
  #resizeFailure?: { readonly message: string; readonly quota: boolean };
  /** Calls made, for tests and benchmarks. */
  readonly calls: { readonly op: string; readonly name: string; readonly at: number }[] = [];

  constructor(
    readonly name: string,
    options: SimulatedProviderOptions = SIMULATED_PROVIDER_DEFAULTS,
  ) {
    this.#options = options;
  }

  /** Bring back the clusters of the inventory file (after a restart of the control plane). */
  async restore(): Promise<void> {
    const file = this.#options.inventoryFile;
    if (!file) return;
    let entries: InventoryEntry[] = [];
    try {
      entries = JSON.parse(readFileSync(file, 'utf8')) as InventoryEntry[];
    } catch {
      return;
    }
    for (const entry of entries) {
      this.#inventory.set(entry.name, entry);
      const server = new SimulatedClusterServer(entry.name);
      entry.port = await server.listen(entry.port);
      this.#servers.set(entry.name, server);
    }
    this.#save();
  }

  async create(spec: ClusterSpec): Promise<ProviderCluster> {
    this.calls.push({ op: 'create', name: spec.name, at: Date.now() });
    const existing = this.#inventory.get(spec.name);
    if (existing && existing.labels[OWNER_LABEL] !== spec.owner) {
      throw new DriverError(this.name, `cluster ${spec.name} exists and does not belong to ${spec.owner}`);
    }
    const view = existing && this.#view(existing);
    if (view) return view;
    const pending = this.#pending.get(spec.name);
    if (pending) return pending;
    const creating = this.#create(spec).finally(() => this.#pending.delete(spec.name));
    this.#pending.set(spec.name, creating);
    return creating;
  }

  async #create(spec: ClusterSpec): Promise<ProviderCluster> {
    const server = new SimulatedClusterServer(spec.name);
    const port = await server.listen();
    const entry: InventoryEntry = {
      name: spec.name,
      region: spec.region,
      nodes: spec.nodes,
      labels: { ...spec.labels, [OWNER_LABEL]: spec.owner },
      createdAt: Date.now(),
      state: 'provisioning',
      port,
    };
    this.#inventory.set(spec.name, entry);
    this.#servers.set(spec.name, server);
    this.#save();
    return this.#view(entry)!;
  }

  async describe(name: string): Promise<ProviderCluster | undefined> {
    const entry = this.#inventory.get(name);
    return entry ? this.#view(entry) : undefined;
  }

  async delete(name: string, owner: string): Promise<void> {
    this.calls.push({ op: 'delete', name, at: Date.now() });
    const entry = this.#inventory.get(name);
    if (!entry || entry.state === 'deleting') return;
    if (entry.labels[OWNER_LABEL] !== owner) {
      throw new DriverError(
        this.name,
        `refusing to delete ${name}: it belongs to ${entry.labels[OWNER_LABEL] || 'nobody'}, not ${owner}`,
      );
    }
    entry.state = 'deleting';
    entry.deleteAt = Date.now() + this.#options.deleteAfterMs;
    this.#save();
    await this.#servers.get(name)?.close();
  }

  async credentials(name: string): Promise<ClusterCredentials> {
    const entry = this.#inventory.get(name);
    if (!entry) throw new DriverError(this.name, `cluster ${name} does not exist`);
    return { endpoint: `http://127.0.0.1:${entry.port}`, token: `simulated-${name}` };
  }

  async list(owner: string): Promise<ProviderCluster[]> {
    const all = [...this.#inventory.values()].filter((e) => e.labels[OWNER_LABEL] === owner);
    return all.map((e) => this.#view(e)).filter((c): c is ProviderCluster => c !== undefined);
  }

  /** Make the cluster fail, as a provider reports a broken create. */
  fail(name: string, message = 'simulated failure'): void {
    const entry = this.#inventory.get(name);
    if (!entry) return;
    entry.state = 'failed';
    entry.message = message;
    const server = this.#servers.get(name);
    if (server) server.ready = false;
    this.#save();
  }

  async resize(name: string, nodes: number): Promise<ProviderCluster> {
    this.calls.push({ op: 'resize', name, at: Date.now() });
    checkNodeCount(this.name, nodes);
    const entry = this.#inventory.get(name);
    const view = entry && this.#view(entry);
    if (!entry || !view) throw new DriverError(this.name, `cluster ${name} does not exist`);
    checkOwned(this.name, view);
    if (entry.state !== 'ready') {
      throw new DriverError(this.name, `cluster ${name} is ${entry.state}; resize waits for ready`, {
        retryable: entry.state === 'provisioning',
      });
    }
    const wanted = entry.resize && !entry.resize.failed ? entry.resize.nodes : entry.nodes;
    if (wanted === nodes || (entry.resize && !entry.resize.failed)) return view;
    const { maxNodes } = this.#options;
    const others = [...this.#inventory.values()].filter((e) => e !== entry && e.state !== 'deleting');
    const used = others.reduce((sum, e) => sum + Math.max(e.nodes, e.resize?.nodes ?? 0), 0);
    if (maxNodes !== undefined && used + nodes > maxNodes) {
      throw new DriverError(
        this.name,
        `resize ${name} failed: node quota exceeded: ${nodes} nodes asked, ${maxNodes - used} left`,
        { quota: true },
      );
    }
    this.calls.push({ op: 'resize-started', name, at: Date.now() });
    entry.resize = {
      nodes,
      doneAt: Date.now() + this.#options.resizeAfterMs,
      ...(this.#resizeFailure && { failWith: this.#resizeFailure }),
    };
    this.#save();
    return this.#view(entry)!;
  }

  /** Make every resize from now on end in failure with these words (quota: a capacity shortage). */
  failResizes(message: string, quota = false): void {
    this.#resizeFailure = { message, quota };
  }

  /** Make the cluster disappear without a trace, as if deleted behind our back. */
  async vanish(name: string): Promise<void> {
    this.#inventory.delete(name);
    await this.#servers.get(name)?.close();
    this.#servers.delete(name);
    this.#save();
  }

  /** The API server of a cluster (tests look at what it refused). */
  server(name: string): SimulatedClusterServer | undefined {
    return this.#servers.get(name);
  }

  /** Names of the clusters whose servers are listening. */
  running(): string[] {
    return [...this.#inventory.values()].filter((e) => e.state !== 'deleting').map((e) => e.name);
  }

  /** Stop every server (the inventory file stays, like a cloud outliving us). */
  async close(): Promise<void> {
    await Promise.all([...this.#servers.values()].map((s) => s.close()));
  }

  #view(entry: InventoryEntry): ProviderCluster | undefined {
    const now = Date.now();
    if (entry.state === 'deleting' && entry.deleteAt !== undefined && now >= entry.deleteAt) {
      this.#inventory.delete(entry.name);
      this.#servers.delete(entry.name);
      this.#save();
      return undefined;
    }
    if (entry.state === 'provisioning' && now - entry.createdAt >= this.#options.readyAfterMs) {
      entry.state = 'ready';
      this.#save();
    }
    const resize = entry.resize;
    if (resize && !resize.failed && now >= resize.doneAt) {
      if (resize.failWith) resize.failed = true;
      else {
        entry.nodes = resize.nodes;
        entry.resize = undefined;
      }
      this.#save();
    }
    const server = this.#servers.get(entry.name);
    if (server) server.ready = entry.state === 'ready';
    return {
      name: entry.name,
      state: entry.state,
      endpoint: `http://127.0.0.1:${entry.port}`,
      region: entry.region,
      labels: entry.labels,
      message: entry.message ?? `simulated cluster ${entry.state}`,
      ...this.#nodesOf(entry),
    };
  }

  /** Node counts and resize state: while resizing the pool still has its old nodes. */
  #nodesOf(entry: InventoryEntry): Pick<ProviderCluster, 'nodes' | 'resize'> {
    const r = entry.resize;
    if (!r) return { nodes: { current: entry.nodes, desired: entry.nodes } };
    if (!r.failed) {
      return {
        nodes: { current: entry.nodes, desired: r.nodes },
        resize: { state: 'resizing', message: `resizing from ${entry.nodes} to ${r.nodes} nodes` },
      };
    }
    return {
      nodes: { current: entry.nodes, desired: r.nodes },
      resize: {
        state: 'failed',
        message: r.failWith?.message ?? 'resize failed',
        ...(r.failWith?.quota && { quota: true }),
      },
    };
  }

  #save(): void {
    const file = this.#options.inventoryFile;
    if (!file) return;
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify([...this.#inventory.values()], null, 2));
    renameSync(tmp, file);
  }
}
