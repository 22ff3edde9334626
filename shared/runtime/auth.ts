import { createHash, hash, timingSafeEqual } from 'node:crypto';
import { AuthError, ConfigError } from '../errors.ts';

/** Credentials the webhooks and the API accept (resolved secrets). */
export interface Credentials {
  readonly bearerToken?: string;
  readonly basic?: { readonly username: string; readonly password: string };
}

/**
 * `server.auth`: credentials, or `'none'`, the explicit choice to serve without any (a site that
 * puts its own authenticating proxy in front). Empty credentials are neither: nothing may be
 * served on them except by the local runtime on loopback (see `effectiveAuth`).
 */
export type AuthSettings = Credentials | 'none';

/** Whether credentials (a bearer token or basic) are configured. */
export function authConfigured(auth: AuthSettings): auth is Credentials {
  return auth !== 'none' && Boolean(auth.bearerToken || auth.basic);
}

/**
 * Refuse to build, deploy or serve an HTTP function without credentials unless the configuration
 * says `auth: none`: an unset `server.auth` is a forgotten one, and the routes it would leave open
 * create and delete clusters. Throws ConfigError naming the field and `where` it was refused.
 */
export function requireAuth(auth: AuthSettings, where: string): void {
  if (auth === 'none' || authConfigured(auth)) return;
  throw new ConfigError(
    `configuration server.auth: ${where} needs a bearerToken or basic credentials (or "auth: none" to serve without any)`,
  );
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * What a server listening on `host` checks. Unset credentials serve openly only on loopback, so
 * `npm start` with no configuration keeps working on a developer's machine; any other host needs
 * credentials or an explicit `auth: none` (ConfigError naming `server.auth` otherwise).
 */
export function effectiveAuth(auth: AuthSettings, host: string): AuthSettings {
  if (authConfigured(auth)) return auth;
  if (auth === 'none' || LOOPBACK.has(host)) return 'none';
  requireAuth(auth, `listening on ${host} (not loopback)`);
  return auth;
}

/**
 * Check the Authorization header against the configured credentials: `Bearer <token>` (what
 * Alertmanager's `authorization` sends) or `Basic` (its `basic_auth`). Comparison is in
 * constant time over digests, so neither length nor content leaks through timing. Throws
 * AuthError without echoing what was sent. Fails closed: with neither credentials nor `'none'`
 * it lets nothing through (a ConfigError, answered 500), so forgetting the setting never opens
 * a route.
 */
export function checkAuth(header: string | undefined, auth: AuthSettings): void {
  if (auth === 'none') return;
  requireAuth(auth, 'this route');
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

function same(presented: string, configured: string): boolean {
  return timingSafeEqual(digest(presented), configuredDigest(configured));
}

/** Digests compared (equal length, so timingSafeEqual applies whatever was presented). */
const digest = (value: string): Buffer =>
  // crypto.hash (Node >= 20.12) is one call where createHash builds a Hash object each time.
  typeof hash === 'function' ? hash('sha256', value, 'buffer') : createHash('sha256').update(value).digest();

// The configured secrets' digests, computed once rather than on every request (a handful of
// values per process: the token, the basic user and password).
const CONFIGURED = new Map<string, Buffer>();
function configuredDigest(secret: string): Buffer {
  let known = CONFIGURED.get(secret);
  if (!known) {
    known = digest(secret);
    if (CONFIGURED.size < 16) CONFIGURED.set(secret, known);
  }
  return known;
}
