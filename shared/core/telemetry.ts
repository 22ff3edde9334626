import type { BurstCluster } from '../domain/burst-cluster.ts';
import type { ProviderOffer } from '../domain/place.ts';
import type { Policy } from '../domain/policy.ts';

/**
 * What core logs and counts through, as the few methods it calls: the runtime's Powertools
 * logger and prom-client metrics fit these shapes, and core loads neither library, so a test or
 * another runtime can hand in anything that does.
 */

/** Attributes put on a log line as JSON keys. */
export type LogAttributes = Record<string, unknown>;

/** A structured logger (one JSON line per call). */
export interface Logger {
  debug(message: string, ...attributes: LogAttributes[]): void;
  info(message: string, ...attributes: LogAttributes[]): void;
  warn(message: string, ...attributes: LogAttributes[]): void;
  error(message: string, ...attributes: LogAttributes[]): void;
}

/** A counter by label values (prom-client's `Counter` has this method). */
export interface CounterLike<L extends string> {
  inc(labels: Partial<Record<L, string>>, value?: number): void;
}

/** The counters and timers core updates. */
export interface Metrics {
  /** Signals handled, by source and decision. */
  readonly signals: CounterLike<'source' | 'outcome'>;
  /** Failed steps, by step. */
  readonly stepErrors: CounterLike<'step'>;
  /** Scale-down passes that drained nothing because load was unknown. */
  readonly scaleDownSkipped: { inc(): void };
  /** Orphans removed, by kind. */
  readonly orphans: CounterLike<'kind'>;
  /** Time one step: the returned function stops the timer. */
  readonly stepSeconds: { startTimer(labels: { step: string }): () => unknown };
  /** Count a transition the store accepted. Never throws. */
  recordTransition(saved: BurstCluster): void;
  /** Set the fleet gauges from the live records. */
  observeFleet(
    records: readonly BurstCluster[],
    policy: Policy,
    offers: readonly ProviderOffer[],
    now: Date,
  ): void;
}
