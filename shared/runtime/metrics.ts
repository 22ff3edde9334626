import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The Prometheus metrics of the control plane, on one registry (served on /metrics locally). */
export class Metrics {
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
    help: 'Burst clusters by phase (as of the last health pass).',
    labelNames: ['phase'] as const,
    registers: [this.registry],
  });
  readonly costPerHour = new Gauge({
    name: 'clusterburst_cost_per_hour',
    help: 'Summed cost per hour of live burst clusters.',
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

  /** Also export the process metrics (CPU, memory, event loop), for long-running processes. */
  withProcessMetrics(): this {
    collectDefaultMetrics({ register: this.registry, prefix: 'clusterburst_' });
    return this;
  }
}
