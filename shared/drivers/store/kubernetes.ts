import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { BurstCluster } from '../../domain/burst-cluster.ts';
import { isLive } from '../../domain/lifecycle.ts';
import { DriverError, NotFoundError, VersionConflictError } from '../../errors.ts';
import type { LifecycleEvent } from '../../schemas/lifecycle-event.ts';
import { driverError, isKubeFailure } from './kubernetes-errors.ts';
import { FleetLock, type FleetState } from './kubernetes-fleet-lock.ts';
import {
  assertSameIdentity,
  BURST_CLUSTER_RESOURCE,
  enqueue,
  fromObject,
  labelsToHeal,
  objectFor,
  SETTLED_LABEL,
  SIGNAL_KEY_LABEL,
  type StoredBurst,
  type StoredOutboxEntry,
  signalKeyLabel,
  statusOf,
} from './kubernetes-mapping.ts';
import { BurstClusterObjects } from './kubernetes-objects.ts';
import {
  type AdmitDecision,
  type AdmitResult,
  type BurstStore,
  DEFAULT_RETENTION_SECONDS,
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

function backoff(attempt: number): Promise<void> {
  const ms = Math.min(attempt, 6) * (5 + Math.random() * 20);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

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
  readonly #custom: CustomObjectsApi;
  readonly #fleet: FleetLock;
  readonly #objects: BurstClusterObjects;
  readonly #namespace: string;
  readonly #owner: string | undefined;
  readonly #maxAttempts: number;
  readonly #retentionMs: number;
  readonly #now: () => Date;
  /** The last version of each record this instance read or wrote: saves a GET before a write. */
  readonly #seen = new Map<string, StoredBurst>();
  readonly #listeners: (() => void)[] = [];

  constructor(options: KubernetesStoreOptions) {
    this.#custom = options.kubeConfig.makeApiClient(CustomObjectsApi);
    this.#namespace = options.namespace ?? 'clusterburst-system';
    this.#owner = options.owner;
    this.#maxAttempts = options.maxAttempts ?? 25;
    this.#retentionMs = (options.retentionSeconds ?? DEFAULT_RETENTION_SECONDS) * 1000;
    this.#now = options.now ?? (() => new Date());
    this.#objects = new BurstClusterObjects(this.#custom, this.#namespace, this.#owner);
    const core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.#fleet = new FleetLock(
      core,
      this.#namespace,
      options.fleetConfigMap ?? 'clusterburst-fleet',
      this.#owner,
    );
  }

  async get(id: string): Promise<BurstCluster | undefined> {
    return (await this.#fetch(id))?.record;
  }

  async list(query: RecordQuery = {}): Promise<BurstCluster[]> {
    const selector: string[] = [];
    if (query.signalKey !== undefined)
      selector.push(`${SIGNAL_KEY_LABEL}=${signalKeyLabel(query.signalKey)}`);
    // Live phases are all among the unsettled records (a superset while a label lags).
    if (query.live || query.phases?.every(isLive)) selector.push(UNSETTLED);
    const stored = await this.#listStored(selector);
    return stored.map((s) => s.record).filter((r) => matchesQuery(r, query));
  }

  async page(options: { readonly limit: number; readonly cursor?: string }): Promise<RecordPage> {
    const { items, next } = await this.#objects.list([], {
      limit: Math.max(1, Math.floor(options.limit)),
      ...(options.cursor !== undefined ? { _continue: options.cursor } : {}),
    });
    return { records: items.map((s) => this.#remember(s).record), ...(next ? { next } : {}) };
  }

  async prune(): Promise<number> {
    const before = this.#now().getTime() - this.#retentionMs;
    let pruned = 0;
    for (const stored of await this.#listStored([`${SETTLED_LABEL}=true`])) {
      const { record } = stored;
      if (isLive(record.phase) || stored.outbox.length > 0 || Date.parse(record.updatedAt) >= before)
        continue;
      // The precondition keeps a record that changed since it was read.
      if (await this.#objects.remove(record.id, stored.resourceVersion)) {
        this.#seen.delete(record.id);
        pruned++;
      }
    }
    return pruned;
  }

  async admit(
    signalKey: string,
    decide: (records: readonly BurstCluster[]) => AdmitDecision,
  ): Promise<AdmitResult> {
    for (let attempt = 0; attempt < this.#maxAttempts; attempt++) {
      const state = await this.#fleet.read();
      if (state.pending) {
        // A claimed admission whose writer may have died: finish it before deciding anything.
        await this.#finishClaim(state, state.pending).catch((error: unknown) => {
          if (error instanceof DriverError && !error.retryable) return; // rejected for good: dropped
          throw error;
        });
        continue;
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
      if (stored.some((s) => s.record.id === id) || (await this.#fetch(id))) {
        return { admitted: false, why: `burst ${id} already exists`, duplicateOf: id };
      }
      const record: BurstCluster = { ...decision.record, version: 1 };
      const body = objectFor(record, enqueue([], decision.events, this.#now()), this.#namespace);
      const claimed = await this.#fleet.claim(state, body);
      if (!claimed) {
        await backoff(attempt + 1);
        continue;
      }
      await this.#finishClaim(claimed, body);
      // No multi-object transaction here: the close follows the insert (see AdmitDecision.close).
      const closed = decision.close && (await this.update(decision.close.record, decision.close.events));
      if (decision.events.length > 0) this.#notify();
      return { admitted: true, record, ...(closed && { closed }) };
    }
    throw new DriverError(DRIVER, 'admission kept conflicting on the fleet lock', { retryable: true });
  }

  async update(record: BurstCluster, events: readonly LifecycleEvent[] = []): Promise<BurstCluster> {
    const next: BurstCluster = { ...record, version: record.version + 1 };
    for (let attempt = 0; attempt < this.#maxAttempts; attempt++) {
      const cached = this.#seen.get(record.id);
      const stored = cached?.record.version === record.version ? cached : await this.#fetch(record.id);
      if (!stored) throw new NotFoundError(`burst ${record.id} not found`);
      if (stored.record.version !== record.version) throw new VersionConflictError(record.id, record.version);
      assertSameIdentity(stored.record, record);
      if (events.length > 0 && stored.labels[SETTLED_LABEL]) {
        // Events for a settled record: make it visible to the relay before they are written.
        await this.#label(record.id, { [SETTLED_LABEL]: null });
        this.#seen.delete(record.id);
        continue;
      }
      const written = await this.#writeStatus(stored, next, enqueue(stored.outbox, events, this.#now()));
      if (written === 'gone') throw new NotFoundError(`burst ${record.id} not found`);
      if (written === 'conflict') {
        // Moved since we saw it: maybe a competing writer (then the re-read reports the
        // conflict), maybe only an outbox ack (then the write is retried).
        this.#seen.delete(record.id);
        continue;
      }
      if (events.length > 0) this.#notify();
      await this.#settleIfDone(record.id);
      return next;
    }
    throw new VersionConflictError(record.id, record.version);
  }

  async pendingEvents(limit: number): Promise<OutboxEntry[]> {
    const entries = (await this.#listStored([UNSETTLED])).flatMap((s) =>
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
      await this.#settleIfDone(burstId);
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
    this.#seen.clear();
  }

  /** Burst ids whose outboxes may hold these events: from the id prefix, else by listing. */
  async #burstsHolding(ids: readonly string[]): Promise<string[]> {
    const direct = ids.map((id) => EVENT_BURST_ID.exec(id)?.[1]);
    if (direct.every((b) => b !== undefined)) return [...new Set(direct as string[])];
    const wanted = new Set(ids);
    return (await this.#listStored([UNSETTLED]))
      .filter((s) => s.outbox.some((e) => wanted.has(e.event.id)))
      .map((s) => s.record.id);
  }

  async #mutateOutbox(
    id: string,
    change: (outbox: readonly StoredOutboxEntry[]) => StoredOutboxEntry[],
  ): Promise<void> {
    for (let attempt = 0; attempt < this.#maxAttempts; attempt++) {
      const stored = this.#seen.get(id) ?? (await this.#fetch(id));
      if (!stored) return;
      const outbox = change(stored.outbox);
      if (JSON.stringify(outbox) === JSON.stringify(stored.outbox)) return;
      const written = await this.#writeStatus(stored, stored.record, outbox);
      if (written === 'gone') return;
      if (written === 'ok') return;
      this.#seen.delete(id);
      await backoff(attempt + 1);
    }
    throw new DriverError(DRIVER, `outbox of burst ${id} kept conflicting`, { retryable: true });
  }

  /** PUT /status with the resourceVersion `stored` was read at. */
  async #writeStatus(
    stored: StoredBurst,
    record: BurstCluster,
    outbox: readonly StoredOutboxEntry[],
  ): Promise<'ok' | 'conflict' | 'gone'> {
    const body = {
      apiVersion: `${BURST_CLUSTER_RESOURCE.group}/${BURST_CLUSTER_RESOURCE.version}`,
      kind: 'BurstCluster',
      metadata: { name: record.id, namespace: this.#namespace, resourceVersion: stored.resourceVersion },
      status: statusOf(record, outbox),
    };
    try {
      const saved = await this.#custom.replaceNamespacedCustomObjectStatus({
        ...BURST_CLUSTER_RESOURCE,
        namespace: this.#namespace,
        name: record.id,
        body,
      });
      this.#remember(fromObject(saved));
      return 'ok';
    } catch (error) {
      if (isKubeFailure(error, 409)) return 'conflict';
      if (isKubeFailure(error, 404)) {
        this.#seen.delete(record.id);
        return 'gone';
      }
      throw driverError(DRIVER, `writing status of BurstCluster ${record.id}`, error);
    }
  }

  /**
   * Creates the claimed record and releases the lock. A create the API server rejects for good
   * (422: a bad owner label, say) releases the lock too, so one bad entry cannot wedge admission.
   */
  async #finishClaim(state: FleetState, body: Record<string, unknown>): Promise<void> {
    try {
      await this.#createRecord(body);
    } catch (error) {
      if (error instanceof DriverError && !error.retryable) await this.#fleet.release(state);
      throw error;
    }
    await this.#fleet.release(state);
  }

  /** Creates a claimed record (a second create of the same one is fine), then fills its status. */
  async #createRecord(body: Record<string, unknown>): Promise<void> {
    let created: StoredBurst;
    try {
      created = fromObject(
        await this.#custom.createNamespacedCustomObject({
          ...BURST_CLUSTER_RESOURCE,
          namespace: this.#namespace,
          body,
        }),
      );
    } catch (error) {
      if (isKubeFailure(error, 409, 'AlreadyExists')) return;
      throw driverError(DRIVER, 'creating BurstCluster', error);
    }
    this.#remember(created);
    try {
      // Status makes the record visible to `kubectl get` columns; spec.initial already holds it.
      await this.#writeStatus(created, created.record, created.outbox);
    } catch {
      // Best effort: the record is durable and readable from spec.initial.
    }
  }

  async #fetch(id: string): Promise<StoredBurst | undefined> {
    const stored = await this.#objects.get(id);
    if (stored) return this.#remember(stored);
    this.#seen.delete(id);
    return undefined;
  }

  /** The live records plus every record of `signalKey`: what admission decides on. */
  async #admissionView(signalKey: string): Promise<StoredBurst[]> {
    const [unsettled, ofSignal] = await Promise.all([
      this.#listStored([UNSETTLED]),
      this.#listStored([`${SIGNAL_KEY_LABEL}=${signalKeyLabel(signalKey)}`]),
    ]);
    const byId = new Map<string, StoredBurst>();
    for (const s of unsettled) if (isLive(s.record.phase)) byId.set(s.record.id, s);
    for (const s of ofSignal) if (s.record.reason.signalKey === signalKey) byId.set(s.record.id, s);
    return [...byId.values()].sort((a, b) => (a.record.id < b.record.id ? -1 : 1));
  }

  /** Every object matching `selector` (owner added), sorted by id; heals lagging labels. */
  async #listStored(selector: readonly string[]): Promise<StoredBurst[]> {
    const stored = (await this.#objects.listAll(selector)).map((s) => this.#remember(s));
    await Promise.all(stored.map((s) => this.#healLabels(s)));
    return stored.sort((a, b) => (a.record.id < b.record.id ? -1 : 1));
  }

  /** Labels a record settled once it has ended with nothing left to deliver. */
  async #settleIfDone(id: string): Promise<void> {
    const stored = this.#seen.get(id);
    if (stored) await this.#healLabels(stored);
  }

  /**
   * Best effort: a missing settled or signal-key label (a crash between the status write and the
   * label, or an object from before the labels existed) is set when the record is next read.
   */
  async #healLabels(stored: StoredBurst): Promise<void> {
    const want = labelsToHeal(stored);
    if (want) await this.#label(stored.record.id, want).catch(() => undefined);
  }

  /** One merge patch of labels on the object (a null value removes the label). */
  async #label(id: string, labels: Record<string, string | null>): Promise<void> {
    const saved = await this.#objects.label(id, labels);
    if (saved) this.#remember(saved);
  }

  #remember(stored: StoredBurst): StoredBurst {
    this.#seen.set(stored.record.id, stored);
    // Bounded: an old entry only costs a GET when it is needed again.
    if (this.#seen.size > 1000) this.#seen.delete(this.#seen.keys().next().value!);
    return stored;
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}
