import type { BurstCluster } from '../../domain/burst-cluster.ts';
import type { Phase } from '../../domain/lifecycle.ts';
import type { LifecycleEvent } from '../../schemas/lifecycle-event.ts';

/** What `admit` is told to do after it has read every record. */
export type AdmitDecision =
  | { readonly admit: true; readonly record: BurstCluster; readonly events: readonly LifecycleEvent[] }
  | { readonly admit: false; readonly why: string; readonly duplicateOf?: string };

/** What `admit` did. */
export type AdmitResult =
  | { readonly admitted: true; readonly record: BurstCluster }
  | { readonly admitted: false; readonly why: string; readonly duplicateOf?: string };

/** An event waiting in the outbox, with its delivery bookkeeping. */
export interface OutboxEntry {
  readonly event: LifecycleEvent;
  readonly attempts: number;
}

/**
 * Where burst records live. The store is the truth; events only carry ids.
 * - `update` is compare-and-swap on `version` and throws `VersionConflictError` when it lost;
 * - events passed to `create`/`update`/`admit` are written to the outbox atomically with the
 *   record, so a crash between the write and the publish loses nothing.
 */
export interface BurstStore {
  readonly name: string;
  get(id: string): Promise<BurstCluster | undefined>;
  list(query?: { readonly phases?: readonly Phase[] }): Promise<BurstCluster[]>;
  /**
   * Atomically read every record, call the pure `decide` with them, and insert the record it
   * returns (with its events). Serialises admissions, so limits like max clusters hold under
   * concurrency. `decide` must be synchronous and side-effect free; it may run more than once.
   */
  admit(decide: (records: readonly BurstCluster[]) => AdmitDecision): Promise<AdmitResult>;
  /** CAS write: succeeds only if the stored version equals `record.version`; returns it bumped. */
  update(record: BurstCluster, events?: readonly LifecycleEvent[]): Promise<BurstCluster>;
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
