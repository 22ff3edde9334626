/**
 * The Kubernetes calls the `liqo` driver's steps share: clients per cluster, Liqo's cluster id,
 * bounded waits for Liqo's controllers, and create/delete that accept only objects labelled ours.
 */
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { OWNER_LABEL } from '../../domain/names.ts';
import { DriverError } from '../../errors.ts';
import { retry } from '../../retry.ts';
import { createIfAbsent, deleteIfPresent, kubeCall, readIfPresent } from '../kube/calls.ts';
import { ownedBy, refuseForeign } from '../kube/owned.ts';
import { LIQO_LABELS } from './liqo-objects.ts';

export const DRIVER = 'liqo';

/** One cluster's API clients. */
export interface Clients {
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
}

/** Clients of a kubeconfig. */
export function clientsOf(kc: KubeConfig): Clients {
  return { core: kc.makeApiClient(CoreV1Api), custom: kc.makeApiClient(CustomObjectsApi) };
}

/** The Liqo cluster id, from the ConfigMap Liqo's install writes (pkg/utils/cluster_info.go). */
export async function clusterIdOf(c: Clients, liqoNamespace: string, which: string): Promise<string> {
  const list = await kubeCall(DRIVER, `reading the Liqo cluster id of the ${which}`, () =>
    c.core.listNamespacedConfigMap({
      namespace: liqoNamespace,
      labelSelector: LIQO_LABELS.clusterIdConfigMap,
    }),
  );
  const id = list.items[0]?.data?.CLUSTER_ID;
  if (list.items.length !== 1 || !id)
    throw new DriverError(
      DRIVER,
      `the ${which} has no Liqo cluster id in namespace ${liqoNamespace} (is Liqo installed there?)`,
      { retryable: true },
    );
  return id;
}

const sentinel = new Error('not yet');

/** Polls `read` until it gives a value, within `timeoutMs`; then a retryable error naming `what`. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  read: () => Promise<T | undefined>,
): Promise<T> {
  let value: T | undefined;
  try {
    await retry(
      async () => {
        value = await read();
        if (value === undefined) throw sentinel;
      },
      {
        attempts: Number.POSITIVE_INFINITY,
        baseMs: 50,
        maxMs: 500,
        maxElapsedMs: timeoutMs,
        retryIf: (e) => e === sentinel,
      },
    );
  } catch (error) {
    if (error !== sentinel) throw error;
    throw new DriverError(DRIVER, `${what} within ${timeoutMs} ms`, { retryable: true });
  }
  return value as T;
}

/** Creates a namespace, or accepts ours; a namespace of that name that is not ours is refused. */
export async function ensureNamespace(
  c: Clients,
  name: string,
  labels: Record<string, string>,
  where: string,
): Promise<void> {
  const created = await createIfAbsent(DRIVER, `namespace ${name} in the ${where}`, () =>
    c.core.createNamespace({ body: { metadata: { name, labels } } }),
  );
  if (created) return;
  const found = await kubeCall(DRIVER, `reading namespace ${name} in the ${where}`, () =>
    c.core.readNamespace({ name }),
  );
  refuseForeign(DRIVER, `namespace ${name} in the ${where}`, found.metadata?.labels, labels[OWNER_LABEL]);
  if (found.metadata?.deletionTimestamp)
    throw new DriverError(DRIVER, `namespace ${name} in the ${where} is still being deleted`, {
      retryable: true,
    });
}

/** Creates a custom object, or accepts ours; one of that name that is not ours is refused. */
export async function ensureCustom(
  c: Clients,
  resource: { group: string; version: string; plural: string },
  what: string,
  body: {
    metadata: {
      name: string;
      namespace?: string;
      labels: Record<string, string>;
      annotations?: Record<string, string>;
    };
  } & Record<string, unknown>,
): Promise<unknown> {
  const { name, namespace } = body.metadata;
  const created = await createIfAbsent(DRIVER, what, () =>
    namespace
      ? c.custom.createNamespacedCustomObject({ ...resource, namespace, body })
      : c.custom.createClusterCustomObject({ ...resource, body }),
  );
  if (created) return created;
  const found = (await kubeCall(DRIVER, `reading ${what}`, () =>
    namespace
      ? c.custom.getNamespacedCustomObject({ ...resource, namespace, name })
      : c.custom.getClusterCustomObject({ ...resource, name }),
  )) as { metadata?: { labels?: Record<string, string> } };
  refuseForeign(DRIVER, what, found.metadata?.labels, body.metadata.labels[OWNER_LABEL]);
  return found;
}

/** Deletes an object if it is there and ours; `true` when it is (still) there. */
export async function deleteOwned(
  what: string,
  owner: string | undefined,
  read: () => Promise<unknown>,
  remove: () => Promise<unknown>,
): Promise<boolean> {
  const found = (await readIfPresent(DRIVER, what, read)) as
    | { metadata?: { labels?: Record<string, string>; deletionTimestamp?: unknown } }
    | undefined;
  if (!found) return false;
  // Someone else's object of the same name: never ours to remove, and not ours to wait for.
  if (!ownedBy(found.metadata?.labels, owner)) return false;
  if (!found.metadata?.deletionTimestamp) await deleteIfPresent(DRIVER, `${what}`, remove);
  return true;
}
