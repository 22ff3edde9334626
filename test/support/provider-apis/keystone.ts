import { randomUUID } from 'node:crypto';
import type { KeystoneAuth } from '../../../shared/drivers/openstack/keystone.ts';
import type { EmulatedReply, EmulatedRequest } from './http.ts';

/** One service in the token's catalog. */
export interface CatalogService {
  readonly type: string;
  readonly name: string;
  readonly endpoints: readonly {
    readonly interface: string;
    readonly region: string;
    readonly url: string;
  }[];
}

const UNAUTHORIZED: EmulatedReply = {
  status: 401,
  body: {
    error: {
      code: 401,
      title: 'Unauthorized',
      message: 'The request you have made requires authentication.',
    },
  },
};

/**
 * Keystone v3 token issue and check, for emulated OpenStack services: `POST /v3/auth/tokens` with
 * password or application-credential identity answers 201, the token in `X-Subject-Token`, and
 * the catalog in the body; services accept `X-Auth-Token` until it expires or is revoked, and
 * answer 401 otherwise (Keystone API v3 reference, "Password authentication with scoped
 * authorization", "Authenticating with an Application Credential").
 */
export class KeystoneEmulator {
  /** Lifetime of issued tokens in real milliseconds. */
  tokenTtlMs = 3_600_000;
  /** Token requests served (to see caching and re-authentication). */
  authentications = 0;
  readonly #tokens = new Map<string, number>();

  constructor(
    readonly credentials: KeystoneAuth,
    private readonly catalog: (origin: string) => CatalogService[],
  ) {}

  /** Answers `POST .../v3/auth/tokens`. */
  authenticate(request: EmulatedRequest, origin: string): EmulatedReply {
    this.authentications += 1;
    const identity = (request.body as { auth?: { identity?: Record<string, unknown> } } | undefined)?.auth
      ?.identity;
    const c = this.credentials;
    const ok =
      c.type === 'applicationCredential'
        ? JSON.stringify(identity?.application_credential) === JSON.stringify({ id: c.id, secret: c.secret })
        : JSON.stringify(identity?.password) ===
          JSON.stringify({
            user: { name: c.username, domain: { name: c.userDomainName }, password: c.password },
          });
    if (!ok) return UNAUTHORIZED;
    const token = `gAAAAA${randomUUID().replaceAll('-', '')}`;
    const expiresAt = Date.now() + this.tokenTtlMs;
    this.#tokens.set(token, expiresAt);
    return {
      status: 201,
      headers: { 'x-subject-token': token },
      body: {
        token: {
          methods: [c.type === 'applicationCredential' ? 'application_credential' : 'password'],
          expires_at: new Date(expiresAt).toISOString(),
          project: { id: 'b7f2', name: 'burst', domain: { id: 'default', name: 'Default' } },
          catalog: this.catalog(origin),
        },
      },
    };
  }

  /** The 401 a service gives a request without a valid token, or undefined when the token is good. */
  refuse(request: EmulatedRequest): EmulatedReply | undefined {
    const token = request.headers['x-auth-token'];
    const expiry = typeof token === 'string' ? this.#tokens.get(token) : undefined;
    return expiry === undefined || expiry < Date.now() ? UNAUTHORIZED : undefined;
  }

  /** Every token issued so far stops working (as after a Keystone restart with new keys). */
  revokeTokens(): void {
    this.#tokens.clear();
  }
}
