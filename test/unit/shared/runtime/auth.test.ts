import { timingSafeEqual } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthError, ConfigError } from '../../../../shared/errors.ts';
import { authConfigured, checkAuth, requireAuth } from '../../../../shared/runtime/auth.ts';

// Watch the comparison itself: the constant-time path is a property of what gets compared.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});
const compared = vi.mocked(timingSafeEqual);

const TOKEN = 'c2VjcmV0LXRva2VuLWZvci10ZXN0cw';
const BEARER = { bearerToken: TOKEN };
const BASIC = { basic: { username: 'alertmanager', password: 'p:ss w0rd' } };
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

/** The AuthError thrown by a check, or undefined when the request is let through. */
function refusal(header: string | undefined, auth: Parameters<typeof checkAuth>[1]): AuthError | undefined {
  try {
    checkAuth(header, auth);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(AuthError);
    return error as AuthError;
  }
}

beforeEach(() => {
  compared.mockClear();
});

describe('which credentials are configured', () => {
  it.each([
    [{}, false],
    [BEARER, true],
    [BASIC, true],
    [{ ...BEARER, ...BASIC }, true],
    ['none', false],
  ] as const)('%j counts as configured: %s', (auth, expected) => {
    expect(authConfigured(auth)).toBe(expected);
  });

  it('lets nothing through when no credentials are configured and "none" was not chosen', () => {
    for (const header of [undefined, 'Bearer anything', basic('a', 'b')]) {
      expect(() => checkAuth(header, {})).toThrow(ConfigError);
    }
  });

  it('lets every request through when the configuration says auth: none', () => {
    expect(refusal(undefined, 'none')).toBeUndefined();
    expect(refusal('Bearer anything', 'none')).toBeUndefined();
  });
});

describe('refusing to serve without credentials', () => {
  it.each([[BEARER], [BASIC], ['none' as const]])('accepts %j', (auth) => {
    expect(() => requireAuth(auth, 'a Lambda HTTP function')).not.toThrow();
  });

  it('refuses empty credentials, naming the field, the place and the opt-out', () => {
    expect(() => requireAuth({}, 'a Lambda HTTP function')).toThrow(
      new ConfigError(
        'configuration server.auth: a Lambda HTTP function needs a bearerToken or basic credentials (or "auth: none" to serve without any)',
      ),
    );
  });
});

describe('bearer tokens (Alertmanager http_config.authorization)', () => {
  it('accepts the configured token, whatever the case of the scheme', () => {
    expect(refusal(`Bearer ${TOKEN}`, BEARER)).toBeUndefined();
    expect(refusal(`bearer ${TOKEN}`, BEARER)).toBeUndefined();
  });

  it.each([
    ['a wrong token', 'Bearer not-the-token'],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, 10)}`],
    ['the token with more after it', `Bearer ${TOKEN}x`],
    ['an empty token', 'Bearer '],
    ['the token under another scheme', `Token ${TOKEN}`],
    ['the bare token', TOKEN],
  ])('refuses %s without echoing what was sent', (_, header) => {
    const error = refusal(header, BEARER);
    expect(error?.message).toBe('wrong credentials');
  });

  it('refuses a request without an Authorization header', () => {
    expect(refusal(undefined, BEARER)?.message).toBe('missing Authorization header');
    expect(refusal('', BEARER)?.message).toBe('missing Authorization header');
  });

  it('compares fixed-size digests, so neither length nor a matching prefix changes the path', () => {
    for (const sent of ['x', TOKEN.slice(0, -1), `${TOKEN}${'y'.repeat(500)}`, TOKEN]) {
      compared.mockClear();
      refusal(`Bearer ${sent}`, BEARER);
      expect(compared).toHaveBeenCalledTimes(1);
      const [a, b] = compared.mock.calls[0]!.map((buffer) => Buffer.from(buffer as Uint8Array));
      expect([a!.length, b!.length]).toEqual([32, 32]);
    }
  });
});

describe('basic auth (Alertmanager http_config.basic_auth)', () => {
  it('accepts the configured user and password, with a colon in the password', () => {
    expect(refusal(basic('alertmanager', 'p:ss w0rd'), BASIC)).toBeUndefined();
  });

  it.each([
    ['a wrong password', basic('alertmanager', 'guess')],
    ['a wrong user', basic('someone', 'p:ss w0rd')],
    ['an empty user', basic('', 'p:ss w0rd')],
    ['no colon at all', `Basic ${Buffer.from('alertmanager').toString('base64')}`],
    ['something that is not base64', 'Basic %%%not-base64%%%'],
  ])('refuses %s', (_, header) => {
    expect(refusal(header, BASIC)?.message).toBe('wrong credentials');
  });

  it('checks the password even when the user is wrong, so a valid user name does not show in timing', () => {
    refusal(basic('someone', 'guess'), BASIC);
    expect(compared).toHaveBeenCalledTimes(2);
  });

  it('does not accept basic credentials when only a bearer token is configured, nor the reverse', () => {
    expect(refusal(basic('alertmanager', TOKEN), BEARER)?.message).toBe('wrong credentials');
    expect(refusal('Bearer p:ss w0rd', BASIC)?.message).toBe('wrong credentials');
  });

  it('accepts either form when both are configured', () => {
    const both = { ...BEARER, ...BASIC };
    expect(refusal(`Bearer ${TOKEN}`, both)).toBeUndefined();
    expect(refusal(basic('alertmanager', 'p:ss w0rd'), both)).toBeUndefined();
  });
});
