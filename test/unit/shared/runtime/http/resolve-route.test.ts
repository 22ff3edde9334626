import { describe, expect, it } from 'vitest';
import { resolveRoute } from '../../../../../shared/runtime/http/resolve-route.ts';
import type { HttpRoute } from '../../../../../shared/runtime/http/route.ts';

const handle: HttpRoute['handle'] = async () => ({ status: 200, body: {} });
const ROUTES: HttpRoute[] = [
  { method: 'GET', path: '/bursts', handle },
  { method: 'POST', path: '/bursts', handle },
  { method: 'GET', path: '/bursts/{id}', handle },
  { method: 'DELETE', path: '/bursts/{id}', handle },
  { method: 'POST', path: '/alerts/alertmanager', handle },
];

describe('resolveRoute', () => {
  it('finds the route of the method and path, with its parameters percent-decoded', () => {
    const match = resolveRoute(ROUTES, 'delete', '/bursts/b%2D1');
    expect([match.route.method, match.route.path, match.params]).toEqual([
      'DELETE',
      '/bursts/{id}',
      { id: 'b-1' },
    ]);
    expect(resolveRoute(ROUTES, 'POST', '/alerts/alertmanager').params).toEqual({});
  });

  it('answers 405 for a path served with other methods and 404 for one not served at all', () => {
    expect(() => resolveRoute(ROUTES, 'PUT', '/bursts/b-1')).toThrow(
      expect.objectContaining({ status: 405, message: 'method PUT not allowed on /bursts/b-1' }),
    );
    expect(() => resolveRoute(ROUTES, 'GET', '/bursts/b-1/events')).toThrow(
      expect.objectContaining({ status: 404 }),
    );
    // An empty parameter is no parameter.
    expect(() => resolveRoute(ROUTES, 'GET', '/bursts/')).toThrow(expect.objectContaining({ status: 404 }));
  });

  it('answers 400 for a parameter that is not valid percent-encoding', () => {
    expect(() => resolveRoute(ROUTES, 'GET', '/bursts/%E0%A4%A')).toThrow(
      expect.objectContaining({ status: 400 }),
    );
  });

  it('gives the same answer when asked again (patterns parsed once, literal paths remembered)', () => {
    for (let i = 0; i < 3; i++) {
      expect(resolveRoute(ROUTES, 'GET', `/bursts/b-${i}`).params).toEqual({ id: `b-${i}` });
      expect(resolveRoute(ROUTES, 'post', '/bursts').route).toBe(ROUTES[1]);
      expect(resolveRoute(ROUTES, 'GET', '/bursts').route).toBe(ROUTES[0]);
      expect(() => resolveRoute(ROUTES, 'PUT', '/bursts')).toThrow(expect.objectContaining({ status: 405 }));
    }
    // Another table with the same paths answers from its own routes.
    const other: HttpRoute[] = [{ method: 'GET', path: '/bursts', handle }];
    expect(resolveRoute(other, 'GET', '/bursts').route).toBe(other[0]);
    expect(() => resolveRoute(other, 'POST', '/bursts')).toThrow(expect.objectContaining({ status: 405 }));
  });
});
