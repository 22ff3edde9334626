import { createHash, timingSafeEqual } from 'node:crypto';
import { AuthError } from '../errors.ts';

/** Credentials the webhooks and the API accept (resolved secrets). */
export interface AuthSettings {
  readonly bearerToken?: string;
  readonly basic?: { readonly username: string; readonly password: string };
}

/** Whether any credential is configured. */
export function authConfigured(auth: AuthSettings): boolean {
  return Boolean(auth.bearerToken || auth.basic);
}

/**
 * Check the Authorization header against the configured credentials: `Bearer <token>` (what
 * Alertmanager's `authorization` sends) or `Basic` (its `basic_auth`). Comparison is in
 * constant time over digests, so neither length nor content leaks through timing. Throws
 * AuthError without echoing what was sent.
 */
export function checkAuth(header: string | undefined, auth: AuthSettings): void {
  if (!authConfigured(auth)) return;
  if (!header) throw new AuthError('missing Authorization header');
  const space = header.indexOf(' ');
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer' && auth.bearerToken && same(value, auth.bearerToken)) return;
  if (scheme === 'basic' && auth.basic) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const userOk = same(decoded.slice(0, colon), auth.basic.username);
    const passOk = same(decoded.slice(colon + 1), auth.basic.password);
    if (colon > 0 && userOk && passOk) return;
  }
  throw new AuthError('wrong credentials');
}

function same(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}
