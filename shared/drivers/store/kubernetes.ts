import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { BurstCluster } from '../../domain/burst-cluster.ts';
import { isLive } from '../../domain/lifecycle.ts';
import { DriverError, NotFoundError, VersionConflictError } from '../../errors.ts';
import type { LifecycleEvent } from '../../schemas/lifecycle-event.ts';
import { retryContended } from './contention.ts';
import { FleetLock, type FleetState } from './kubernetes-fleet-lock.ts';
import {
  assertSameIdentity,
  enqueue,
  objectFor,
  SETTLED_LABEL,
  SIGNAL_KEY_LABEL,
  type StoredBurst,
  type StoredOutboxEntry,
  signalKeyLabel,
} from './kubernetes-mapping.ts';
import { BurstRecords } from './kubernetes-records.ts';
import {
  type AdmitResult,
  type BurstStore,
  DEFAULT_RETENTION_SECONDS,
  type Decide,
  matchesQuery,
  type OutboxEntry,
  type RecordPage,
  type RecordQuery,
} from './store.ts';

/** Options of the `kubernetes` store. */
export interface KubernetesStoreOptions {
  /** Client configuration for the cluster holding the records (the federation control plane). */
  readonly kubeConfig: KubeConfig;
  /** Namespace of the BurstCluster objects and the fleet lock. @default 'clusterburst-system' */
  readonly namespace?: string;
  /** Name of the ConfigMap used as the admission lock. @default 'clusterburst-fleet' */
  readonly fleetConfigMap?: string;
  /** See only records with this owner label (several installations sharing one namespace). @default all */
  readonly owner?: string;
  /** How long ended records are kept before `prune` deletes them. @default 7 days */
  readonly retentionSeconds?: number;
  /** Attempts before a write that keeps conflicting gives up (retryably). @default 25 */
  readonly maxAttempts?: number;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

const DRIVER = 'kubernetes';
const EVENT_BURST_ID = /^(b-[0-9a-f]{12}):/;
/** Records that may still change: live ones, and ended ones with events to deliver. */
const UNSETTLED = `!${SETTLED_LABEL}`;

/** A compare-and-swap lost to a concurrent writer: read again and retry. */
class Conflict extends Error {}
const isConflict = (error: unknown) => error instanceof Conflict;

/**
 * The store on Kubernetes: one `BurstCluster` custom resource per record on the federation
 * control plane, so operators can `kubectl get burstclusters`. Compare-and-swap uses
 * metadata.resourceVersion as the precondition and `status.version` as the record's version;
 * the outbox lives in `status.outbox`, written in the same request as the record. Admissions
 * are serialised by a ConfigMap fleet lock (see FleetLock). Queries are label selectors: the
 * signal key's hash (set at creation) and `settled` (set once a record ended with an empty
 * outbox; a label cannot be written in the status request, so it lags and is healed on read).
 * @example
 * const store = new KubernetesStore({ kubeConfig, namespace: 'clusterburst-system' });
 */
export class KubernetesStore implements BurstStore {
  readonly name = 'kubernetes';
  readonly #fleet: FleetLock;
  readonly #records: BurstRecords;
  readonly #namespace: string;
  readonly #owner: string | undefined;
  readonly #maxAttempts: number;
  readonly #retentionMs: number;
  readonly #now: () => Date;
  readonly #listeners: (() => void)[] = [];

