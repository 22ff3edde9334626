import { AuthError, ClusterburstError, ConfigError, NotFoundError, ValidationError } from '../../errors.ts';
import type { HttpAnswer } from './route.ts';

/** An error that carries its own HTTP status (bad content type, body too large, unknown route). */
export class HttpError extends ClusterburstError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The HTTP answer for an error: bad input is a 4xx naming the problem; only failures of our own
 * or of a backend are 5xx (503 when retrying may help, so Alertmanager and EventBridge retry).
 */
export function errorAnswer(error: unknown): HttpAnswer {
  if (error instanceof ValidationError) {
    return { status: 400, body: { error: error.message, issues: error.issues } };
  }
  if (error instanceof HttpError) return { status: error.status, body: { error: error.message } };
  if (error instanceof AuthError) return { status: 401, body: { error: error.message } };
  if (error instanceof NotFoundError) return { status: 404, body: { error: error.message } };
  if (error instanceof ConfigError) return { status: 500, body: { error: 'configuration error' } };
  if (error instanceof ClusterburstError && error.retryable) {
    return { status: 503, body: { error: error.message, retryable: true } };
  }
  return { status: 500, body: { error: 'internal error' } };
}
