import type { CapacityAction } from './capacity-plan.ts';
import { isLive, type Phase } from './lifecycle.ts';
import { type DataTransfer, nodeHourPrice, type ProviderOffer, place } from './place.ts';
import { planRelease } from './plan-release.ts';
import type { Policy } from './policy.ts';
import type { SignalWant, WantedCapacity } from './wanted-capacity.ts';

/** One burst cluster as the planner sees it (see `actualCluster` for a stored record's view). */
export interface ActualCluster {
  readonly id: string;
  /** The signal it serves; absent for a warm standby cluster. */
  readonly signalKey?: string;
  readonly phase: Phase;
  /** Node pool size: `desired` as last asked (counted as capacity), `current` as the provider reports. */
  readonly nodes: { readonly current?: number; readonly desired: number };
  /** ISO-8601 creation time (minimum lifetime, billing periods). */
  readonly createdAt: string;
  /** ISO-8601 time it first became Active. */
  readonly activeSince?: string;
  /** A warm standby cluster: joined and cordoned, serving nothing until a burst takes it. */
  readonly warm: boolean;
  /** What it costs per hour now, in the budget's currency. */
  readonly costPerHour: number;
  readonly provider: string;
  readonly region: string;
  /** A resize of its node pool runs: the plan does not shrink it until it settles. */
  readonly resizing?: boolean;
  /** Why it may not grow (its last resize failed at the provider): new capacity goes elsewhere. */
  readonly noGrow?: string;
  /**
   * Why the planner must not take it away or hand it to another signal (a manual burst without
   * time to live, a teardown an operator asked for, load that says it is busy). It may still grow.
   */
  readonly locked?: string;
}

/** Everything `planCapacity` looks at; plain data, so a plan can be replayed and shown. */
export interface PlanInput {
  /** From `wantedCapacity`. */
  readonly wanted: WantedCapacity;
  /** Every live cluster (ended ones are ignored). */
  readonly clusters: readonly ActualCluster[];
  readonly policy: Policy;
  readonly offers: readonly ProviderOffer[];
  readonly now: Date;
  /** The services' data transfer: creates price it in and prefer where the data lives (place.ts). */
  readonly transfer?: DataTransfer;
}

/** Phases in which a cluster is (or is becoming) capacity for its signal. */
const SERVING: readonly Phase[] = ['Requested', 'Provisioning', 'Ready', 'Joined', 'Active'];

/**
 * The actions that move actual burst capacity towards the wanted one, each with its why: for a
 * signal short of capacity, cancel a drain, grow an Active cluster up to `maxNodesPerCluster`,
 * take a warm standby cluster, and only then create one; for a signal with too much, shrink node
 * pools before draining clusters, past the minimum lifetime, the stabilisation window, the delay
 * after a scale-up and near the end of a paid billing period (plan-release.ts); then keep
 * `warmClusters` warm ones. Max clusters, max nodes per cluster and the hourly budget bound
 * every action; no cooldown ever holds back capacity on the way up. A cluster whose resize runs,
 * or one not yet Active, counts at its desired size, so a repeated signal plans nothing.
 * @example
 * planCapacity({ wanted, clusters: [], policy, offers, now })
 * // [{ kind: 'create', provider: 'aws', region: 'eu-west-1', nodes: 4, signalKey: 'g', why: '...' }]
 */
