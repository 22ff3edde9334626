/**
 * The kubernetes store's view of its BurstCluster objects: reads, status writes and creates, with
 * a bounded cache of the last version of each record this instance read or wrote (it saves a GET
 * before a write; a stale entry only costs a 409 and a re-read) and labels healed on read.
 */
import type { CustomObjectsApi } from '@kubernetes/client-node';
import type { BurstCluster } from '../../domain/burst-cluster.ts';
import { driverError, isKubeFailure } from '../kube/errors.ts';
import {
  BURST_CLUSTER_RESOURCE,
  fromObject,
  labelsToHeal,
  type StoredBurst,
  type StoredOutboxEntry,
  statusOf,
} from './kubernetes-mapping.ts';
import { BurstClusterObjects } from './kubernetes-objects.ts';

const DRIVER = 'kubernetes';
/** Cached records; an old entry only costs a GET when it is needed again. */
const CACHE_SIZE = 1000;

/** How a status write ended: written, lost to a concurrent write, or the object is gone. */
export type WriteOutcome = 'ok' | 'conflict' | 'gone';

/** BurstCluster objects of one namespace (and owner), cached by id. */
export class BurstRecords {
  readonly objects: BurstClusterObjects;
  readonly #seen = new Map<string, StoredBurst>();

  constructor(
    readonly custom: CustomObjectsApi,
    readonly namespace: string,
    owner: string | undefined,
  ) {
    this.objects = new BurstClusterObjects(custom, namespace, owner);
  }

  /** The last version of `id` this instance saw, if any. */
  cached(id: string): StoredBurst | undefined {
    return this.#seen.get(id);
  }

  /** Drop `id` from the cache, so the next use reads it again. */
  forget(id: string): void {
    this.#seen.delete(id);
  }

  clear(): void {
    this.#seen.clear();
  }

  /** Reads `id` from the API server. */
  async fetch(id: string): Promise<StoredBurst | undefined> {
    const stored = await this.objects.get(id);
    if (stored) return this.remember(stored);
    this.#seen.delete(id);
    return undefined;
  }

  /** Every object matching `selector` (owner added), sorted by id; heals lagging labels. */
  async list(selector: readonly string[]): Promise<StoredBurst[]> {
    const stored = (await this.objects.listAll(selector)).map((s) => this.remember(s));
    await Promise.all(stored.map((s) => this.healLabels(s)));
    return stored.sort((a, b) => (a.record.id < b.record.id ? -1 : 1));
  }

  /** PUT /status with the resourceVersion `stored` was read at. */
  async writeStatus(
    stored: StoredBurst,
    record: BurstCluster,
    outbox: readonly StoredOutboxEntry[],
  ): Promise<WriteOutcome> {
    const body = {
      apiVersion: `${BURST_CLUSTER_RESOURCE.group}/${BURST_CLUSTER_RESOURCE.version}`,
      kind: 'BurstCluster',
      metadata: { name: record.id, namespace: this.namespace, resourceVersion: stored.resourceVersion },
      status: statusOf(record, outbox),
    };
    try {
      const saved = await this.custom.replaceNamespacedCustomObjectStatus({
        ...BURST_CLUSTER_RESOURCE,
        namespace: this.namespace,
        name: record.id,
        body,
      });
      this.remember(fromObject(saved));
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

  /** Creates a claimed record (a second create of the same one is fine), then fills its status. */
  async create(body: Record<string, unknown>): Promise<void> {
    let created: StoredBurst;
    try {
      created = fromObject(
        await this.custom.createNamespacedCustomObject({
          ...BURST_CLUSTER_RESOURCE,
          namespace: this.namespace,
          body,
        }),
      );
    } catch (error) {
      if (isKubeFailure(error, 409, 'AlreadyExists')) return;
      throw driverError(DRIVER, 'creating BurstCluster', error);
    }
    this.remember(created);
    try {
      // Status makes the record visible to `kubectl get` columns; spec.initial already holds it.
      await this.writeStatus(created, created.record, created.outbox);
    } catch {
      // Best effort: the record is durable and readable from spec.initial.
    }
  }

  /** Labels a record settled once it has ended with nothing left to deliver. */
  async settleIfDone(id: string): Promise<void> {
    const stored = this.#seen.get(id);
    if (stored) await this.healLabels(stored);
  }

  /**
   * Best effort: a missing settled or signal-key label (a crash between the status write and the
   * label, or an object from before the labels existed) is set when the record is next read.
   */
  async healLabels(stored: StoredBurst): Promise<void> {
    const want = labelsToHeal(stored);
    if (want) await this.label(stored.record.id, want).catch(() => undefined);
  }

  /** One merge patch of labels on the object (a null value removes the label). */
  async label(id: string, labels: Record<string, string | null>): Promise<void> {
    const saved = await this.objects.label(id, labels);
    if (saved) this.remember(saved);
  }

  remember(stored: StoredBurst): StoredBurst {
    this.#seen.set(stored.record.id, stored);
    if (this.#seen.size > CACHE_SIZE) this.#seen.delete(this.#seen.keys().next().value!);
    return stored;
  }
}
