import { afterEach, describe, expect, it } from 'vitest';
import { BURST_ID_LABEL, OWNER_LABEL } from '../../../../../shared/domain/names.ts';
import { GkeProvider } from '../../../../../shared/drivers/provider/gke.ts';
import { GkeOptionsSchema } from '../../../../../shared/drivers/provider/gke-options.ts';
import { pollCluster } from '../../../../support/contracts/provider.ts';
import { GkeEmulator } from '../../../../support/provider-apis/gke.ts';

const TOKEN = 'ya29.emulated-access-token';
const LOCATION = 'europe-west1';
const NAME = 'cb-0123456789ab';

describe('GKE node pool resize', () => {
  let api: GkeEmulator;
  afterEach(async () => api?.close());

  async function readyCluster(mode: 'standard' | 'autopilot' = 'standard') {
    api = new GkeEmulator(TOKEN);
    const apiEndpoint = await api.start();
    const provider = new GkeProvider(
      'gke-eu',
      GkeOptionsSchema.parse({
        project: 'ri-burst-01',
        location: LOCATION,
        apiEndpoint,
        protocol: 'http',
        mode,
      }),
      { tokenSource: async () => TOKEN },
    );
    await provider.create({
      name: NAME,
      burstId: 'b-0123456789ab',
      owner: 'ri-lisbon',
      region: LOCATION,
      nodes: 2,
      labels: { [OWNER_LABEL]: 'ri-lisbon', [BURST_ID_LABEL]: 'b-0123456789ab' },
    });
    await pollCluster(
      { provider, region: LOCATION, tick: async () => api.tick() },
      NAME,
      (c) => c?.state === 'ready',
    );
    return provider;
  }

  it('posts setSize for the burst pool and follows its SET_NODE_POOL_SIZE operation, counting nodes per zone', async () => {
    const provider = await readyCluster();
    expect((await provider.describe(NAME))?.nodes).toEqual({ current: 2, desired: 2 });
    const resizing = await provider.resize(NAME, 3);
    expect(api.log.filter((r) => r.method === 'POST' && r.path.endsWith(':setSize'))).toEqual([
      {
        method: 'POST',
        path: `/v1/projects/ri-burst-01/locations/${LOCATION}/clusters/${NAME}/nodePools/burst:setSize`,
      },
    ]);
    expect(resizing).toMatchObject({
      state: 'ready',
      nodes: { current: 2 },
      resize: { state: 'resizing', message: 'set node pool size operation RUNNING' },
    });
    api.tick(3 * 60_000);
    const done = await provider.describe(NAME);
    expect(done?.resize).toBeUndefined();
    expect(done?.nodes).toEqual({ current: 3, desired: 3 });
  });

  it('reports a resize operation that failed with the GKE error, as quota when a zone ran out', async () => {
    const provider = await readyCluster();
    api.resizeFailure = {
      code: 8,
      message:
        "Google Compute Engine: The zone 'projects/ri-burst-01/zones/europe-west1-b' does not have enough resources available to fulfill the request. ZONE_RESOURCE_POOL_EXHAUSTED.",
    };
    await provider.resize(NAME, 5);
    api.tick(3 * 60_000);
    const failed = await provider.describe(NAME);
    expect(failed).toMatchObject({
      state: 'ready',
      nodes: { current: 2 },
      resize: {
        state: 'failed',
        quota: true,
        message: expect.stringContaining('ZONE_RESOURCE_POOL_EXHAUSTED'),
      },
    });
  });

  it('reports a failure that is not a shortage without quota', async () => {
    const provider = await readyCluster();
    api.resizeFailure = { code: 9, message: 'The node pool burst has an ongoing upgrade.' };
    await provider.resize(NAME, 5);
    api.tick(3 * 60_000);
    const failed = await provider.describe(NAME);
    expect(failed?.resize).toEqual({
      state: 'failed',
      message: 'set node pool size operation failed: The node pool burst has an ongoing upgrade.',
    });
  });

  it('turns the 403 for short regional quota into a quota error, as for creates', async () => {
    const provider = await readyCluster();
    api.maxNodes = 4;
    const refused = provider.resize(NAME, 6);
    await expect(refused).rejects.toMatchObject({ quota: true, retryable: false });
    await expect(refused).rejects.toThrow(/Insufficient regional quota/);
    expect(api.resizes.get(NAME) ?? 0).toBe(0);
  });

  it('sends nothing for an Autopilot cluster, whose nodes Google sizes to the pods', async () => {
    const provider = await readyCluster('autopilot');
    const view = await provider.resize(NAME, 5);
    expect(view.state).toBe('ready');
    expect(api.resizes.get(NAME) ?? 0).toBe(0);
  });

  it('refuses to resize a cluster without our owner label and sends nothing', async () => {
    const provider = await readyCluster();
    api.seed(LOCATION, 'physics-prod', { team: 'physics' });
    await expect(provider.resize('physics-prod', 10)).rejects.toThrow(/refusing to resize physics-prod/);
    expect(api.log.some((r) => r.path.endsWith(':setSize'))).toBe(false);
  });
});
