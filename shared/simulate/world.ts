/**
 * The simulated fleet: burst cluster records as the store would hold them, moved through the
 * lifecycle by provider latencies on the virtual clock, with every node and control plane billed.
 * It carries out capacity actions the way the runtime's steps would, without any I/O.
 *
 * Over ~350 lines on purpose: the one fleet model the simulator steps, its actions and its clock together.
 */
import { type BurstCluster, servedSignal, withPhase } from '../domain/burst-cluster.ts';
import type { CapacityAction } from '../domain/capacity-plan.ts';
import type { CapacitySignal } from '../domain/capacity-signal.ts';
import { peaksAfter } from '../domain/demand-peaks.ts';
import { isLive, type Phase, teardownEntry } from '../domain/lifecycle.ts';
import type { Meter } from './billing.ts';
import type { LatencySource } from './latency.ts';

type DueKind = 'ready' | 'joined' | 'active' | 'resized' | 'leaving' | 'deleted';

interface Due {
  readonly at: number;
  readonly kind: DueKind;
  readonly nodes?: number;
}

interface SimCluster {
  record: BurstCluster;
  /** Nodes up in the pool (serving while the cluster is Active). */
  readyNodes: number;
  /** Time (s) the pool can first be resized (the cluster is Ready). */
  readyAt: number;
  /** Billing start (s) of each node in the pool, newest last. */
  nodes: number[];
  /** Billing end (s) of nodes taken out of the pool and still billed until then. */
  leaving: number[];
  createdAt: number;
  due: Due[];
}

/** Counts of what the world did, for the figures. */
export interface WorldCounts {
  clustersCreated: number;
  resizes: number;
  drainsCancelled: number;
  flaps: number;
}

/** The policy settings a delivery needs to keep a signal's demand peaks. */
type PeakPolicy = Parameters<typeof peaksAfter>[3];

/** Prices the world bills with. */
export interface WorldPrices {
  /** Price of a node-hour at a provider. */
  nodeHour(provider: string): number;
  readonly controlPlaneHour: number;
}

/** The fleet on the virtual clock; times are seconds from the trace's start. */
export class World {
  private readonly clusters: SimCluster[] = [];
  private lastDrainAt = Number.NEGATIVE_INFINITY;
  /** The demand each signal last delivered (what the runtime writes on new records). */
  private readonly demands = new Map<string, number | undefined>();
  readonly counts: WorldCounts = { clustersCreated: 0, resizes: 0, drainsCancelled: 0, flaps: 0 };

  constructor(
    private readonly epochMs: number,
    private readonly latency: LatencySource,
    private readonly meter: Meter,
    private readonly prices: WorldPrices,
    /** A drain followed by a create within this many seconds is a flap (the policy's cooldown). */
    private readonly flapSeconds: number,
  ) {}

  /** Every record, live and ended, as the store would list them. */
  records(): BurstCluster[] {
    return this.clusters.map((c) => c.record);
  }

  /** Nodes serving load now (after `advance`). */
  serving(): number {
    return this.clusters.reduce((n, c) => n + (c.record.phase === 'Active' ? c.readyNodes : 0), 0);
  }

  /** Nodes bought and not on their way out (serving, or coming). */
  bought(): number {
    return this.clusters.reduce(
      (n, c) => n + (holds(c.record.phase) && !c.record.warm ? c.record.nodes : 0),
      0,
    );
  }

  /** Nodes billed at `t` (pools of every live cluster, draining ones and nodes being removed included). */
  billedNodes(t: number): number {
    return this.clusters.reduce((n, c) => n + c.nodes.length + c.leaving.filter((end) => end > t).length, 0);
  }

  /**
   * How soon capacity could be added at `t` by the fastest means the fleet offers: a resize of
   * an Active cluster with room, a cancelled drain, else a new cluster (nominal latencies).
   */
  fastestLead(maxNodesPerCluster: number): number {
    const n = (op: Parameters<LatencySource['nominal']>[0]) => this.latency.nominal(op);
    if (this.clusters.some((c) => c.record.phase === 'Active' && c.record.nodes < maxNodesPerCluster))
      return n('resize');
    if (this.clusters.some((c) => c.record.phase === 'Draining')) return n('route');
    if (this.clusters.some((c) => c.record.warm && c.record.phase === 'Joined'))
      return Math.max(n('route'), n('resize'));
    return n('create') + n('join') + n('route');
  }

