import type { PlacementHints } from './capacity-signal.ts';
import type { Policy } from './policy.ts';

/** One current signal as the wanted-capacity decision sees it. */
export interface SignalState {
  /** Identity of the alarm condition (several clusters may serve one). */
  readonly signalKey: string;
  readonly status: 'firing' | 'resolved';
  /** Burst nodes the signal asks for; absent: the policy's default step (`nodesPerCluster`). */
  readonly demand?: number;
  /** ISO-8601 time the signal resolved (status `resolved`); absent counts as resolved long ago. */
  readonly resolvedAt?: string;
  /** Where new capacity for it should go, if the signal says. */
  readonly hints?: Pick<PlacementHints, 'provider' | 'region'>;
}

/** What one signal wants, with the why. */
export interface SignalWant {
  readonly signalKey: string;
  readonly nodes: number;
  readonly hints?: Pick<PlacementHints, 'provider' | 'region'>;
  readonly why: string;
}

/** The burst capacity wanted now: the sum of every signal's want, each with its why. */
export interface WantedCapacity {
  readonly nodes: number;
  /** One entry per signal key, in the order first given; a signal wanting 0 is listed too. */
  readonly signals: readonly SignalWant[];
  readonly why: string;
}

/** Everything `wantedCapacity` looks at. */
export interface WantedInput {
  /** Every current signal; a later entry of the same key replaces an earlier one. */
  readonly signals: readonly SignalState[];
  readonly policy: Pick<Policy, 'nodesPerCluster' | 'scaleDownWindowSeconds'>;
  readonly now: Date;
}

/**
 * The burst nodes wanted from all current signals (level-triggered, like HPA's desired
 * replicas): a firing signal wants its demand, or the policy's default step when it carries
 * none; a resolved one keeps wanting its last demand for the scale-down window after it
 * resolved (the stabilisation that stops flapping on the way down), then nothing.
 * @example
 * wantedCapacity({ signals: [{ signalKey: 'g', status: 'firing', demand: 4 }], policy, now }).nodes // 4
 */
export function wantedCapacity(input: WantedInput): WantedCapacity {
  const { policy, now } = input;
  const latest = new Map<string, SignalState>();
  for (const s of input.signals) latest.set(s.signalKey, s);
  const signals = [...latest.values()].map((s) => want(s, policy, now));
  const nodes = signals.reduce((sum, s) => sum + s.nodes, 0);
  const wanting = signals.filter((s) => s.nodes > 0);
  const why = wanting.length
    ? `${nodes} burst node(s) wanted: ${wanting.map((s) => `${s.signalKey} ${s.nodes}`).join(', ')}`
    : 'no burst capacity wanted: no signal fires or resolved within the scale-down window';
  return { nodes, signals, why };
}

function want(s: SignalState, policy: WantedInput['policy'], now: Date): SignalWant {
  const asked = s.demand === undefined ? policy.nodesPerCluster : Math.max(0, Math.ceil(s.demand));
  const source =
    s.demand === undefined
      ? `the default step of ${policy.nodesPerCluster} node(s)`
      : `a demand of ${asked} node(s)`;
  const hints =
    s.hints && (s.hints.provider !== undefined || s.hints.region !== undefined) ? s.hints : undefined;
  const base = { signalKey: s.signalKey, ...(hints && { hints }) };
  if (s.status === 'firing') return { ...base, nodes: asked, why: `${s.signalKey} fires with ${source}` };
  const resolved = s.resolvedAt === undefined ? Number.NaN : Date.parse(s.resolvedAt);
  const until = resolved + policy.scaleDownWindowSeconds * 1000;
  if (Number.isFinite(until) && now.getTime() < until) {
    return {
      ...base,
      nodes: asked,
      why: `${s.signalKey} resolved at ${s.resolvedAt}; its ${asked} node(s) are kept until the ${policy.scaleDownWindowSeconds}s scale-down window ends at ${new Date(until).toISOString()}`,
    };
  }
  return {
    ...base,
    nodes: 0,
    why: `${s.signalKey} resolved${s.resolvedAt ? ` at ${s.resolvedAt}` : ''}, more than the ${policy.scaleDownWindowSeconds}s scale-down window ago`,
  };
}
