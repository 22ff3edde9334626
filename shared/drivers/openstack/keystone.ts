import { z } from 'zod';
import { DriverError } from '../../errors.ts';
import { classifyError } from '../cloud/classify-error.ts';
import type { KeystoneAuth } from './keystone-options.ts';

export type { KeystoneAuth } from './keystone-options.ts';

/** Where and how a session authenticates and finds its service. */
export interface KeystoneSessionOptions {
  /** Keystone v3 root, e.g. `https://keystone.example.org:5000/v3`. */
  readonly authUrl: string;
  readonly auth: KeystoneAuth;
  /** Catalog service type, e.g. `container-infra`. */
  readonly serviceType: string;
  /** Catalog region; the first endpoint of the interface when unset. */
  readonly region?: string;
  /** Catalog interface. */
  readonly interface: 'public' | 'internal' | 'admin';
  /** Use this service URL instead of the catalog's. */
  readonly endpointOverride?: string;
  /** Deadline of one HTTP call in ms. */
  readonly timeoutMs: number;
}

/** One HTTP answer of the service: status and parsed JSON body (undefined when empty). */
export interface ServiceResponse {
  readonly status: number;
  readonly body: unknown;
}

const TokenBodySchema = z.object({
  token: z.object({
    expires_at: z.string(),
    catalog: z
      .array(
        z.object({
          type: z.string(),
          endpoints: z.array(
            z.object({ interface: z.string(), region: z.string().nullish(), url: z.string() }),
          ),
        }),
      )
      .default([]),
  }),
});

/** Refresh this long before Keystone's expiry, so no call leaves with a token about to lapse. */
const EXPIRY_MARGIN_MS = 60_000;

/**
 * A Keystone-authenticated session for one OpenStack service: gets a scoped token
 * (`POST /v3/auth/tokens`, token in `X-Subject-Token`), keeps it until shortly before it
 * expires, finds the service in the catalog, and on a 401 authenticates again once.
 */
export class KeystoneSession {
  #current?: Promise<{ token: string; expiresAt: number; endpoint: string }>;

  constructor(
    private readonly driver: string,
    private readonly options: KeystoneSessionOptions,
  ) {}

  /** Call the service at `path` (relative to its endpoint) with JSON in and out. */
  async request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ServiceResponse> {
    const first = await this.#send(method, path, body, headers, false);
    if (first.status !== 401) return first;
    // The token may have been revoked or expired early: one fresh token, then give up.
    this.#current = undefined;
    return this.#send(method, path, body, headers, true);
  }

  async #send(
    method: string,
    path: string,
    body: unknown,
    headers: Record<string, string>,
    retried: boolean,
  ): Promise<ServiceResponse> {
    const { token, endpoint } = await this.#session();
    const response = await this.#fetch(`${method} ${path}`, `${endpoint}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        'x-auth-token': token,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const parsed = await readJson(response);
    if (response.status === 401 && retried) {
      throw new DriverError(this.driver, `${method} ${path} refused the fresh Keystone token (401)`);
    }
    return { status: response.status, body: parsed };
  }

  async #session(): Promise<{ token: string; expiresAt: number; endpoint: string }> {
    const current = this.#current && (await this.#current.catch(() => undefined));
    if (current && current.expiresAt - EXPIRY_MARGIN_MS > Date.now()) return current;
    const next = this.#authenticate();
    this.#current = next;
    try {
      return await next;
    } catch (error) {
      if (this.#current === next) this.#current = undefined;
      throw error;
    }
  }

  async #authenticate(): Promise<{ token: string; expiresAt: number; endpoint: string }> {
    const url = `${this.options.authUrl.replace(/\/+$/, '')}/auth/tokens`;
    const response = await this.#fetch('Keystone authentication', url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(authBody(this.options.auth)),
    });
    const body = await readJson(response);
    if (response.status !== 201) throw this.fail('Keystone authentication', response.status, body);
    const token = response.headers.get('x-subject-token');
    const parsed = TokenBodySchema.safeParse(body);
    if (!token || !parsed.success) {
      throw new DriverError(this.driver, 'Keystone answered without a token or a readable catalog', {
        retryable: true,
      });
    }
    return {
      token,
      expiresAt: Date.parse(parsed.data.token.expires_at),
      endpoint: this.#endpoint(parsed.data.token.catalog),
    };
  }

  #endpoint(catalog: z.output<typeof TokenBodySchema>['token']['catalog']): string {
    const { endpointOverride, serviceType, region } = this.options;
    const chosen =
      endpointOverride ??
      catalog
        .find((s) => s.type === serviceType)
        ?.endpoints.find((e) => e.interface === this.options.interface && (!region || e.region === region))
        ?.url;
    if (!chosen) {
      throw new DriverError(
        this.driver,
        `no ${this.options.interface} ${serviceType} endpoint${region ? ` in ${region}` : ''} in the catalog`,
      );
    }
    return chosen.replace(/\/+$/, '');
  }

  async #fetch(action: string, url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(this.options.timeoutMs) });
    } catch (error) {
      // The request body may hold the password: the error names the action, never the body.
      throw classifyError(this.driver, action, error);
    }
  }

  /** A DriverError for an OpenStack error answer (Keystone `error`, Magnum `errors[]`). */
  fail(action: string, status: number, body: unknown): DriverError {
    const { title, detail } = openStackError(body);
    const error = new Error(detail ?? `HTTP ${status}`);
    return classifyError(this.driver, action, error, {
      status,
      code: title,
      ...(status === 401 || status === 403 ? { retryable: false } : {}),
    });
  }
}

function authBody(auth: KeystoneAuth): unknown {
  if (auth.type === 'applicationCredential') {
    return {
      auth: {
        identity: {
          methods: ['application_credential'],
          application_credential: { id: auth.id, secret: auth.secret },
        },
      },
    };
  }
  return {
    auth: {
      identity: {
        methods: ['password'],
        password: {
          user: { name: auth.username, domain: { name: auth.userDomainName }, password: auth.password },
        },
      },
      scope: { project: { name: auth.projectName, domain: { name: auth.projectDomainName } } },
    },
  };
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text.slice(0, 200);
  }
}

/** Title and detail of an OpenStack error body, in either of its two shapes. */
export function openStackError(body: unknown): { title?: string; detail?: string } {
  const b = body as
    | { error?: { title?: string; message?: string }; errors?: { title?: string; detail?: string }[] }
    | undefined;
  if (b?.errors?.[0]) return { title: b.errors[0].title, detail: b.errors[0].detail };
  if (b?.error) return { title: b.error.title, detail: b.error.message };
  return typeof body === 'string' ? { detail: body } : {};
}
