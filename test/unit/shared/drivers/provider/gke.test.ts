import { afterEach, describe, expect, it } from 'vitest';
import { BURST_ID_LABEL, OWNER_LABEL } from '../../../../../shared/domain/names.ts';
import { GkeProvider } from '../../../../../shared/drivers/provider/gke.ts';
import { GkeOptionsSchema } from '../../../../../shared/drivers/provider/gke-options.ts';
import type { ClusterSpec } from '../../../../../shared/drivers/provider/provider.ts';
import { DriverError } from '../../../../../shared/errors.ts';
import { pollCluster, runProviderContract } from '../../../../support/contracts/provider.ts';
import { GkeEmulator } from '../../../../support/provider-apis/gke.ts';

const TOKEN = 'ya29.emulated-access-token';
const LOCATION = 'europe-west1';

async function setup(options: { mode?: 'standard' | 'autopilot'; tokenSource?: () => Promise<string> } = {}) {
  const api = new GkeEmulator(TOKEN);
  const apiEndpoint = await api.start();
  const provider = new GkeProvider(
    'gke-eu',
    GkeOptionsSchema.parse({
      project: 'ri-burst-01',
      location: LOCATION,
      apiEndpoint,
      protocol: 'http',
      mode: options.mode ?? 'standard',
    }),
    { tokenSource: options.tokenSource ?? (async () => TOKEN) },
  );
  const harness = {
    provider,
    region: LOCATION,
    tick: async () => api.tick(),
    cleanup: () => api.close(),
    resizeRequests: (name: string) => api.resizes.get(name) ?? 0,
  };
  return { api, apiEndpoint, provider, harness };
}

const spec = (name = 'cb-0123456789ab', owner = 'ri-lisbon'): ClusterSpec => ({
  name,
  burstId: `b-${name.slice(3)}`,
  owner,
  region: LOCATION,
  nodes: 2,
  labels: { [OWNER_LABEL]: owner, [BURST_ID_LABEL]: `b-${name.slice(3)}` },
});

runProviderContract('gke', async () => (await setup()).harness);

