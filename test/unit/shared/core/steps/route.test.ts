import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../../../../shared/config/config-schema.ts';
import { drain } from '../../../../../shared/core/steps/drain.ts';
import { route } from '../../../../../shared/core/steps/route.ts';
import { type LifecycleWorld, startLifecycleWorld } from '../../../../support/lifecycle-world.ts';
import { RecordingFederation } from '../../../../support/recording-federation.ts';

/** A service's ingress on the burst cluster: answers 200 on /ready to its own Host only. */
async function ingress(hostname: string) {
  const seen: IncomingHttpHeaders[] = [];
  const state = { status: 200 };
  const server: Server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(req.headers.host === hostname && req.url === '/ready' ? state.status : 404).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  return { port: (server.address() as AddressInfo).port, seen, state };
}
const servers: Server[] = [];

const SITE: ConfigInput = {
  protection: { allowedNamespaces: ['web', 'lab'] },
  services: [
    {
      name: 'web',
      hostname: 'web.example.org',
      burstable: true,
      namespace: 'web',
      health: { type: 'http', path: '/ready' },
    },
    { name: 'intranet', hostname: 'intranet.example.org', namespace: 'web' },
    { name: 'genomes', hostname: 'genomes.example.org', burstable: true, namespace: 'lab' },
  ],
  dns: { driver: 'memory', mode: 'gateway', zone: 'burst.example.org' },
};