  /**
   * A notification reaches the runtime at `t`: the records serving its signal remember the
   * demand of a firing one (and forget a resolution, the demand left becoming a peak, as
   * handleSignal writes them with `peaksAfter`), or the time a resolved one resolved.
   */
  deliver(signal: CapacitySignal, t: number, policy: PeakPolicy): void {
    if (signal.status === 'firing') this.demands.set(signal.signalKey, signal.demand);
    const at = new Date(this.epochMs + t * 1000).toISOString();
    for (const c of this.clusters) {
      const r = c.record;
      if (!isLive(r.phase) || r.warm || servedSignal(r) !== signal.signalKey) continue;
      if (signal.status === 'firing' && (r.demand !== signal.demand || r.signalResolvedAt !== undefined)) {
        const { signalResolvedAt: _, demandPeaks: __, demand: ___, ...rest } = r;
        const peaks = peaksAfter(r, signal.demand, at, policy);
        c.record = {
          ...rest,
          ...(signal.demand !== undefined && { demand: signal.demand }),
          ...(peaks && { demandPeaks: peaks }),
        };
        this.patch(c, {}, t);
      }
      if (signal.status === 'resolved' && r.signalResolvedAt === undefined)
        this.patch(c, { signalResolvedAt: signal.at }, t);
    }
  }

  /** Move every cluster past the transitions due by `t`. */
  advance(t: number): void {
    for (const c of this.clusters) {
      c.due.sort((a, b) => a.at - b.at);
      while (c.due.length > 0 && c.due[0]!.at <= t) {
        const due = c.due.shift()!;
        this.complete(c, due);
      }
    }
  }

  /** Carry out one action at `t`; an action that no longer fits the record is ignored, as the runtime's CAS would. */
  apply(action: CapacityAction, t: number): void {
    if (action.kind === 'create') {
      this.create(action, t);
      return;
    }
    const c = this.clusters.find((x) => x.record.id === action.burstId);
    if (!c || !isLive(c.record.phase)) return;
    switch (action.kind) {
      case 'grow':
      case 'shrink':
        this.resize(c, action.nodes, t, action.why);
        break;
      case 'takeWarm':
        this.takeWarm(c, action.nodes, action.signalKey, t, action.why);
        break;
      case 'drain':
        this.drain(c, t, action.why);
        break;
      case 'cancelDrain':
        this.cancelDrain(c, t, action.why, action.signalKey);
        break;
    }
  }

  /** Bill everything still running up to `t` (the end of the trace). */
  close(t: number): void {
    for (const c of this.clusters) {
      if (!isLive(c.record.phase)) continue;
      this.release(c, c.nodes.length, t);
      this.meter.cluster(c.createdAt, t, this.prices.controlPlaneHour);
    }
  }

  private at(t: number): Date {
    return new Date(this.epochMs + t * 1000);
  }

  private create(action: Extract<CapacityAction, { kind: 'create' }>, t: number): void {
    const n = this.clusters.length;
    const id = `b-${n.toString(16).padStart(12, '0')}`;
    const now = this.at(t);
    const key = action.signalKey ?? WARM;
    const demand = action.signalKey === undefined ? undefined : this.demands.get(action.signalKey);
    const requested: BurstCluster = {
      id,
      name: `cb-simula-${id.slice(2)}`,
      owner: 'simulation',
      phase: 'Requested',
      provider: action.provider,
      region: action.region,
      nodes: action.nodes,
      reason: { source: 'alertmanager', signalKey: key, dedupeKey: `${key}#${n}`, summary: action.why },
      dnsRecords: [],
      gatewayServers: [],
      services: [],
      costPerHour: action.costPerHour ?? action.nodes * this.prices.nodeHour(action.provider),
      teardown: {},
      ...(demand !== undefined && { demand }),
      ...(action.warm && { warm: true }),
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      history: [{ phase: 'Requested', at: now.toISOString(), why: action.why }],
      version: 1,
    };
    const ready = t + this.latency.draw('create');
    this.clusters.push({
      record: withPhase(requested, 'Provisioning', 'provider create requested', now),
      readyNodes: 0,
      readyAt: ready,
      nodes: new Array<number>(action.nodes).fill(t),
      leaving: [],
      createdAt: t,
      due: [{ at: ready, kind: 'ready', nodes: action.nodes }],
    });
    this.counts.clustersCreated++;
    if (t - this.lastDrainAt < this.flapSeconds) this.counts.flaps++;
  }

  private resize(c: SimCluster, nodes: number, t: number, why: string): void {
    const from = c.record.nodes;
    if (nodes === from || !holds(c.record.phase)) return;
    this.counts.resizes++;
    let done: number;
    if (nodes > from) {
      c.nodes.push(...new Array<number>(nodes - from).fill(t));
      // A pool is resized once the cluster is Ready; the new nodes serve a resize later.
      done = Math.max(t, c.readyAt) + this.latency.draw('resize');
    } else {
      // Fewer nodes serve at once (cordoned, drained); they are billed until the resize is done.
      done = t + this.latency.draw('resize');
      c.readyNodes = Math.min(c.readyNodes, nodes);
      this.release(c, from - nodes, done);
    }
    c.due.push({ at: done, kind: 'resized', nodes });
    this.patch(
      c,
      {
        nodes,
        costPerHour: nodes * this.prices.nodeHour(c.record.provider),
        resize: { state: 'resizing', since: this.at(t).toISOString(), from, why },
      },
      t,
    );
  }

