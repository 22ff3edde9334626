import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { SignalOutcome } from '../core/handle-signal.ts';
import type { Metrics as CoreMetrics } from '../core/telemetry.ts';
import { type BurstCluster, phaseEnteredAt } from '../domain/burst-cluster.ts';
import type { SignalSource } from '../domain/capacity-signal.ts';
import { isLive, PHASES } from '../domain/lifecycle.ts';
import { phaseDeadlineSeconds } from '../domain/phase-deadline.ts';
import type { ProviderOffer } from '../domain/place.ts';
import type { Policy } from '../domain/policy.ts';

// Every label value a counter can take, so each series exists at 0 before its first event
// (a rate over a series that appears at 1 misses that 1; a dashboard panel would be empty).
// Records, so that a new source or outcome fails to compile until it is listed here.
const SOURCES: Record<SignalSource, true> = {
  alertmanager: true,
  cloudwatch: true,
  gcp: true,
  manual: true,
  schedule: true,
};
const OUTCOMES: Record<SignalOutcome['decision'], true> = {
  burst: true,
  duplicate: true,
  refused: true,
  ignored: true,
  resolved: true,
};

const LIVE_PHASES = PHASES.filter(isLive);

// The phases a manual burst's time to live ends: before Draining, the teardown has not begun.
const BEFORE_TEARDOWN = new Set<string>(['Requested', 'Provisioning', 'Ready', 'Joined', 'Active']);

/**
 * When (Unix ms) the burst must have left its current phase: entry into the phase plus the
 * phase's own deadline (phase-deadline.ts, the bound the steps enforce), the drain timeout for
 * Draining, and, from Requested to Active, the time to live if it comes first. NaN for a phase
 * with none. A burst still in the phase well after it is stuck (alert `ClusterburstBurstPastDeadline`).
 */
function phaseDeadline(record: BurstCluster, policy: Policy, provisioningDeadlineSeconds: number): number {
  const entered = Date.parse(phaseEnteredAt(record));
  const seconds = phaseDeadlineSeconds(policy, record.phase, provisioningDeadlineSeconds);
  const bound =
    record.phase === 'Draining'
      ? Date.parse(record.teardown.drainStartedAt ?? phaseEnteredAt(record)) +
        policy.drainTimeoutSeconds * 1000
      : seconds === undefined
        ? Number.NaN
        : entered + seconds * 1000;
  const ttl = BEFORE_TEARDOWN.has(record.phase) ? Date.parse(record.expiresAt ?? '') : Number.NaN;
  // Math.min would turn a missing bound (NaN) into NaN; the earlier of those that exist.
  const known = [bound, ttl].filter(Number.isFinite);
  return known.length ? Math.min(...known) : Number.NaN;
}

