/**
 * Replay a load trace through the production policy on a virtual clock at the trace's
 * resolution, and measure what it bought, what it cost and what it left unserved, beside the
 * oracle's cheapest schedule.
 */
import type { SimulationSettings } from '../config/simulation-schema.ts';
import type { DataTransfer, ProviderOffer } from '../domain/place.ts';
import type { Policy } from '../domain/policy.ts';
import { AlertRule } from './alert-rule.ts';
import { Meter } from './billing.ts';
import { latencySource } from './latency.ts';
import { oracle } from './oracle.ts';
import { POLICY_FUNCTIONS, policyStep } from './policy-step.ts';
import type { Trace } from './trace.ts';
import { WindowMax } from './window-max.ts';
import { World } from './world.ts';

/** Everything a run needs; `homeCapacity` and `loadPerNode` must be set. */
export interface SimulationInput {
  readonly trace: Trace;
  readonly policy: Policy;
  readonly offers: readonly ProviderOffer[];
  /** The services' data transfer (runtime/data-transfer.ts), priced into placement as at runtime. */
  readonly transfer?: DataTransfer;
  readonly settings: SimulationSettings & { readonly homeCapacity: number; readonly loadPerNode: number };
  /** Called every few thousand steps and at the end (progress on a terminal). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** The figures of one run (`--json` prints them). */
export interface Figures {
  /** Node-hours billed (each node's time rounded up to the billing granularity). */
  readonly nodeHours: number;
  /** Control-plane hours billed. */
  readonly clusterHours: number;
  /** Nodes plus control planes, in the price's currency. */
  readonly cost: number;
  /** Load above what home plus serving burst capacity could serve, times minutes. */
  readonly unservedLoadMinutes: number;
  /** Minutes with any unserved load. */
  readonly unservedMinutes: number;
  /** Of those, minutes outside the provisioning latency of the rise that caused them. */
  readonly unservedMinutesBeyondLatency: number;
  readonly clustersCreated: number;
  readonly resizes: number;
  readonly drainsCancelled: number;
  /** Clusters created within the cooldown after a drain. */
  readonly flaps: number;
  readonly oracle: { readonly nodeHours: number; readonly clusterHours: number; readonly cost: number };
  /** cost / oracle.cost; null when the oracle buys nothing and the policy does. */
  readonly costRatioToOracle: number | null;
  readonly steps: number;
  readonly stepSeconds: number;
  /** Most burst nodes the load ever needed. */
  readonly peakNeededNodes: number;
  /** Seconds each billed item is rounded up to. */
  readonly billingGranularitySeconds: number;
  /** The production functions that made the decisions. */
  readonly policyFunctions: string;
}

/** One step of the run, for the plot (capacities in the trace's load unit). */
export interface Sample {
  readonly t: number;
  readonly load: number;
  /** Home plus burst capacity serving. */
  readonly serving: number;
  /** Home plus burst capacity billed (coming, serving or going). */
  readonly bought: number;
  readonly unserved: boolean;
}

/** Figures and per-step samples of one run. */
export interface SimulationResult {
  readonly figures: Figures;
  readonly samples: readonly Sample[];
  readonly homeCapacity: number;
  readonly startsAt?: Date;
}

/**
 * How far back a rise looks: need above its peak of the last half hour is new demand no reactive
 * policy could have had in place. Fixed, so that runs of a sweep are judged alike.
 */
export const RISE_MEMORY_SECONDS = 1800;

/** Where runs of the trace without a wall clock start (any fixed instant would do). */
const EPOCH = Date.UTC(2026, 0, 1);

/** Run the trace through the policy. Deterministic for a given input (seeded latencies). */
export function simulate(input: SimulationInput): SimulationResult {
  const { trace, policy, settings } = input;
  const step = trace.stepSeconds;
  const home = settings.homeCapacity;
  const perNode = settings.loadPerNode;
  const price = (provider: string) =>
    settings.pricePerNodeHour ?? input.offers.find((o) => o.name === provider)?.pricePerNodeHour ?? 0;
  const offers = input.offers.map((o) => ({ ...o, pricePerNodeHour: price(o.name) }));
  const latency = latencySource(settings.latency, settings.seed);
  const granularity = settings.billingGranularitySeconds ?? (policy.billingGranularitySeconds || 1);
  const meter = new Meter(granularity);
  const world = new World(
    trace.startsAt?.getTime() ?? EPOCH,
    latency,
    meter,
    { nodeHour: price, controlPlaneHour: settings.controlPlanePerHour },
    policy.cooldownSeconds,
  );
  const rule = new AlertRule({
    homeCapacity: home,
    loadPerNode: perNode,
    stepSeconds: step,
    ...settings.alert,
  });
  const recentNeed = new WindowMax(Math.ceil(RISE_MEMORY_SECONDS / step));
  const needed = trace.load.map((l) => Math.ceil(Math.max(0, l - home) / perNode - 1e-9));
  const samples: Sample[] = [];
  let unservedLoad = 0;
  let unservedSteps = 0;
  let beyondSteps = 0;
  let excusedUntil = Number.NEGATIVE_INFINITY;
  const total = trace.load.length;
  for (let i = 0; i < total; i++) {
    const t = i * step;
    const now = new Date((trace.startsAt?.getTime() ?? EPOCH) + t * 1000);
    world.advance(t);
    const load = trace.load[i]!;
    const need = needed[i]!;
    // A rise: more nodes needed than at any time in the half hour before. Only the fastest
    // provisioning the fleet then offers is unavoidable; any other shortfall is the policy's.
    if (need > recentNeed.max())
      excusedUntil = Math.max(excusedUntil, t + world.fastestLead(policy.maxNodesPerCluster));
    recentNeed.push(need);
    const delivered = rule.evaluate(now, load);
    if (delivered) world.deliver(delivered, t, policy);
    const actions = policyStep({
      ...(delivered && { delivered }),
      clusters: world.records(),
      policy,
      offers,
      ...(input.transfer && { transfer: input.transfer }),
      now,
    });
    for (const action of actions) world.apply(action, t);
    const serving = world.serving() * perNode;
    const excess = Math.max(0, load - home - serving);
    if (excess > 0) {
      unservedLoad += excess;
      unservedSteps++;
      if (t >= excusedUntil) beyondSteps++;
    }
    samples.push({
      t,
      load,
      serving: home + serving,
      bought: home + world.billedNodes(t) * perNode,
      unserved: excess > 0,
    });
    if (input.onProgress && (i % 2000 === 1999 || i === total - 1)) input.onProgress(i + 1, total);
  }
  world.close(total * step);
  const nominal = (op: Parameters<typeof latency.nominal>[0]) => latency.nominal(op);
  const best = oracle({
    needed,
    stepSeconds: step,
    maxNodesPerCluster: policy.maxNodesPerCluster,
    maxClusters: policy.maxClusters,
    createLead: nominal('create') + nominal('join') + nominal('route'),
    resize: nominal('resize'),
    teardown: nominal('drain') + nominal('delete'),
    nodeHour: Math.min(...offers.map((o) => o.pricePerNodeHour)),
    controlPlaneHour: settings.controlPlanePerHour,
    granularitySeconds: granularity,
  });
  const minutes = step / 60;
  const figures: Figures = {
    nodeHours: round(meter.nodeSeconds / 3600),
    clusterHours: round(meter.clusterSeconds / 3600),
    cost: round(meter.cost),
    unservedLoadMinutes: round(unservedLoad * minutes),
    unservedMinutes: round(unservedSteps * minutes),
    unservedMinutesBeyondLatency: round(beyondSteps * minutes),
    ...world.counts,
    oracle: {
      nodeHours: round(best.nodeHours),
      clusterHours: round(best.clusterHours),
      cost: round(best.cost),
    },
    costRatioToOracle: best.cost > 0 ? round(meter.cost / best.cost) : meter.cost === 0 ? 1 : null,
    steps: total,
    stepSeconds: step,
    peakNeededNodes: needed.reduce((a, b) => Math.max(a, b), 0),
    billingGranularitySeconds: granularity,
    policyFunctions: POLICY_FUNCTIONS,
  };
  return { figures, samples, homeCapacity: home, ...(trace.startsAt && { startsAt: trace.startsAt }) };
}

function round(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}