  /** A warm cluster now serves `signalKey`: sized to `nodes`, routed once it is Joined. */
  private takeWarm(
    c: SimCluster,
    nodes: number,
    signalKey: string | undefined,
    t: number,
    why: string,
  ): void {
    if (!c.record.warm) return;
    const demand = signalKey === undefined ? undefined : this.demands.get(signalKey);
    const { warm: _, ...rest } = c.record;
    c.record = {
      ...rest,
      ...(signalKey && { servesSignal: signalKey }),
      ...(demand !== undefined && { demand }),
    };
    this.resize(c, nodes, t, why);
    if (c.record.phase === 'Joined') c.due.push({ at: t + this.latency.draw('route'), kind: 'active' });
  }

  private drain(c: SimCluster, t: number, why: string): void {
    const entry = teardownEntry(c.record.phase);
    if (!entry) return;
    this.lastDrainAt = t;
    c.due = c.due.filter((d) => d.kind === 'resized');
    const drained = entry === 'Draining' ? t + this.latency.draw('drain') : t;
    if (entry === 'Draining') c.due.push({ at: drained, kind: 'leaving' });
    c.due.push({ at: drained + this.latency.draw('delete'), kind: 'deleted' });
    this.move(c, entry, t, why, {
      teardown: { ...c.record.teardown, drainStartedAt: this.at(t).toISOString() },
    });
  }

  private cancelDrain(c: SimCluster, t: number, why: string, signalKey: string | undefined): void {
    if (c.record.phase !== 'Draining') return;
    this.counts.drainsCancelled++;
    c.due = c.due.filter((d) => d.kind === 'resized');
    // Back to Joined, uncordoned; traffic returns once the services pass their health check again.
    c.due.push({ at: t + this.latency.draw('route'), kind: 'active' });
    this.move(c, 'Joined', t, why, { teardown: {}, ...(signalKey && { servesSignal: signalKey }) });
  }

  private complete(c: SimCluster, due: Due): void {
    const t = due.at;
    switch (due.kind) {
      case 'ready':
        c.readyNodes = c.record.nodes;
        c.due.push({ at: t + this.latency.draw('join'), kind: 'joined' });
        this.move(c, 'Ready', t, 'provider reports the cluster ready');
        break;
      case 'joined':
        // A warm cluster stays Joined and cordoned until a burst takes it.
        if (!c.record.warm) c.due.push({ at: t + this.latency.draw('route'), kind: 'active' });
        this.move(c, 'Joined', t, 'member ready in the federation');
        break;
      case 'active':
        if (c.record.phase === 'Joined') this.move(c, 'Active', t, 'services healthy, traffic routed');
        break;
      case 'resized': {
        if (due.nodes !== undefined && due.nodes >= c.readyNodes)
          c.readyNodes = Math.min(due.nodes, c.record.nodes);
        const { resize: _, ...rest } = c.record;
        if (c.record.nodes === due.nodes) c.record = rest;
        break;
      }
      case 'leaving':
        this.move(c, 'Leaving', t, 'drained');
        break;
      case 'deleted':
        this.release(c, c.nodes.length, t);
        this.meter.cluster(c.createdAt, t, this.prices.controlPlaneHour);
        c.readyNodes = 0;
        this.move(c, 'Deleted', t, 'provider deleted the cluster');
        break;
    }
  }

  /** Stop billing the newest `count` nodes at `t`. */
  private release(c: SimCluster, count: number, t: number): void {
    const price = this.prices.nodeHour(c.record.provider);
    for (const from of c.nodes.splice(c.nodes.length - count, count)) {
      this.meter.node(from, t, price);
      c.leaving.push(t);
    }
    c.leaving = c.leaving.filter((end) => end >= t - 3600);
  }

  private move(c: SimCluster, phase: Phase, t: number, why: string, patch: Partial<BurstCluster> = {}): void {
    c.record = { ...withPhase(c.record, phase, why, this.at(t), patch), version: c.record.version + 1 };
  }

  /** A change within the phase (the pool size): no history entry, as in the store. */
  private patch(c: SimCluster, patch: Partial<BurstCluster>, t: number): void {
    c.record = { ...c.record, ...patch, updatedAt: this.at(t).toISOString(), version: c.record.version + 1 };
  }
}

/** The signal key of warm standby records (they serve none until taken). */
const WARM = 'simulate/warm';

/** Whether a cluster in this phase holds capacity that is serving or coming. */
function holds(phase: Phase): boolean {
  return isLive(phase) && phase !== 'Draining' && phase !== 'Leaving' && phase !== 'Deleting';
}