describe('GKE provider', () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });
  const start = async (options?: Parameters<typeof setup>[0]) => {
    const s = await setup(options);
    cleanup = async () => {
      await s.provider.close();
      await s.api.close();
    };
    return s;
  };

  it('creates a Standard cluster with a node pool and GKE-safe ownership labels, then reports it ready', async () => {
    const { api, provider, harness } = await start();
    const created = await provider.create(spec());
    expect(created).toMatchObject({ state: 'provisioning', labels: { [OWNER_LABEL]: 'ri-lisbon' } });
    const early = await provider.describe('cb-0123456789ab');
    expect(early).toMatchObject({
      state: 'provisioning',
      message: expect.stringMatching(/create operation RUNNING/),
    });
    expect(api.log.some((r) => r.method === 'GET' && r.path.includes('/operations/'))).toBe(true);

    const ready = await pollCluster(harness, 'cb-0123456789ab', (c) => c?.state === 'ready');
    expect(ready).toMatchObject({
      // The cluster's own API server (provider-apis/member-api.ts), not an address nothing answers.
      endpoint: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/),
      labels: { [OWNER_LABEL]: 'ri-lisbon', [BURST_ID_LABEL]: 'b-0123456789ab' },
    });
  });

  it('creates an Autopilot cluster without a node pool', async () => {
    const { provider, harness } = await start({ mode: 'autopilot' });
    await provider.create(spec());
    const ready = await pollCluster(harness, 'cb-0123456789ab', (c) => c?.state === 'ready');
    expect(ready?.state).toBe('ready');
  });

  it('finds the create operation by listing when another instance started it', async () => {
    const { api, apiEndpoint, provider } = await start();
    await provider.create(spec());
    const other = new GkeProvider(
      'gke-eu',
      GkeOptionsSchema.parse({ project: 'ri-burst-01', location: LOCATION, apiEndpoint, protocol: 'http' }),
      { tokenSource: async () => TOKEN },
    );
    const seen = await other.describe('cb-0123456789ab');
    await other.close();
    expect(seen?.message).toMatch(/create operation RUNNING/);
    expect(api.log.some((r) => r.method === 'GET' && r.path.endsWith('/operations'))).toBe(true);
  });

  it('reports a create that ran out of zone capacity as failed with the operation error', async () => {
    const { api, provider, harness } = await start();
    await provider.create(spec());
    api.failProvisioning(
      'cb-0123456789ab',
      'GCE_STOCKOUT',
      'The zone does not have enough resources (ZONE_RESOURCE_POOL_EXHAUSTED)',
    );
    const failed = await pollCluster(harness, 'cb-0123456789ab', (c) => c?.state !== 'provisioning');
    expect(failed).toMatchObject({
      state: 'failed',
      message: expect.stringMatching(/ZONE_RESOURCE_POOL_EXHAUSTED/),
    });
  });

  it.each([
    [
      'a zone stockout',
      'GCE_STOCKOUT',
      "Google Compute Engine: The zone 'projects/ri-burst-01/zones/europe-west1-b' does not have enough resources available to fulfill the request.",
    ],
    [
      'short regional quota',
      'GCE_QUOTA_EXCEEDED',
      "Insufficient regional quota to satisfy request: resource \"CPUS\": request requires '8.0' and is short '4.0'.",
    ],
  ])(
    'marks a cluster failed for %s as a quota failure, in describe and in list',
    async (_why, code, message) => {
      const { api, provider, harness } = await start();
      await provider.create(spec());
      api.failProvisioning('cb-0123456789ab', code, message);
      const failed = await pollCluster(harness, 'cb-0123456789ab', (c) => c?.state !== 'provisioning');
      expect(failed).toEqual(
        expect.objectContaining({
          state: 'failed',
          quota: true,
          message: `create operation failed: ${message}`,
        }),
      );
      // Listing reads no operation: the cluster's own condition says it.
      expect(await provider.list('ri-lisbon')).toEqual([
        expect.objectContaining({ state: 'failed', quota: true, message: `${message}; ${code}: ${message}` }),
      ]);
    },
  );

  it.each([
    [
      'a deleted service account',
      'GKE_SERVICE_ACCOUNT_DELETED',
      'The default compute service account 1234-compute@developer.gserviceaccount.com was deleted.',
    ],
    ['an unusable KMS key', 'CLOUD_KMS_KEY_ERROR', 'Cloud KMS key is disabled or its permission is missing.'],
  ])('leaves the quota flag off a cluster failed for %s', async (_why, code, message) => {
    const { api, provider, harness } = await start();
    await provider.create(spec());
    api.failProvisioning('cb-0123456789ab', code, message);
    const failed = await pollCluster(harness, 'cb-0123456789ab', (c) => c?.state !== 'provisioning');
    expect(failed).toMatchObject({ state: 'failed', message: `create operation failed: ${message}` });
    expect(failed).not.toHaveProperty('quota');
    const [listed] = await provider.list('ri-lisbon');
    expect(listed).toMatchObject({ state: 'failed' });
    expect(listed).not.toHaveProperty('quota');
  });

  it('turns GKE short regional quota into a quota error so placement tries the next provider', async () => {
    const { api, provider } = await start();
    api.maxNodes = 1;
    const thrown = await provider.create(spec()).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(DriverError);
    expect(thrown).toMatchObject({
      quota: true,
      retryable: false,
      message: expect.stringMatching(/Insufficient regional quota/),
    });
    expect(api.clusterNames()).toEqual([]);
  });

  it('classifies a rate limit as retryable, not quota', async () => {
    const { api, provider } = await start();
    api.failNext(
      429,
      'RESOURCE_EXHAUSTED',
      "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute'",
    );
    await expect(provider.describe('cb-0123456789ab')).rejects.toMatchObject({
      retryable: true,
      quota: false,
    });
  });

  it('classifies a bad token as fatal', async () => {
    const { provider } = await start({ tokenSource: async () => 'wrong-token' });
    await expect(provider.describe('cb-0123456789ab')).rejects.toMatchObject({
      retryable: false,
      quota: false,
    });
  });

  it('asks to delete again later while the create operation still runs, then deletes', async () => {
    const { provider, harness } = await start();
    await provider.create(spec());
    await expect(provider.delete('cb-0123456789ab', 'ri-lisbon')).rejects.toMatchObject({ retryable: true });
    await pollCluster(harness, 'cb-0123456789ab', (c) => c?.state === 'ready');
    await provider.delete('cb-0123456789ab', 'ri-lisbon');
    expect((await provider.describe('cb-0123456789ab'))?.state).toBe('deleting');
    await pollCluster(harness, 'cb-0123456789ab', (c) => c === undefined);
  });

  it('never deletes or lists a cluster without our owner label', async () => {
    const { api, provider } = await start();
    api.seed(LOCATION, 'prod-cluster', { team: 'physics' });
    api.seed(LOCATION, 'other-cluster', { 'clusterburst-owner': 'another-ri' });
    await expect(provider.delete('prod-cluster', 'ri-lisbon')).rejects.toThrow(/no clusterburst-owner label/);
    expect(await provider.list('ri-lisbon')).toEqual([]);
    expect(api.clusterNames().sort()).toEqual(['other-cluster', 'prod-cluster']);
  });

  it('hands out the https endpoint, the cluster CA and an access token from the token source', async () => {
    const { provider, harness } = await start();
    await provider.create(spec());
    await pollCluster(harness, 'cb-0123456789ab', (c) => c?.state === 'ready');
    const creds = await provider.credentials('cb-0123456789ab');
    expect(creds.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(Buffer.from(creds.caData ?? '', 'base64').toString()).toMatch(/BEGIN CERTIFICATE/);
    expect(creds.token).toBe(TOKEN);
  });

  it('refuses plain http to anything but loopback, since requests carry a bearer token', () => {
    const base = { project: 'ri-burst-01', location: LOCATION, protocol: 'http' as const };
    expect(() => GkeOptionsSchema.parse({ ...base, apiEndpoint: 'container.example.org' })).toThrow(
      /loopback/,
    );
    expect(GkeOptionsSchema.parse({ ...base, apiEndpoint: '127.0.0.1:8443' }).protocol).toBe('http');
  });
});
