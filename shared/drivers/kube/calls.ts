import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { driverError, isKubeFailure } from './errors.ts';

/**
 * Request options that send a PATCH body as a JSON merge patch (RFC 7386). client-node 1.4
 * sends JSON patch unless told, and a merge body sent that way is a 400.
 */
export const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * Runs one API call; any failure becomes a DriverError naming `what` (retryable for no
 * answer, 429 and 5xx; fatal for other 4xx, which need a human: RBAC, a missing CRD).
 */
export async function kubeCall<T>(driver: string, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw driverError(driver, what, error);
  }
}

/** Runs a call; `undefined` when it failed in the way `fine` accepts, else a DriverError naming `what`. */
async function unlessFailure<T>(
  driver: string,
  what: string,
  call: () => Promise<T>,
  fine: (error: unknown) => boolean,
): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (fine(error)) return undefined;
    throw driverError(driver, what, error);
  }
}

/** Creates an object; `undefined` when it already exists (409 AlreadyExists), which is fine. */
export function createIfAbsent<T>(
  driver: string,
  what: string,
  create: () => Promise<T>,
): Promise<T | undefined> {
  return unlessFailure(driver, `creating ${what}`, create, (e) => isKubeFailure(e, 409, 'AlreadyExists'));
}

/** Runs a call on one object; `undefined` when the object does not exist (404). */
export function ifPresent<T>(driver: string, what: string, call: () => Promise<T>): Promise<T | undefined> {
  return unlessFailure(driver, what, call, (e) => isKubeFailure(e, 404));
}

/** `ifPresent` for an action on an object, its message saying `<verb> <what>`. */
const actionIfPresent =
  (verb: string) =>
  <T>(driver: string, what: string, call: () => Promise<T>): Promise<T | undefined> =>
    ifPresent(driver, `${verb} ${what}`, call);

/** Reads an object; `undefined` when it does not exist. */
export const readIfPresent = actionIfPresent('reading');

/**
 * Deletes an object; a missing one is fine. Returns what the server answered (for custom
 * resources kept by finalizers, the object with its deletionTimestamp), or undefined on 404.
 */
export const deleteIfPresent = actionIfPresent('deleting');
