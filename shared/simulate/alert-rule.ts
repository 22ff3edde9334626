import type { CapacitySignal } from '../domain/capacity-signal.ts';
import { WindowMax } from './window-max.ts';

/** The alert rule of a simulation, in the trace's load unit. */
export interface AlertRuleSettings {
  readonly homeCapacity: number;
  readonly loadPerNode: number;
  /** Fraction of home capacity above which the condition holds. */
  readonly threshold: number;
  /** How long the condition must hold before the alert fires (Prometheus `for`). */
  readonly forSeconds: number;
  /** Alertmanager's `group_interval`: after the first notification, changes go out at most this often. */
  readonly groupIntervalSeconds: number;
  /** The demand is the highest shortfall over this many seconds (`max_over_time`); 0: the current one. */
  readonly demandWindowSeconds: number;
  /** Seconds between two evaluations (the trace's step). */
  readonly stepSeconds: number;
}

/** The alert group every simulated signal belongs to (one rule, one group). */
export const SIGNAL_KEY = 'simulate/BurstLoad';

/**
 * A Prometheus alerting rule evaluated at every step, as Alertmanager would deliver it:
 * `expr: load > threshold * home`, `for: forSeconds`, label `clusterburst_nodes` holding the
 * nodes that bring the load back to the threshold. Pending while the condition has held less
 * than `for`; firing after; resolved (and pending again from zero) once it no longer holds.
 * The first firing of an episode is notified at once, later changes (new demand, resolved) at
 * most every group interval, as Alertmanager flushes a group.
 */
export class AlertRule {
  private activeSince: number | undefined;
  private firing = false;
  private episode = 0;
  private last: CapacitySignal | undefined;
  private sent: CapacitySignal | undefined;
  private sentAt = Number.NEGATIVE_INFINITY;

  private readonly shortfalls: WindowMax;

  constructor(private readonly settings: AlertRuleSettings) {
    this.shortfalls = new WindowMax(Math.floor(settings.demandWindowSeconds / settings.stepSeconds) + 1);
  }

  /** Evaluate at `now` with the load of that step; returns the notification delivered now, if any. */
  evaluate(now: Date, load: number): CapacitySignal | undefined {
    const state = this.state(now, load);
    if (!state || (state.status === this.sent?.status && state.demand === this.sent?.demand))
      return undefined;
    const first = state.status === 'firing' && this.sent?.status !== 'firing';
    if (!first && now.getTime() - this.sentAt < this.settings.groupIntervalSeconds * 1000) return undefined;
    this.sent = state;
    this.sentAt = now.getTime();
    return state;
  }

  /** The alert as Prometheus holds it after evaluating at `now`. */
  private state(now: Date, load: number): CapacitySignal | undefined {
    const { homeCapacity, loadPerNode, threshold, forSeconds } = this.settings;
    const limit = threshold * homeCapacity;
    const t = now.getTime();
    this.shortfalls.push(Math.max(0, Math.ceil((load - limit) / loadPerNode)));
    if (load > limit) {
      this.activeSince ??= t;
      if (t - this.activeSince >= forSeconds * 1000) {
        if (!this.firing) this.episode++;
        this.firing = true;
        const nodes = Math.max(1, this.shortfalls.max());
        this.last = this.signal(
          'firing',
          now,
          nodes,
          `load ${round(load)} > ${round(limit)} for ${forSeconds}s`,
        );
      }
    } else {
      this.activeSince = undefined;
      if (this.firing) {
        this.firing = false;
        const nodes = this.last?.demand ?? 0;
        this.last = this.signal('resolved', now, nodes, `load ${round(load)} <= ${round(limit)}`);
      }
    }
    return this.last;
  }

  private signal(status: 'firing' | 'resolved', now: Date, nodes: number, summary: string): CapacitySignal {
    return {
      source: 'alertmanager',
      status,
      signalKey: SIGNAL_KEY,
      dedupeKey: `${SIGNAL_KEY}#${this.episode}`,
      labels: { alertname: 'BurstLoad', clusterburst_nodes: String(nodes) },
      summary,
      // Alertmanager's startsAt / endsAt: when the episode fired, or when it resolved.
      at: status === 'firing' && this.last?.status === 'firing' ? this.last.at : now.toISOString(),
      demand: nodes,
    };
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