export function planCapacity(input: PlanInput): CapacityAction[] {
  const { policy } = input;
  const live = input.clusters.filter((c) => isLive(c.phase));
  const ledger = new Ledger(live, input);
  const actions: CapacityAction[] = [];
  const wants = new Map(input.wanted.signals.map((w) => [w.signalKey, w]));
  const wantOf = (key: string | undefined) => (key === undefined ? 0 : (wants.get(key)?.nodes ?? 0));
  // Draining clusters their own signal does not need (it has what it wants without them) may be
  // handed to another signal's shortfall.
  const servingOf = (key: string | undefined) =>
    sum(live.filter((c) => c.signalKey === key && !c.warm && SERVING.includes(c.phase)));
  const spareDraining = live.filter(
    (c) =>
      c.phase === 'Draining' &&
      !c.warm &&
      !c.locked &&
      !c.resizing &&
      servingOf(c.signalKey) >= wantOf(c.signalKey),
  );
  const warm = live.filter((c) => c.warm && SERVING.includes(c.phase));
  for (const want of input.wanted.signals) {
    const own = live.filter((c) => c.signalKey === want.signalKey && !c.warm);
    let short = shortfall(want, own);
    if (short <= 0) continue;
    const step = (action: CapacityAction, nodes: number) => {
      actions.push(action);
      short -= nodes;
    };
    // 1. A drain of its own, or one nobody wants any more: the cluster is there, paid and joined.
    const draining = [
      ...own.filter((c) => c.phase === 'Draining' && !c.locked && !c.resizing),
      ...spareDraining.filter((c) => c.signalKey !== want.signalKey),
    ].sort(byOldest);
    const cancelled: ActualCluster[] = [];
    for (const c of draining) {
      if (short <= 0) break;
      cancelled.push(c);
      const i = spareDraining.indexOf(c);
      if (i >= 0) spareDraining.splice(i, 1);
      const mine = c.signalKey === want.signalKey;
      step(
        {
          kind: 'cancelDrain',
          burstId: c.id,
          ...(!mine && { signalKey: want.signalKey }),
          why: `demand returned: drain cancelled (${want.why}; ${c.nodes.desired} node(s) back${mine ? '' : `, taken from ${c.signalKey ?? 'no signal'}`})`,
        },
        c.nodes.desired,
      );
    }
    // 2. Grow its Active (or Joined: a drain just cancelled) clusters, cheapest node first:
    //    minutes instead of a new cluster.
    const growable = [...own, ...cancelled.filter((c) => !own.includes(c))]
      // One whose resize runs may grow too: the provider takes the new size once it settled;
      // a drain just cancelled grows once it is Joined again.
      .filter((c) => !c.warm)
      .map((c) => (cancelled.includes(c) ? { ...c, phase: 'Joined' as const } : c))
      .filter(
        (c) =>
          (c.phase === 'Active' || c.phase === 'Joined') &&
          c.nodes.desired < policy.maxNodesPerCluster &&
          !c.noGrow,
      )
      .sort((a, b) => ledger.pricePerNode(a) - ledger.pricePerNode(b) || byOldest(a, b));
    for (const c of growable) {
      if (short <= 0) break;
      const add = ledger.affordable(
        Math.min(short, policy.maxNodesPerCluster - c.nodes.desired),
        ledger.pricePerNode(c),
      );
      if (add <= 0) continue;
      ledger.spend(add * ledger.pricePerNode(c));
      const nodes = c.nodes.desired + add;
      const limit = add < short ? limitWhy(nodes, policy) : '';
      step(
        {
          kind: 'grow',
          burstId: c.id,
          nodes,
          why: `${want.why}: grow ${c.id} from ${c.nodes.desired} to ${nodes} node(s)${limit}`,
        },
        add,
      );
    }
    // 3. A warm standby cluster, ready and joined: only its node pool has to grow.
    for (const c of [...warm].sort((a, b) => phaseRank(b.phase) - phaseRank(a.phase) || byOldest(a, b))) {
      if (short <= 0) break;
      const price = ledger.pricePerNode(c);
      const extra = ledger.affordable(
        Math.max(0, Math.min(short, policy.maxNodesPerCluster) - c.nodes.desired),
        price,
      );
      const nodes = Math.max(1, c.nodes.desired + extra);
      ledger.spend((nodes - c.nodes.desired) * price);
      warm.splice(warm.indexOf(c), 1);
      step(
        {
          kind: 'takeWarm',
          burstId: c.id,
          nodes,
          signalKey: want.signalKey,
          why: `${want.why}: take warm standby ${c.id} at ${nodes} node(s)`,
        },
        nodes,
      );
    }
    // 4. New clusters, each at most maxNodesPerCluster, while max clusters and the budget allow.
    while (short > 0) {
      const created = ledger.create(want, Math.min(short, policy.maxNodesPerCluster));
      if (!created.ok) break;
      step(created.action, created.action.nodes);
    }
  }
  actions.push(...planRelease(input, live, wantOf));
  actions.push(...planWarm(input, warm, ledger));
  return actions;
}

/**
 * The nodes a signal is short of: what it wants less what its own clusters (not warm standbys)
 * have or will have once provisioned. The plan adds capacity for a signal only while this is
 * above 0, so a repeat of a signal its clusters cover needs no plan to be answered.
 */
export function shortfall(want: SignalWant | undefined, clusters: readonly ActualCluster[]): number {
  if (!want) return 0;
  const own = clusters.filter((c) => c.signalKey === want.signalKey && !c.warm && SERVING.includes(c.phase));
  return want.nodes - sum(own);
}