/** The Prometheus metrics of the control plane, on one registry (served on /metrics locally). */
export class Metrics implements CoreMetrics {
  readonly registry = new Registry();
  readonly signals = new Counter({
    name: 'clusterburst_signals_total',
    help: 'Capacity signals received, by source and outcome.',
    labelNames: ['source', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly transitions = new Counter({
    name: 'clusterburst_transitions_total',
    help: 'Lifecycle transitions written, by target phase.',
    labelNames: ['phase'] as const,
    registers: [this.registry],
  });
  readonly stepErrors = new Counter({
    name: 'clusterburst_step_errors_total',
    help: 'Lifecycle steps that failed, by step.',
    labelNames: ['step'] as const,
    registers: [this.registry],
  });
  readonly clusters = new Gauge({
    name: 'clusterburst_clusters',
    help: 'Live burst clusters by phase (as of the last health pass).',
    labelNames: ['phase'] as const,
    registers: [this.registry],
  });
  readonly costPerHour = new Gauge({
    name: 'clusterburst_cost_per_hour',
    help: 'Summed cost per hour of live burst clusters.',
    registers: [this.registry],
  });
  readonly budgetPerHour = new Gauge({
    name: 'clusterburst_budget_per_hour',
    help: "The policy's hourly budget: admission refuses a burst that would take clusterburst_cost_per_hour above it.",
    registers: [this.registry],
  });
  readonly maxClusters = new Gauge({
    name: 'clusterburst_max_clusters',
    help: "The policy's cap on live burst clusters.",
    registers: [this.registry],
  });
  // Per-burst series: only live bursts (at most maxClusters), dropped once a burst has ended.
  readonly burstCostPerHour = new Gauge({
    name: 'clusterburst_burst_cost_per_hour',
    help: 'Cost per hour of each live burst cluster (as of the last health pass).',
    labelNames: ['burst_id', 'provider'] as const,
    registers: [this.registry],
  });
  readonly burstCost = new Gauge({
    name: 'clusterburst_burst_cost',
    help: 'Cost accrued by each live burst since it was requested, in the budget currency (as of the last health pass).',
    labelNames: ['burst_id', 'provider'] as const,
    registers: [this.registry],
  });
  readonly burstDeadline = new Gauge({
    name: 'clusterburst_burst_deadline_timestamp_seconds',
    help: 'When each live burst should have left its phase (its phase deadline, the drain timeout, or the time to live if earlier), for phases that have one.',
    labelNames: ['burst_id', 'phase'] as const,
    registers: [this.registry],
  });
  readonly timeToActive = new Histogram({
    name: 'clusterburst_time_to_active_seconds',
    help: 'Time from the alarm admitted (Requested) to traffic routed (Active), per burst.',
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600],
    registers: [this.registry],
  });
  readonly http = new Counter({
    name: 'clusterburst_http_requests_total',
    help: 'HTTP requests, by route and status code.',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });
  readonly authRefused = new Counter({
    name: 'clusterburst_auth_refused_total',
    help: 'Requests refused for missing or wrong credentials.',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });
  readonly scaleDownSkipped = new Counter({
    name: 'clusterburst_scale_down_skipped_total',
    help: 'Scale-down passes that drained nothing because the load was unknown.',
    registers: [this.registry],
  });
  readonly orphans = new Counter({
    name: 'clusterburst_orphans_cleaned_total',
    help: 'Resources owned by us without a live record, cleaned up by reconcile.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly deadLetters = new Counter({
    name: 'clusterburst_dead_letters_total',
    help: 'Lifecycle events given up after every delivery attempt failed.',
    registers: [this.registry],
  });
  readonly stepSeconds = new Histogram({
    name: 'clusterburst_step_duration_seconds',
    help: 'Duration of lifecycle steps.',
    labelNames: ['step'] as const,
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [this.registry],
  });

  constructor() {
    for (const source of Object.keys(SOURCES) as SignalSource[])
      for (const outcome of Object.keys(OUTCOMES) as SignalOutcome['decision'][])
        this.signals.inc({ source, outcome }, 0);
    for (const phase of PHASES) this.transitions.inc({ phase }, 0);
  }

  /**
   * Count a transition the store accepted; a burst entering Active gives its time to Active.
   * Never throws: it runs after the write, where an error would fail a step that succeeded.
   */
  recordTransition(saved: BurstCluster): void {
    this.transitions.inc({ phase: saved.phase });
    if (saved.phase !== 'Active') return;
    const seconds = (Date.parse(phaseEnteredAt(saved)) - Date.parse(saved.createdAt)) / 1000;
    if (Number.isFinite(seconds) && seconds >= 0) this.timeToActive.observe(seconds);
  }

  /**
   * Set the fleet gauges from every record in the store (the health pass calls it): bursts by
   * phase, cost against the budget, and the per-burst series of the live bursts only.
   */
  observeFleet(
    records: readonly BurstCluster[],
    policy: Policy,
    offers: readonly ProviderOffer[],
    now: Date,
  ): void {
    // Live phases only: ended records are history, not the fleet (and a store may not list them).
    const live = records.filter((r) => isLive(r.phase));
    for (const phase of LIVE_PHASES)
      this.clusters.set({ phase }, live.filter((r) => r.phase === phase).length);
    this.costPerHour.set(live.reduce((sum, r) => sum + r.costPerHour, 0));
    this.budgetPerHour.set(policy.hourlyBudget);
    this.maxClusters.set(policy.maxClusters);
    // Reset, then set (synchronously, so no scrape sees the gap): a burst that ended since the
    // last pass leaves no series behind.
    this.burstCostPerHour.reset();
    this.burstCost.reset();
    this.burstDeadline.reset();
    for (const r of live) {
      const labels = { burst_id: r.id, provider: r.provider };
      this.burstCostPerHour.set(labels, r.costPerHour);
      const hours = Math.max(0, now.getTime() - Date.parse(r.createdAt)) / 3_600_000;
      if (Number.isFinite(hours)) this.burstCost.set(labels, r.costPerHour * hours);
      const provisioning =
        offers.find((o) => o.name === r.provider)?.provisioningDeadlineSeconds ??
        policy.provisioningDeadlineSeconds;
      const deadline = phaseDeadline(r, policy, provisioning);
      if (Number.isFinite(deadline))
        this.burstDeadline.set({ burst_id: r.id, phase: r.phase }, deadline / 1000);
    }
  }

  /** Also export the process metrics (CPU, memory, event loop), for long-running processes. */
  withProcessMetrics(): this {
    collectDefaultMetrics({ register: this.registry, prefix: 'clusterburst_' });
    return this;
  }
}
