import { ApiException } from '@kubernetes/client-node';
import { DriverError } from '../../errors.ts';

/** The parts of a Kubernetes `Status` failure the store acts on. */
export interface KubeFailure {
  readonly code: number;
  readonly reason: string;
  readonly message: string;
}

/**
 * The HTTP code, Status reason and message of a failed client-node call, or undefined when the
 * call did not get an answer (connection refused or reset, timeout).
 */
export function kubeFailure(error: unknown): KubeFailure | undefined {
  if (!(error instanceof ApiException)) return undefined;
  let parsed: { reason?: unknown; message?: unknown } = {};
  const body: unknown = error.body;
  try {
    parsed = (typeof body === 'string' ? JSON.parse(body) : (body ?? {})) as typeof parsed;
  } catch {
    // Not a Status (a proxy's HTML page, say): keep the code only.
  }
  return {
    code: error.code,
    reason: typeof parsed.reason === 'string' ? parsed.reason : '',
    message: typeof parsed.message === 'string' ? parsed.message : `HTTP ${error.code}`,
  };
}

/** Whether the call failed with this code (and reason, if given). */
export function isKubeFailure(error: unknown, code: number, reason?: string): boolean {
  const f = kubeFailure(error);
  return f !== undefined && f.code === code && (reason === undefined || f.reason === reason);
}

/**
 * Wraps an unexpected failure as a DriverError: retryable for no answer, 429 and 5xx; not
 * retryable for other 4xx (bad manifest, missing RBAC, missing CRD), which need a human.
 */
export function driverError(driver: string, what: string, error: unknown): DriverError {
  const f = kubeFailure(error);
  if (!f)
    return new DriverError(driver, `${what}: ${(error as Error)?.message ?? String(error)}`, {
      cause: error,
      retryable: true,
    });
  const retryable = f.code === 429 || f.code >= 500;
  return new DriverError(driver, `${what}: ${f.code} ${f.reason} ${f.message}`.trim(), {
    cause: error,
    retryable,
  });
}
