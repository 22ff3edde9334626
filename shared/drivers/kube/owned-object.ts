/**
 * Objects clusterburst owns on a federation control plane (policies, rebalancers, scheduling
 * preferences): created labelled with the installation, changed only while still labelled so,
 * with a compare-and-swap on resourceVersion so concurrent writers never lose each other's change.
 */
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { DriverError } from '../../errors.ts';
import { retry } from '../../retry.ts';
import { createIfAbsent, deleteIfPresent, MERGE_PATCH, readIfPresent } from './calls.ts';
import { driverError, isKubeFailure } from './errors.ts';
import { refuseForeign } from './owned.ts';

/** One custom object: group, version, plural, name and (for namespaced kinds) namespace. */
export interface CustomRef {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly namespace?: string;
  readonly name: string;
}

/** A custom object as the drivers read it. */
export type Custom = Record<string, unknown> & {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; resourceVersion?: string };
};

/** A ref's readable name in errors: `plural.group ns/name`. */
export function describe(ref: CustomRef): string {
  return `${ref.plural}.${ref.group} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

/** Reads one custom object, undefined when absent. */
export async function readCustom(driver: string, api: CustomObjectsApi, ref: CustomRef) {
  const read = () =>
    ref.namespace
      ? api.getNamespacedCustomObject({ ...ref, namespace: ref.namespace })
      : api.getClusterCustomObject(ref);
  return (await readIfPresent(driver, describe(ref), read)) as Custom | undefined;
}

/** Lists custom objects of a kind (in `namespace`, or cluster-wide) matching `labelSelector`. */
export async function listCustom(
  driver: string,
  api: CustomObjectsApi,
  kind: Omit<CustomRef, 'name'>,
  labelSelector?: string,
): Promise<Custom[]> {
  const list = (await readIfPresent(driver, `${kind.plural}.${kind.group}`, () =>
    kind.namespace
      ? api.listNamespacedCustomObject({ ...kind, namespace: kind.namespace, labelSelector })
      : api.listClusterCustomObject({ ...kind, labelSelector }),
  )) as { items?: Custom[] } | undefined;
  return list?.items ?? [];
}

/**
 * Creates or changes an object of ours: `change` gets the current object (undefined when absent)
 * and returns the whole new object to create, the merge patch to apply, or undefined when nothing
 * needs to change. An object of that name not labelled `owner` is refused, never modified.
 */
export async function upsertOwned(
  driver: string,
  api: CustomObjectsApi,
  ref: CustomRef,
  owner: string,
  change: (current: Custom | undefined) => Custom | undefined,
): Promise<void> {
  const raced = (e: unknown) => isKubeFailure(e, 409) || isKubeFailure(e, 404);
  const once = async () => {
    const current = await readCustom(driver, api, ref);
    if (current) refuseForeign(driver, describe(ref), current.metadata?.labels, owner);
    const next = change(current);
    if (!next) return;
    if (!current) {
      const body = next;
      const created = await createIfAbsent(driver, describe(ref), () =>
        ref.namespace
          ? api.createNamespacedCustomObject({ ...ref, namespace: ref.namespace, body })
          : api.createClusterCustomObject({ ...ref, body }),
      );
      // Someone created it between our read and write: decide again on what is there.
      if (created === undefined)
        throw new DriverError(driver, `${describe(ref)} appeared`, { retryable: true });
      return;
    }
    const body = {
      ...next,
      metadata: { ...next.metadata, resourceVersion: current.metadata?.resourceVersion },
    };
    await (ref.namespace
      ? api.patchNamespacedCustomObject({ ...ref, namespace: ref.namespace, body }, MERGE_PATCH)
      : api.patchClusterCustomObject({ ...ref, body }, MERGE_PATCH));
  };
  try {
    await retry(once, {
      attempts: 6,
      baseMs: 20,
      maxMs: 300,
      retryIf: (e) => raced(e) || (e instanceof DriverError && e.retryable && e.message.endsWith('appeared')),
    });
  } catch (error) {
    if (error instanceof DriverError) throw error;
    throw driverError(driver, `writing ${describe(ref)}`, error);
  }
}

/**
 * Deletes an object of ours if it is still at `resourceVersion` (what the caller decided on);
 * a missing object is fine, a changed one is left for the next call (false).
 */
export async function deleteOwned(
  driver: string,
  api: CustomObjectsApi,
  ref: CustomRef,
  owner: string,
  resourceVersion?: string,
): Promise<boolean> {
  const current = await readCustom(driver, api, ref);
  if (!current) return true;
  refuseForeign(driver, describe(ref), current.metadata?.labels, owner);
  const body = resourceVersion ? { preconditions: { resourceVersion } } : undefined;
  try {
    await deleteIfPresent(driver, describe(ref), () =>
      ref.namespace
        ? api.deleteNamespacedCustomObject({ ...ref, namespace: ref.namespace, body })
        : api.deleteClusterCustomObject({ ...ref, body }),
    );
    return true;
  } catch (error) {
    if (error instanceof DriverError && isKubeFailure(error.cause, 409)) return false;
    throw error;
  }
}
