/**
 * The simulated fleet: burst cluster records as the store would hold them, moved through the
 * lifecycle by provider latencies on the virtual clock, with every node and control plane billed.
 * It carries out capacity actions the way the runtime's steps would, without any I/O.
 */
import { type BurstCluster, withPhase } from '../domain/burst-cluster.ts';
import type { CapacityAction } from '../domain/capacity-plan.ts';
import { isLive, type Phase, teardownEntry } from '../domain/lifecycle.ts';
import { SIGNAL_KEY as SIGNAL } from './alert-rule.ts';
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
  /** Nodes up in the pool (serving once the cluster is Active and routed). */
  readyNodes: number;
  /** Time (s) from which an Active cluster serves (after routing, or after a cancelled drain). */
  servingFrom: number;
  /** Time (s) the pool can first be resized (the cluster is Ready). */
  readyAt: number;
  /** Billing start (s) of each node in the pool, newest last. */
  nodes: number[];
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

  /** Nodes serving load at `t`. */
  serving(t: number): number {
    return this.clusters.reduce(
      (n, c) => n + (c.record.phase === 'Active' && t >= c.servingFrom ? c.readyNodes : 0),
      0,
    );
  }

  /** Nodes bought and not on their way out (serving, or coming). */
  bought(): number {
    return this.clusters.reduce((n, c) => n + (holds(c.record.phase) ? c.record.nodes : 0), 0);
  }

  /** Nodes billed right now (pools of every live cluster, draining ones included). */
  billedNodes(): number {
    return this.clusters.reduce((n, c) => n + c.nodes.length, 0);
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
    return n('create') + n('join') + n('route');
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
      case 'takeWarm':
      case 'shrink':
        this.resize(c, action.nodes, t);
        break;
      case 'drain':
        this.drain(c, t, action.why);
        break;
      case 'cancelDrain':
        this.cancelDrain(c, t, action.why);
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
    const ready = t + this.latency.draw('create');
    const joined = ready + this.latency.draw('join');
    const active = joined + this.latency.draw('route');
    const now = this.at(t);
    const requested: BurstCluster = {
      id,
      name: `cb-simula-${id.slice(2)}`,
      owner: 'simulation',
      phase: 'Requested',
      provider: action.provider,
      region: action.region,
      nodes: action.nodes,
      reason: { source: 'alertmanager', signalKey: SIGNAL, dedupeKey: `${SIGNAL}#${n}`, summary: action.why },
      dnsRecords: [],
      gatewayServers: [],
      costPerHour: action.nodes * this.prices.nodeHour(action.provider),
      teardown: {},
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      history: [{ phase: 'Requested', at: now.toISOString(), why: action.why }],
      version: 1,
    };
    this.clusters.push({
      record: withPhase(requested, 'Provisioning', 'provider create requested', now),
      readyNodes: 0,
      servingFrom: active,
      readyAt: ready,
      nodes: new Array<number>(action.nodes).fill(t),
      createdAt: t,
      due: [
        { at: ready, kind: 'ready', nodes: action.nodes },
        { at: joined, kind: 'joined' },
        { at: active, kind: 'active' },
      ],
    });
    this.counts.clustersCreated++;
    if (t - this.lastDrainAt < this.flapSeconds) this.counts.flaps++;
  }

  private resize(c: SimCluster, nodes: number, t: number): void {
    const from = c.record.nodes;
    if (nodes === from || !holds(c.record.phase)) return;
    this.counts.resizes++;
    if (nodes > from) {
      c.nodes.push(...new Array<number>(nodes - from).fill(t));
      // A pool is resized once the cluster is Ready; the new nodes serve a resize later.
      c.due.push({ at: Math.max(t, c.readyAt) + this.latency.draw('resize'), kind: 'resized', nodes });
    } else {
      // Fewer nodes serve at once (cordoned, drained); they are billed until the resize is done.
      c.readyNodes = Math.min(c.readyNodes, nodes);
      this.release(c, from - nodes, t + this.latency.draw('resize'));
    }
    this.patch(c, { nodes, costPerHour: nodes * this.prices.nodeHour(c.record.provider) }, t);
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

  private cancelDrain(c: SimCluster, t: number, why: string): void {
    if (c.record.phase !== 'Draining') return;
    this.counts.drainsCancelled++;
    c.due = c.due.filter((d) => d.kind === 'resized');
    // Traffic returns once the services pass their health check again.
    c.servingFrom = t + this.latency.draw('route');
    this.move(c, 'Active', t, why, { teardown: {} });
  }

  private complete(c: SimCluster, due: Due): void {
    const t = due.at;
    switch (due.kind) {
      case 'ready':
        c.readyNodes = Math.min(due.nodes ?? 0, c.record.nodes);
        this.move(c, 'Ready', t, 'provider reports the cluster ready');
        break;
      case 'joined':
        this.move(c, 'Joined', t, 'member ready in the federation');
        break;
      case 'active':
        this.move(c, 'Active', t, 'services healthy, traffic routed');
        break;
      case 'resized':
        c.readyNodes = Math.max(c.readyNodes, Math.min(due.nodes ?? 0, c.record.nodes));
        return;
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
    for (const from of c.nodes.splice(c.nodes.length - count, count)) this.meter.node(from, t, price);
  }

  private move(c: SimCluster, phase: Phase, t: number, why: string, patch: Partial<BurstCluster> = {}): void {
    c.record = { ...withPhase(c.record, phase, why, this.at(t), patch), version: c.record.version + 1 };
  }

  /** A change within the phase (the pool size): no history entry, as in the store. */
  private patch(c: SimCluster, patch: Partial<BurstCluster>, t: number): void {
    c.record = { ...c.record, ...patch, updatedAt: this.at(t).toISOString(), version: c.record.version + 1 };
  }
}

/** Whether a cluster in this phase holds capacity that is serving or coming. */
function holds(phase: Phase): boolean {
  return isLive(phase) && phase !== 'Draining' && phase !== 'Leaving' && phase !== 'Deleting';
}
