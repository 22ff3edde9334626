import { HttpError } from './http-errors.ts';

const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json$/;

/**
 * Throw 415 unless the Content-Type header names JSON (`application/json`, `application/*+json`).
 * Platform-neutral: the Lambda and Cloud Functions adapters share it.
 */
export function requireJsonContentType(header: string | undefined): void {
  const type = (header ?? '').split(';')[0]!.trim().toLowerCase();
  if (!JSON_TYPE.test(type)) {
    throw new HttpError(415, `content type must be application/json, got "${type || 'none'}"`);
  }
}
