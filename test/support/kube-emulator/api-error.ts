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

/** Polls `probe` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
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
