import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BURST_LABEL, OWNER_LABEL } from '../../../../../shared/drivers/provider/provider.ts';
import { SimulatedProvider } from '../../../../../shared/drivers/provider/simulated.ts';
import { pollCluster, runProviderContract } from '../../../../support/contracts/provider.ts';

runProviderContract('simulated', async () => ({
  provider: new SimulatedProvider('simulated', { readyAfterMs: 100, deleteAfterMs: 50 }),
  region: 'local',
}));

const spec = (name: string) => ({
  name,
  burstId: 'b-000000000001',
  owner: 'me',
  region: 'local',
  nodes: 1,
  labels: { [OWNER_LABEL]: 'me', [BURST_LABEL]: 'b-000000000001' },
});

describe('simulated provider', () => {
  it('serves its name over HTTP and answers /healthz only once ready', async () => {
    const provider = new SimulatedProvider('simulated', { readyAfterMs: 300 });
    const created = await provider.create(spec('cb-web'));
    const early = await fetch(new URL('/healthz', created.endpoint));
    expect(early.status).toBe(503);
    await pollCluster({ provider, region: 'local' }, 'cb-web', (c) => c?.state === 'ready');
    expect((await fetch(new URL('/healthz', created.endpoint))).status).toBe(200);
    expect(await (await fetch(new URL('/', created.endpoint))).text()).toBe('cb-web\n');
    await provider.close();
  });

  it('reports a cluster told to fail as failed, and one told to vanish as unknown', async () => {
    const provider = new SimulatedProvider('simulated', { readyAfterMs: 0 });
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
    const first = new SimulatedProvider('simulated', { readyAfterMs: 0, inventoryFile });
    await first.create(spec('cb-kept'));
    await first.close();
    const second = new SimulatedProvider('simulated', { readyAfterMs: 0, inventoryFile });
    await second.restore();
    const [kept] = await second.list('me');
    expect(kept?.name).toBe('cb-kept');
    expect(await (await fetch(kept!.endpoint!)).text()).toBe('cb-kept\n');
    await second.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
