/**
 * Helpers for tests that assert failures from @kubernetes/client-node 1.4, whose
 * `ApiException.body` is the raw response text.
 */
import { ApiException } from '@kubernetes/client-node';
import type { KubeStatus } from './status.ts';

/** The HTTP code and parsed Status of a call that must fail with an ApiException. */
export async function failureOf(call: Promise<unknown>): Promise<{ code: number; status: KubeStatus }> {
  try {
    await call;
  } catch (e) {
    if (e instanceof ApiException) {
      const body: unknown = e.body;
      const status = (typeof body === 'string' ? JSON.parse(body) : body) as KubeStatus;
      return { code: e.code, status };
    }
    throw e;
  }
  throw new Error('expected the call to fail with an ApiException, but it succeeded');
}

/** Whether the call failed with 404 NotFound (false when it succeeded; other failures throw). */
export async function isNotFound(call: Promise<unknown>): Promise<boolean> {
  try {
    await call;
    return false;
  } catch (e) {
    if (e instanceof ApiException && e.code === 404) return true;
    throw e;
  }
}
