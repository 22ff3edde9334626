import { describe, expect, it } from 'vitest';
import {
  isOurRef,
  type Route,
  RouteSchema,
  type ServerState,
  serversOf,
  stateOf,
  withoutServer,
  withServer,
} from '../../../../../shared/drivers/gateway/gateway-api-route.ts';

const route: Route = RouteSchema.parse({
  metadata: { name: 'portal', resourceVersion: '7', annotations: { 'team.example.org/owner': 'ri' } },
  spec: {
    hostnames: ['portal.example.org'],
    rules: [
      { backendRefs: [{ name: 'home', port: 80 }], matches: [{ path: { value: '/' } }] },
      { filters: [{ type: 'RequestRedirect' }] },
    ],
  },
});
const state: ServerState = {
  burstId: 'b-0a1b2c3d4e5f',
  state: 'disabled',
  weight: 2,
  since: '2026-11-22T10:00:00.000Z',
};

describe('Gateway API route edits', () => {
  it.each([
    [{ name: 'cb-0a1b2c3d4e5f' }, true],
    [{ name: 'cb-0a1b2c3d4e5f', kind: 'Service', group: '' }, true],
    [{ name: 'home' }, false],
    [{ name: 'cb-0a1b2c3d4e5f', namespace: 'elsewhere' }, false],
    [{ name: 'cb-0a1b2c3d4e5f', kind: 'ServiceImport', group: 'multicluster.x-k8s.io' }, false],
  ])('treats backendRef %j as ours: %s', (ref, ours) => {
    expect(isOurRef(ref)).toBe(ours);
  });

  it('adds our backendRef with its weight only to rules that send to backends, keeping unknown fields', () => {
    const next = withServer(route, { name: 'cb-0a1b2c3d4e5f', port: 80, weight: 0 }, state);
    expect(next?.spec.rules?.[0]?.backendRefs).toEqual([
      { name: 'home', port: 80 },
      { name: 'cb-0a1b2c3d4e5f', port: 80, weight: 0 },
    ]);
    expect(next?.spec.rules?.[1]).toEqual({ filters: [{ type: 'RequestRedirect' }] });
    expect(next?.spec.hostnames).toEqual(['portal.example.org']);
    expect(next?.metadata.resourceVersion).toBe('7');
    expect(stateOf(next as Route, 'cb-0a1b2c3d4e5f')).toEqual(state);
  });

  it('never mutates the route it was handed', () => {
    const copy = structuredClone(route);
    withServer(route, { name: 'cb-0a1b2c3d4e5f', port: 80, weight: 1 }, state);
    withoutServer(route, 'home');
    expect(route).toEqual(copy);
  });

  it('sets the weight of an existing backendRef instead of adding a second one', () => {
    const once = withServer(route, { name: 'cb-x', port: 80, weight: 0 }, state) as Route;
    const twice = withServer(
      once,
      { name: 'cb-x', port: 80, weight: 2 },
      { ...state, state: 'ready' },
    ) as Route;
    expect(serversOf(twice)).toEqual([
      { name: 'cb-x', port: 80, weight: 2, state: { ...state, state: 'ready' } },
    ]);
  });

  it('has nowhere to add a server on a redirect-only route', () => {
    const redirectOnly = RouteSchema.parse({ metadata: { name: 'r' }, spec: { rules: [{ filters: [] }] } });
    expect(withServer(redirectOnly, { name: 'cb-x', port: 80, weight: 0 }, state)).toBeUndefined();
  });

  it('removes our backendRef and annotation and leaves everything else', () => {
    const added = withServer(route, { name: 'cb-x', port: 80, weight: 1 }, state) as Route;
    expect(withoutServer(added, 'cb-x')).toEqual(route);
  });

  it('will not remove a backendRef that is not ours, even by name', () => {
    expect(withoutServer(route, 'home')).toEqual(route);
  });

  it('ignores a malformed state annotation rather than trusting it', () => {
    const odd = RouteSchema.parse({
      ...route,
      metadata: { name: 'p', annotations: { 'clusterburst.io/cb-x': '{not json' } },
    });
    expect(stateOf(odd, 'cb-x')).toBeUndefined();
  });
});
