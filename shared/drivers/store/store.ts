import type { BurstCluster } from '../../domain/burst-cluster.ts';
import { isLive, type Phase } from '../../domain/lifecycle.ts';
import type { LifecycleEvent } from '../../schemas/lifecycle-event.ts';

/** A compare-and-swap write that an admission carries out together with its insert. */
export interface AdmitClose {
  /** The record as it is to be written; its `version` is the stored one it replaces. */
  readonly record: BurstCluster;
  readonly events: readonly LifecycleEvent[];
}

/** What `admit` is told to do after it has read the records admission needs. */
/** Admission's pure decision over the records it read (the live ones and the signal's). */
export type Decide = (records: readonly BurstCluster[]) => AdmitDecision;

export type AdmitDecision =
  | {
      readonly admit: true;
      readonly record: BurstCluster;
      readonly events: readonly LifecycleEvent[];
      /**
       * A record to close in the same admission (a burst replaced after a quota error, so the
       * two never count together against max clusters and the budget). SQLite writes both in
       * one transaction; stores without multi-item transactions write the close right after
       * the insert, so only a crash between the two leaves both live, until the replaced
       * burst's next step finds its replacement and closes it.
       */
      readonly close?: AdmitClose;
    }
  | { readonly admit: false; readonly why: string; readonly duplicateOf?: string };

/** What `admit` did. */
export type AdmitResult =
  | { readonly admitted: true; readonly record: BurstCluster; readonly closed?: BurstCluster }
  | { readonly admitted: false; readonly why: string; readonly duplicateOf?: string };

/** An event waiting in the outbox, with its delivery bookkeeping. */
export interface OutboxEntry {
  readonly event: LifecycleEvent;
  readonly attempts: number;
}

/**
 * Which records `list` returns; fields combine with AND. Every store answers these by query
 * (an index, a label selector), so their cost follows what is live, not the whole history.
 */
export interface RecordQuery {
  /** Only live records (not Deleted or Failed). */
  readonly live?: boolean;
  /** Only records in one of these phases. */
  readonly phases?: readonly Phase[];
  /** Only records of this signal (`reason.signalKey`), live or ended. */
  readonly signalKey?: string;
}

/** One page of `page`. */
export interface RecordPage {
  readonly records: readonly BurstCluster[];
  /** Pass to the next `page` call; absent on the last page. */
  readonly next?: string;
}

/** Default retention of ended records: longer than any cooldown. */
export const DEFAULT_RETENTION_SECONDS = 7 * 24 * 3600;

/**
 * Where burst records live. The store is the truth; events only carry ids.
 * - `update` is compare-and-swap on `version` and throws `VersionConflictError` when it lost;
 * - events passed to `update`/`admit` are written to the outbox atomically with the record, so
 *   a crash between the write and the publish loses nothing;
 * - ended records are kept for the store's retention, then `prune` removes them.
 */
export interface BurstStore {
  readonly name: string;
  get(id: string): Promise<BurstCluster | undefined>;
  /** The records matching `query` (every record when empty: prefer a query or `page`). */
  list(query?: RecordQuery): Promise<BurstCluster[]>;
  /** Every record once across pages, at most `limit` a page, in a store-defined stable order. */
  page(options: { readonly limit: number; readonly cursor?: string }): Promise<RecordPage>;
  /**
   * Atomically read the live records plus every record of `signalKey` (live or ended: cooldown
   * and duplicates look at those), call the pure `decide` with them, and insert the record it
   * returns (with its events). Serialises admissions, so limits like max clusters hold under
   * concurrency. `decide` must be synchronous and side-effect free; it may run more than once.
   */
  admit(signalKey: string, decide: Decide): Promise<AdmitResult>;
  /** CAS write: succeeds only if the stored version equals `record.version`; returns it bumped. */
  update(record: BurstCluster, events?: readonly LifecycleEvent[]): Promise<BurstCluster>;
  /**
   * Remove records that ended (Deleted or Failed) more than the retention ago and have nothing
   * left in the outbox; returns how many. Idempotent; safe to run from every reconcile pass.
   */
  prune(): Promise<number>;
  /** Outbox entries not yet acknowledged, oldest first. */
  pendingEvents(limit: number): Promise<OutboxEntry[]>;
  /** Remove delivered events from the outbox. */
  ackEvents(ids: readonly string[]): Promise<void>;
  /** Count a failed delivery attempt. */
  nackEvent(id: string): Promise<void>;
  /** Called after each committed write that added events (lets the in-process bus wake up). */
  onEvents?(listener: () => void): void;
  close(): Promise<void>;
}

/** Whether `record` matches `query` (stores use it to check what an index may over-return). */
export function matchesQuery(record: BurstCluster, query: RecordQuery): boolean {
  if (query.live && !isLive(record.phase)) return false;
  if (query.phases && !query.phases.includes(record.phase)) return false;
  if (query.signalKey !== undefined && record.reason.signalKey !== query.signalKey) return false;
  return true;
}
