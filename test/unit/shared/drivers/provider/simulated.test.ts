import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BURST_ID_LABEL, OWNER_LABEL } from '../../../../../shared/domain/names.ts';

import { SimulatedProvider } from '../../../../../shared/drivers/provider/simulated.ts';
import { SimulatedProviderOptionsSchema } from '../../../../../shared/drivers/provider/simulated-options.ts';
import { pollCluster, runProviderContract } from '../../../../support/contracts/provider.ts';
import { hostRequest } from '../../../../support/host-request.ts';

runProviderContract('simulated', async () => {
  const provider = new SimulatedProvider(
    'simulated',
    SimulatedProviderOptionsSchema.parse({
      readyAfterMs: 100,
      deleteAfterMs: 50,
      resizeAfterMs: 300,
    }),
  );
  return {
    provider,
    region: 'local',
    resizeRequests: (name) =>
      provider.calls.filter((c) => c.op === 'resize-started' && c.name === name).length,
  };
});

const spec = (name: string) => ({
  name,
  burstId: 'b-000000000001',
  owner: 'me',
  region: 'local',
  nodes: 1,
  labels: { [OWNER_LABEL]: 'me', [BURST_ID_LABEL]: 'b-000000000001' },
});

describe('simulated provider', () => {
  it('answers /healthz, /livez and /readyz without credentials, 500 until the cluster is ready, then ok', async () => {
    const provider = new SimulatedProvider(
      'simulated',
      SimulatedProviderOptionsSchema.parse({ readyAfterMs: 300 }),
    );
    const created = await provider.create(spec('cb-web'));
    const early = await fetch(new URL('/readyz', created.endpoint));
    expect(early.status).toBe(500);
    expect(await early.text()).toContain('readyz check failed');
    await pollCluster({ provider, region: 'local' }, 'cb-web', (c) => c?.state === 'ready');
    for (const path of ['/healthz', '/livez', '/readyz']) {
      const res = await fetch(new URL(path, created.endpoint));
      expect([path, res.status, await res.text()]).toEqual([path, 200, 'ok']);
    }
    expect(await (await fetch(new URL('/version', created.endpoint))).json()).toMatchObject({ major: '1' });
    await provider.close();
  });

  it('answers a user request sent to the API endpoint with the 401 Status of kube-apiserver, not a service', async () => {
    const provider = new SimulatedProvider(
      'simulated',
      SimulatedProviderOptionsSchema.parse({ readyAfterMs: 0 }),
    );
    const created = await provider.create(spec('cb-web'));
    await provider.describe('cb-web');
    const res = await hostRequest(String(new URL('/', created.endpoint)), 'web.example.org');
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['x-cluster']).toBeUndefined();
    expect(JSON.parse(res.body)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
    expect(provider.server('cb-web')?.unauthorized).toBe(1);
    await provider.close();
  });

  it('refuses a wrong token and an individual health check without credentials, and serves /api with the token', async () => {
    const provider = new SimulatedProvider(
      'simulated',
      SimulatedProviderOptionsSchema.parse({ readyAfterMs: 0 }),
    );
    await provider.create(spec('cb-web'));
    const { endpoint, token } = await provider.credentials('cb-web');
    const get = (path: string, bearer?: string) =>
      fetch(new URL(path, endpoint), { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
    expect((await get('/api/v1/namespaces', 'not-the-token')).status).toBe(401);
    expect((await get('/healthz/etcd')).status).toBe(401);
    expect((await get('/healthz/etcd', token)).status).toBe(200);
    expect(await (await get('/api', token)).json()).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const missing = await get('/api/v1/namespaces/web/services', token);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
    await provider.close();
  });

  it('reports a cluster told to fail as failed, and one told to vanish as unknown', async () => {
    const provider = new SimulatedProvider(
      'simulated',
      SimulatedProviderOptionsSchema.parse({ readyAfterMs: 0 }),
    );
    await provider.create(spec('cb-a'));
    const b = await provider.create(spec('cb-b'));
    provider.fail('cb-a', 'quota exceeded');
    await provider.vanish('cb-b');
    expect(await provider.describe('cb-a')).toMatchObject({ state: 'failed', message: 'quota exceeded' });
    expect(await provider.describe('cb-b')).toBeUndefined();
    await expect(fetch(b.endpoint!)).rejects.toThrow();
    await provider.close();
  });

  it('brings its clusters back from the inventory file after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-sim-'));
    const inventoryFile = join(dir, 'inventory.json');
    const first = new SimulatedProvider(
      'simulated',
      SimulatedProviderOptionsSchema.parse({ readyAfterMs: 0, inventoryFile }),
    );
    await first.create(spec('cb-kept'));
    await first.close();
    const second = new SimulatedProvider(
      'simulated',
      SimulatedProviderOptionsSchema.parse({ readyAfterMs: 0, inventoryFile }),
    );
    await second.restore();
    const [kept] = await second.list('me');
    expect(kept?.name).toBe('cb-kept');
    expect((await fetch(new URL('/healthz', kept!.endpoint!))).status).toBe(200);
    await second.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a cluster ready whose resize failed, and says why in the provider words', async () => {
    const provider = new SimulatedProvider(
      'simulated',
      SimulatedProviderOptionsSchema.parse({ readyAfterMs: 0, resizeAfterMs: 0 }),
    );
    await provider.create(spec('cb-grow'));
    provider.failResizes('instance group cannot grow: zone out of machines (stockout)', true);
    await provider.resize('cb-grow', 5);
    const after = await provider.describe('cb-grow');
    expect(after).toMatchObject({
      state: 'ready',
      nodes: { current: 1, desired: 5 },
      resize: { state: 'failed', message: expect.stringContaining('stockout'), quota: true },
    });
    await provider.close();
  });

  it('refuses a resize beyond the node quota as a quota error, leaving the pool as it was', async () => {
    const provider = new SimulatedProvider(
      'simulated',
      SimulatedProviderOptionsSchema.parse({ readyAfterMs: 0, maxNodes: 3 }),
    );
    await provider.create(spec('cb-a'));
    await provider.create(spec('cb-b'));
    const refused = provider.resize('cb-a', 3);
    await expect(refused).rejects.toMatchObject({ quota: true, retryable: false });
    await expect(refused).rejects.toThrow(/quota exceeded/);
    expect((await provider.describe('cb-a'))?.nodes).toEqual({ current: 1, desired: 1 });
    await provider.close();
  });
});
