import type { CustomObjectsApi } from '@kubernetes/client-node';
import { OWNER_LABEL } from '../../domain/names.ts';
import { ValidationError } from '../../errors.ts';
import { MERGE_PATCH } from '../kube/calls.ts';
import { driverError, isKubeFailure } from '../kube/errors.ts';
import { BURST_CLUSTER_RESOURCE, fromObject, type StoredBurst } from './kubernetes-mapping.ts';

const DRIVER = 'kubernetes';

/**
 * The BurstCluster calls of the kubernetes store that go beyond the record itself: reads by
 * name and by label selector (paged), label patches and preconditioned deletes. Lists are
 * limited to the owner's objects when an owner is set.
 */
export class BurstClusterObjects {
  constructor(
    private readonly custom: CustomObjectsApi,
    private readonly namespace: string,
    private readonly owner?: string,
  ) {}

  /** The object named `id`, or undefined when there is none. */
  async get(id: string): Promise<StoredBurst | undefined> {
    try {
      const object = await this.custom.getNamespacedCustomObject({
        ...BURST_CLUSTER_RESOURCE,
        namespace: this.namespace,
        name: id,
      });
      return fromObject(object);
    } catch (error) {
      if (isKubeFailure(error, 404)) return undefined;
      throw driverError(DRIVER, `reading BurstCluster ${id}`, error);
    }
  }

  /** One page of the objects matching `selector`; `next` is the API server's continue token. */
  async list(
    selector: readonly string[],
    paging: { readonly limit: number; readonly _continue?: string },
  ): Promise<{ items: StoredBurst[]; next?: string }> {
    const labels = [...(this.owner ? [`${OWNER_LABEL}=${this.owner}`] : []), ...selector];
    let list: { items?: unknown[]; metadata?: { _continue?: string; continue?: string } };
    try {
      list = (await this.custom.listNamespacedCustomObject({
        ...BURST_CLUSTER_RESOURCE,
        namespace: this.namespace,
        ...(labels.length ? { labelSelector: labels.join(',') } : {}),
        ...paging,
      })) as typeof list;
    } catch (error) {
      // An expired or foreign continue token: the caller's cursor is what was wrong.
      if (paging._continue !== undefined && (isKubeFailure(error, 410) || isKubeFailure(error, 400))) {
        throw new ValidationError('cursor: expired or not from an earlier page; start again without it', []);
      }
      throw driverError(DRIVER, 'listing BurstClusters', error);
    }
    const items = (list.items ?? []).map(fromObject);
    const next = list.metadata?.continue ?? list.metadata?._continue;
    return { items, ...(next ? { next } : {}) };
  }

  /** Every object matching `selector`, all pages. */
  async listAll(selector: readonly string[]): Promise<StoredBurst[]> {
    const stored: StoredBurst[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.list(selector, {
        limit: 500,
        ...(cursor !== undefined ? { _continue: cursor } : {}),
      });
      stored.push(...page.items);
      cursor = page.next;
    } while (cursor);
    return stored;
  }

  /** One merge patch of labels (a null value removes one); undefined when the object is gone. */
  async label(id: string, labels: Record<string, string | null>): Promise<StoredBurst | undefined> {
    try {
      const saved = await this.custom.patchNamespacedCustomObject(
        { ...BURST_CLUSTER_RESOURCE, namespace: this.namespace, name: id, body: { metadata: { labels } } },
        MERGE_PATCH,
      );
      return fromObject(saved);
    } catch (error) {
      if (isKubeFailure(error, 404)) return undefined;
      throw driverError(DRIVER, `labelling BurstCluster ${id}`, error);
    }
  }

  /** Deletes the object if it is still at `resourceVersion`; false when it changed or is gone. */
  async remove(id: string, resourceVersion: string): Promise<boolean> {
    try {
      await this.custom.deleteNamespacedCustomObject({
        ...BURST_CLUSTER_RESOURCE,
        namespace: this.namespace,
        name: id,
        body: { preconditions: { resourceVersion } },
      });
      return true;
    } catch (error) {
      if (isKubeFailure(error, 404) || isKubeFailure(error, 409)) return false;
      throw driverError(DRIVER, `deleting BurstCluster ${id}`, error);
    }
  }
}