describe('route: traffic goes to each service on the burst cluster, never to its API server', () => {
  let w: LifecycleWorld;
  let fed: RecordingFederation;
  afterEach(async () => {
    await w?.close();
    for (const s of servers.splice(0)) s.close();
  });

  async function joined(config: ConfigInput = SITE) {
    fed = new RecordingFederation();
    fed.namespaceLabels.lab = { 'clusterburst.io/restricted-data': 'true' };
    w = await startLifecycleWorld(config, { overrides: { federation: fed } });
    const burst = await w.admit();
    return w.walkTo(burst.id, 'Joined');
  }

  it('places only the services that may burst, and points DNS and the gateway at each ingress', async () => {
    const burst = await joined();
    const web = await ingress('web.example.org');
    fed.onMember.set('web', {
      desiredReplicas: 2,
      readyReplicas: 2,
      ingress: { host: '127.0.0.1', port: web.port },
    });
    expect(await route(w.deps, burst.id)).toMatchObject({ outcome: 'moved', to: 'Active' });
    expect(fed.placed()).toEqual(['web']);
    const active = await w.record(burst.id);
    expect(active.services).toEqual([
      { name: 'web', ingress: `127.0.0.1:${web.port}`, readyReplicas: 2, routed: true },
    ]);
    expect(active.apiEndpoint).not.toContain(`:${web.port}`);
    const servers = await w.deps.gateway.listOwned({ burstId: burst.id });
    expect(servers.map((s) => [s.backend, s.address, s.port, s.state])).toEqual([
      ['web', '127.0.0.1', web.port, 'ready'],
    ]);
    expect(await w.deps.dns.listOwned(w.deps.owner, { burstId: burst.id })).toEqual([
      expect.objectContaining({
        name: `web.${burst.name}.burst.example.org`,
        type: 'A',
        values: ['127.0.0.1'],
      }),
    ]);
    // The probe went through the ingress with the service's Host header and health path.
    expect(web.seen.map((h) => h.host)).toContain('web.example.org');
  });

  it('is not Active while a service has no ready replica on the member, and says which one', async () => {
    const burst = await joined();
    fed.onMember.set('web', { desiredReplicas: 2, readyReplicas: 0, message: 'ContainerCreating' });
    const waiting = await route(w.deps, burst.id);
    expect(waiting).toMatchObject({ outcome: 'waiting' });
    expect(waiting.why).toBe('waiting for service web: 0/2 replicas ready (ContainerCreating)');
    expect((await w.record(burst.id)).phase).toBe('Joined');
    expect(await w.deps.gateway.listOwned({ burstId: burst.id })).toEqual([]);
  });

  it('is not Active while a ready service has no ingress address yet', async () => {
    const burst = await joined();
    fed.onMember.set('web', { desiredReplicas: 2, readyReplicas: 1 });
    expect((await route(w.deps, burst.id)).why).toBe('waiting for service web: no ingress address yet');
    expect((await w.record(burst.id)).services).toEqual([
      { name: 'web', readyReplicas: 1, routed: false, waiting: 'no ingress address yet' },
    ]);
  });

  it('is not Active while a service fails its health check through its ingress', async () => {
    const burst = await joined();
    const web = await ingress('web.example.org');
    web.state.status = 503;
    fed.onMember.set('web', {
      desiredReplicas: 1,
      readyReplicas: 1,
      ingress: { host: '127.0.0.1', port: web.port },
    });
    expect((await route(w.deps, burst.id)).why).toBe(
      `waiting for service web: does not pass its http health check at 127.0.0.1:${web.port}`,
    );
    web.state.status = 200;
    expect(await route(w.deps, burst.id)).toMatchObject({ outcome: 'moved', to: 'Active' });
  });

  it('fails a burst whose service never becomes ready at the route deadline, through the normal teardown', async () => {
    const burst = await joined({ ...SITE, policy: { routeDeadlineSeconds: 300 } });
    fed.onMember.set('web', { desiredReplicas: 2, readyReplicas: 0 });
    expect((await route(w.deps, burst.id)).outcome).toBe('waiting');
    w.advance(301);
    expect(await route(w.deps, burst.id)).toMatchObject({ outcome: 'moved', from: 'Joined', to: 'Leaving' });
    expect((await w.record(burst.id)).lastError).toBe(
      `route deadline of 300s passed on ${burst.name} waiting for service web: 0/2 replicas ready`,
    );
    expect(await w.deps.gateway.listOwned({ burstId: burst.id })).toEqual([]);
  });

  it('fails a burst on which no service may burst, saying why for each', async () => {
    const burst = await joined({ ...SITE, services: [{ name: 'intranet', hostname: 'i.example.org' }] });
    expect(await route(w.deps, burst.id)).toMatchObject({ outcome: 'moved', to: 'Leaving' });
    expect((await w.record(burst.id)).lastError).toBe(
      'no service may burst (intranet: not marked burstable)',
    );
    expect(fed.placed()).toEqual([]);
  });

  it('leaves DNS and the gateway alone when the federation routes in-cluster, and says so', async () => {
    const burst = await joined();
    fed.inClusterRouting = true;
    fed.onMember.set('web', { desiredReplicas: 1, readyReplicas: 1 });
    const moved = await route(w.deps, burst.id);
    expect(moved).toMatchObject({ outcome: 'moved', to: 'Active' });
    expect(moved.why).toContain('recording routes in-cluster: DNS and gateway left alone');
    expect(await w.deps.gateway.listOwned({ burstId: burst.id })).toEqual([]);
    expect(await w.deps.dns.listOwned(w.deps.owner, { burstId: burst.id })).toEqual([]);
  });

  it('routes again a burst whose drain was cancelled: its servers in drain are enabled, not doubled', async () => {
    const burst = await joined();
    const web = await ingress('web.example.org');
    fed.onMember.set('web', {
      desiredReplicas: 1,
      readyReplicas: 1,
      ingress: { host: '127.0.0.1', port: web.port },
    });
    await route(w.deps, burst.id);
    await drain(w.deps, burst.id);
    const draining = await w.record(burst.id);
    expect((await w.deps.gateway.listOwned({ burstId: burst.id })).map((s) => s.state)).toEqual(['drain']);
    // A cancelled drain (issue 12) puts the burst back to Joined; route runs again.
    await w.deps.store.update({ ...draining, phase: 'Joined' });
    expect(await route(w.deps, burst.id)).toMatchObject({ outcome: 'moved', to: 'Active' });
    expect((await w.deps.gateway.listOwned({ burstId: burst.id })).map((s) => s.state)).toEqual(['ready']);
  });
});