/** Keep `warmClusters` warm standby clusters: create what is missing (after demand), drain extras. */
function planWarm(input: PlanInput, untaken: readonly ActualCluster[], ledger: Ledger): CapacityAction[] {
  const { policy } = input;
  const actions: CapacityAction[] = [];
  const kept = untaken.length;
  for (let n = kept; n < policy.warmClusters; n++) {
    const created = ledger.create(undefined, policy.warmNodes);
    if (!created.ok) break;
    actions.push(created.action);
  }
  const extra = untaken
    .filter((c) => !c.locked)
    .sort(byOldest)
    .reverse();
  for (const c of extra.slice(0, Math.max(0, kept - policy.warmClusters))) {
    actions.push({
      kind: 'drain',
      burstId: c.id,
      why: `more warm standby clusters than policy.warmClusters (${policy.warmClusters})`,
    });
  }
  return actions;
}

/** The running totals one plan spends against: live clusters per provider and cost per hour. */
class Ledger {
  #count: number;
  #cost: number;
  readonly #byProvider: Record<string, number> = {};
  readonly #input: PlanInput;

  constructor(live: readonly ActualCluster[], input: PlanInput) {
    this.#input = input;
    this.#count = live.length;
    this.#cost = live.reduce((s, c) => s + c.costPerHour, 0);
    for (const c of live) this.#byProvider[c.provider] = (this.#byProvider[c.provider] ?? 0) + 1;
  }

  /**
   * The price of one more node of `c`: its provider's offer with the data transfer (as placement
   * priced it), else what it costs per node now.
   */
  pricePerNode(c: ActualCluster): number {
    const offer = this.#input.offers.find((o) => o.name === c.provider);
    if (offer) return nodeHourPrice(offer, this.#input.transfer, c.region);
    return c.costPerHour / Math.max(1, c.nodes.desired);
  }

  /** How many of `nodes` at `price` the hourly budget still pays for. */
  affordable(nodes: number, price: number): number {
    if (price <= 0) return nodes;
    const left = this.#input.policy.hourlyBudget - this.#cost;
    return Math.max(0, Math.min(nodes, Math.floor(left / price + 1e-9)));
  }

  spend(cost: number): void {
    this.#cost += cost;
  }

  /** A create for `want` (a warm one without), shrunk to what the budget pays for, or why not. */
  create(
    want: SignalWant | undefined,
    asked: number | undefined,
  ): { ok: true; action: Extract<CapacityAction, { kind: 'create' }> } | { ok: false; why: string } {
    const { policy, offers } = this.#input;
    if (this.#count >= policy.maxClusters)
      return { ok: false, why: `max clusters (${policy.maxClusters}) reached` };
    const placement = place(offers, {
      nodes: 1,
      provider: want?.hints?.provider,
      region: want?.hints?.region,
      liveByProvider: this.#byProvider,
      ...(this.#input.transfer && { transfer: this.#input.transfer }),
    });
    if (!placement.ok) return placement;
    const offer = offers.find((o) => o.name === placement.provider)!;
    // A create is all or nothing: a cluster cut to fit the budget pays a control plane for little.
    const nodes = asked ?? offer.minNodes ?? 1;
    // placement priced one node, data transfer included.
    const costPerHour = round(placement.costPerHour * nodes);
    if (this.#cost + costPerHour > policy.hourlyBudget + 1e-9)
      return { ok: false, why: `hourly budget ${policy.hourlyBudget} reached` };
    this.#count++;
    this.#cost += costPerHour;
    this.#byProvider[offer.name] = (this.#byProvider[offer.name] ?? 0) + 1;
    const where = placement.why.replace(/^(\S+) is the cheapest/, '$1: cheapest');
    const action = {
      kind: 'create' as const,
      provider: placement.provider,
      region: placement.region,
      nodes,
      costPerHour,
      ...(want ? { signalKey: want.signalKey } : { warm: true }),
      why: want
        ? `${want.why}: create ${nodes} node(s)${nodes >= policy.maxNodesPerCluster ? ` (max ${policy.maxNodesPerCluster} per cluster)` : ''}; ${where}`
        : `keep ${policy.warmClusters} warm standby cluster(s): create one of ${nodes} node(s); ${where}`,
    };
    return { ok: true, action };
  }
}

/** Why a grow stopped short of the signal's want: the cluster's cap, or the budget. */
function limitWhy(nodes: number, policy: Policy): string {
  return nodes >= policy.maxNodesPerCluster
    ? ` (max ${policy.maxNodesPerCluster} per cluster)`
    : ` (the hourly budget ${policy.hourlyBudget} pays for no more)`;
}

function sum(clusters: readonly ActualCluster[]): number {
  return clusters.reduce((s, c) => s + c.nodes.desired, 0);
}

function byOldest(a: ActualCluster, b: ActualCluster): number {
  return a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);
}

/** Warm clusters further along are taken first (Joined before one still provisioning). */
function phaseRank(phase: Phase): number {
  return SERVING.indexOf(phase);
}

function round(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}