  constructor(options: KubernetesStoreOptions) {
    this.#namespace = options.namespace ?? 'clusterburst-system';
    this.#owner = options.owner;
    this.#maxAttempts = options.maxAttempts ?? 25;
    this.#retentionMs = (options.retentionSeconds ?? DEFAULT_RETENTION_SECONDS) * 1000;
    this.#now = options.now ?? (() => new Date());
    this.#records = new BurstRecords(
      options.kubeConfig.makeApiClient(CustomObjectsApi),
      this.#namespace,
      this.#owner,
    );
    const core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.#fleet = new FleetLock(
      core,
      this.#namespace,
      options.fleetConfigMap ?? 'clusterburst-fleet',
      this.#owner,
    );
  }

  async get(id: string): Promise<BurstCluster | undefined> {
    return (await this.#records.fetch(id))?.record;
  }

  async list(query: RecordQuery = {}): Promise<BurstCluster[]> {
    const selector: string[] = [];
    if (query.signalKey !== undefined)
      selector.push(`${SIGNAL_KEY_LABEL}=${signalKeyLabel(query.signalKey)}`);
    // Live phases are all among the unsettled records (a superset while a label lags).
    if (query.live || query.phases?.every(isLive)) selector.push(UNSETTLED);
    const stored = await this.#records.list(selector);
    return stored.map((s) => s.record).filter((r) => matchesQuery(r, query));
  }

  async page(options: { readonly limit: number; readonly cursor?: string }): Promise<RecordPage> {
    const { items, next } = await this.#records.objects.list([], {
      limit: Math.max(1, Math.floor(options.limit)),
      ...(options.cursor !== undefined ? { _continue: options.cursor } : {}),
    });
    return { records: items.map((s) => this.#records.remember(s).record), ...(next ? { next } : {}) };
  }

  async prune(): Promise<number> {
    const before = this.#now().getTime() - this.#retentionMs;
    let pruned = 0;
    for (const stored of await this.#records.list([`${SETTLED_LABEL}=true`])) {
      const { record } = stored;
      if (isLive(record.phase) || stored.outbox.length > 0 || Date.parse(record.updatedAt) >= before)
        continue;
      // The precondition keeps a record that changed since it was read.
      if (await this.#records.objects.remove(record.id, stored.resourceVersion)) {
        this.#records.forget(record.id);
        pruned++;
      }
    }
    return pruned;
  }

  async admit(signalKey: string, decide: Decide): Promise<AdmitResult> {
    return retryContended(() => this.#admitOnce(signalKey, decide), {
      attempts: this.#maxAttempts,
      lost: isConflict,
      exhausted: () =>
        new DriverError(DRIVER, 'admission kept conflicting on the fleet lock', { retryable: true }),
    });
  }

  /** One admission under the fleet lock; a Conflict when the lock was taken or held. */
  async #admitOnce(signalKey: string, decide: Decide): Promise<AdmitResult> {
    const state = await this.#fleet.read();
    if (state.pending) {
      // A claimed admission whose writer may have died: finish it before deciding anything.
      await this.#finishClaim(state, state.pending).catch((error: unknown) => {
        if (error instanceof DriverError && !error.retryable) return; // rejected for good: dropped
        throw error;
      });
      throw new Conflict();
    }
    const stored = await this.#admissionView(signalKey);
    const decision = decide(stored.map((s) => s.record));
    if (!decision.admit) {
      return {
        admitted: false,
        why: decision.why,
        ...(decision.duplicateOf ? { duplicateOf: decision.duplicateOf } : {}),
      };
    }
    const { id } = decision.record;
    // A settled record of another signal key is not in the view: ask for the id itself.
    if (stored.some((s) => s.record.id === id) || (await this.#records.fetch(id))) {
      return { admitted: false, why: `burst ${id} already exists`, duplicateOf: id };
    }
    const record: BurstCluster = { ...decision.record, version: 1 };
    const body = objectFor(record, enqueue([], decision.events, this.#now()), this.#namespace);
    const claimed = await this.#fleet.claim(state, body);
    if (!claimed) throw new Conflict();
    await this.#finishClaim(claimed, body);
    // No multi-object transaction here: the close follows the insert (see AdmitDecision.close).
    const closed = decision.close && (await this.update(decision.close.record, decision.close.events));
    if (decision.events.length > 0) this.#notify();
    return { admitted: true, record, ...(closed && { closed }) };
  }

  async update(record: BurstCluster, events: readonly LifecycleEvent[] = []): Promise<BurstCluster> {
    const next: BurstCluster = { ...record, version: record.version + 1 };
    await retryContended(() => this.#updateOnce(record, next, events), {
      attempts: this.#maxAttempts,
      lost: isConflict,
      exhausted: () => new VersionConflictError(record.id, record.version),
    });
    return next;
  }

  async #updateOnce(
    record: BurstCluster,
    next: BurstCluster,
    events: readonly LifecycleEvent[],
  ): Promise<void> {
    const cached = this.#records.cached(record.id);
    const stored = cached?.record.version === record.version ? cached : await this.#records.fetch(record.id);
    if (!stored) throw new NotFoundError(`burst ${record.id} not found`);
    if (stored.record.version !== record.version) throw new VersionConflictError(record.id, record.version);
    assertSameIdentity(stored.record, record);
    if (events.length > 0 && stored.labels[SETTLED_LABEL]) {
      // Events for a settled record: make it visible to the relay before they are written.
      await this.#records.label(record.id, { [SETTLED_LABEL]: null });
      this.#records.forget(record.id);
      throw new Conflict();
    }
    const written = await this.#records.writeStatus(
      stored,
      next,
      enqueue(stored.outbox, events, this.#now()),
    );
    if (written === 'gone') throw new NotFoundError(`burst ${record.id} not found`);
    if (written === 'conflict') {
      // Moved since we saw it: maybe a competing writer (then the re-read reports the
      // conflict), maybe only an outbox ack (then the write is retried).
      this.#records.forget(record.id);
      throw new Conflict();
    }
    if (events.length > 0) this.#notify();
    await this.#records.settleIfDone(record.id);
  }

  async pendingEvents(limit: number): Promise<OutboxEntry[]> {
    const entries = (await this.#records.list([UNSETTLED])).flatMap((s) =>
      s.outbox.map((e, index) => ({
        e,
        key: `${e.enqueuedAt}|${s.record.id}|${String(index).padStart(6, '0')}`,
      })),
    );
    entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return entries.slice(0, limit).map(({ e }) => ({ event: e.event, attempts: e.attempts }));
  }

  async ackEvents(ids: readonly string[]): Promise<void> {
    const remove = new Set(ids);
    for (const burstId of await this.#burstsHolding(ids)) {
      await this.#mutateOutbox(burstId, (outbox) => outbox.filter((e) => !remove.has(e.event.id)));
      await this.#records.settleIfDone(burstId);
    }
  }

  async nackEvent(id: string): Promise<void> {
    for (const burstId of await this.#burstsHolding([id])) {
      await this.#mutateOutbox(burstId, (outbox) =>
        outbox.map((e) => (e.event.id === id ? { ...e, attempts: e.attempts + 1 } : e)),
      );
    }
  }

  onEvents(listener: () => void): void {
    this.#listeners.push(listener);
  }

  async close(): Promise<void> {
    this.#records.clear();
  }

  /** Burst ids whose outboxes may hold these events: from the id prefix, else by listing. */
  async #burstsHolding(ids: readonly string[]): Promise<string[]> {
    const direct = ids.map((id) => EVENT_BURST_ID.exec(id)?.[1]);
    if (direct.every((b) => b !== undefined)) return [...new Set(direct as string[])];
    const wanted = new Set(ids);
    return (await this.#records.list([UNSETTLED]))
      .filter((s) => s.outbox.some((e) => wanted.has(e.event.id)))
      .map((s) => s.record.id);
  }

  async #mutateOutbox(
    id: string,
    change: (outbox: readonly StoredOutboxEntry[]) => StoredOutboxEntry[],
  ): Promise<void> {
    await retryContended(
      async () => {
        const stored = this.#records.cached(id) ?? (await this.#records.fetch(id));
        if (!stored) return;
        const outbox = change(stored.outbox);
        if (JSON.stringify(outbox) === JSON.stringify(stored.outbox)) return;
        if ((await this.#records.writeStatus(stored, stored.record, outbox)) !== 'conflict') return;
        this.#records.forget(id);
        throw new Conflict();
      },
      {
        attempts: this.#maxAttempts,
        lost: isConflict,
        exhausted: () =>
          new DriverError(DRIVER, `outbox of burst ${id} kept conflicting`, { retryable: true }),
      },
    );
  }

  /**
   * Creates the claimed record and releases the lock. A create the API server rejects for good
   * (422: a bad owner label, say) releases the lock too, so one bad entry cannot wedge admission.
   */
  async #finishClaim(state: FleetState, body: Record<string, unknown>): Promise<void> {
    try {
      await this.#records.create(body);
    } catch (error) {
      if (error instanceof DriverError && !error.retryable) await this.#fleet.release(state);
      throw error;
    }
    await this.#fleet.release(state);
  }

  /** The live records plus every record of `signalKey`: what admission decides on. */
  async #admissionView(signalKey: string): Promise<StoredBurst[]> {
    const [unsettled, ofSignal] = await Promise.all([
      this.#records.list([UNSETTLED]),
      this.#records.list([`${SIGNAL_KEY_LABEL}=${signalKeyLabel(signalKey)}`]),
    ]);
    const byId = new Map<string, StoredBurst>();
    for (const s of unsettled) if (isLive(s.record.phase)) byId.set(s.record.id, s);
    for (const s of ofSignal) if (s.record.reason.signalKey === signalKey) byId.set(s.record.id, s);
    return [...byId.values()].sort((a, b) => (a.record.id < b.record.id ? -1 : 1));
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}
