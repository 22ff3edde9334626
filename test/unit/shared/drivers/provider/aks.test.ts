import { createPrivateKey, X509Certificate } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { BURST_ID_LABEL, OWNER_LABEL } from '../../../../../shared/domain/names.ts';
import { AksProvider } from '../../../../../shared/drivers/provider/aks.ts';
import { AksOptionsSchema } from '../../../../../shared/drivers/provider/aks-options.ts';
import type { ClusterSpec } from '../../../../../shared/drivers/provider/provider.ts';
import { DriverError } from '../../../../../shared/errors.ts';
import { pollCluster, runProviderContract } from '../../../../support/contracts/provider.ts';
import { ArmEmulator, type ProvisioningError } from '../../../../support/provider-apis/aks.ts';

const TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.emulated.arm-token';
const SUBSCRIPTION = '00000000-1111-2222-3333-444444444444';
const LOCATION = 'westeurope';

async function setup() {
  const api = new ArmEmulator(TOKEN);
  const endpoint = await api.start();
  const credential = { getToken: async () => ({ token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }) };
  const provider = new AksProvider(
    'aks-we',
    AksOptionsSchema.parse({
      subscriptionId: SUBSCRIPTION,
      resourceGroup: 'rg-burst',
      location: LOCATION,
      endpoint,
      caCertificates: api.ca.certPem,
    }),
    { credential },
  );
  const harness = {
    provider,
    region: LOCATION,
    tick: async () => api.tick(),
    cleanup: () => api.close(),
    resizeRequests: (name: string) => api.scales.get(name) ?? 0,
  };
  return { api, endpoint, provider, harness };
}

const spec = (name = 'cb-0123456789ab', owner = 'ri-lisbon'): ClusterSpec => ({
  name,
  burstId: `b-${name.slice(3)}`,
  owner,
  region: LOCATION,
  nodes: 2,
  labels: { [OWNER_LABEL]: owner, [BURST_ID_LABEL]: `b-${name.slice(3)}` },
});

runProviderContract('aks', async () => (await setup()).harness);

describe('AKS provider', () => {
  let api: ArmEmulator | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });
  const start = async () => {
    const s = await setup();
    api = s.api;
    return s;
  };

  it('creates a tagged managed cluster with one system node pool, only if absent, then reports it ready', async () => {
    const { api, provider, harness } = await start();
    const created = await provider.create(spec());
    expect(created).toMatchObject({ state: 'provisioning', labels: { [OWNER_LABEL]: 'ri-lisbon' } });
    const put = api.log.find((r) => r.method === 'PUT');
    expect(put?.path).toBe(
      `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-burst/providers/Microsoft.ContainerService/managedClusters/cb-0123456789ab`,
    );
    // The SDK followed the Azure-AsyncOperation header once, then left the operation running.
    expect(api.log.filter((r) => r.path.includes('/operations/'))).toHaveLength(1);
    expect((await provider.describe('cb-0123456789ab'))?.state).toBe('provisioning');
    const ready = await pollCluster(harness, 'cb-0123456789ab', (c) => c?.state === 'ready');
    expect(ready).toMatchObject({
      // The cluster's own API server on its own loopback address at 443 (provider-apis/member-api.ts).
      endpoint: expect.stringMatching(/^https:\/\/127\.\d+\.\d+\.\d+:443$/),
      labels: { [OWNER_LABEL]: 'ri-lisbon', [BURST_ID_LABEL]: 'b-0123456789ab' },
    });
  });

  it('reports a cluster whose provisioning failed with the provisioning error', async () => {
    const { api, provider, harness } = await start();
    await provider.create(spec());
    api.failProvisioning(
      'cb-0123456789ab',
      'VMExtensionProvisioningError',
      'Unable to establish outbound connection',
    );
    const failed = await pollCluster(harness, 'cb-0123456789ab', (c) => c?.state !== 'provisioning');
    expect(failed).toMatchObject({
      state: 'failed',
      message: 'VMExtensionProvisioningError: Unable to establish outbound connection',
    });
  });

  it.each<[string, string, string, ProvisioningError[] | undefined]>([
    [
      'a used-up core quota',
      'QuotaExceeded',
      'Operation could not be completed as it results in exceeding approved Total Regional Cores quota.',
      undefined,
    ],
    [
      'a quota refusal of the scale set, wrapped by AKS',
      'ReconcileVMSSAgentPoolFailed',
      'Agent pool burst failed to reach the desired node count.',
      [
        {
          code: 'OperationNotAllowed',
          message:
            'Operation could not be completed as it results in exceeding approved standardDSv5Family Cores quota.',
        },
      ],
    ],
    [
      'a VM size sold out in the region',
      'SkuNotAvailable',
      "The requested VM size 'Standard_D4s_v5' is currently not available in location 'westeurope'.",
      undefined,
    ],
    [
      'no capacity to allocate the VMs',
      'CreateVMSSAgentPoolFailed',
      'Agent pool creation failed.',
      [
        {
          code: 'AllocationFailed',
          message:
            'Allocation failed. We do not have sufficient capacity for the requested VM size in this region.',
        },
      ],
    ],
  ])(
    'marks a cluster failed for %s as a quota failure, in describe and in list',
    async (_why, code, message, details) => {
      const { api, provider, harness } = await start();
      await provider.create(spec());
      api.failProvisioning('cb-0123456789ab', code, message, details);
      const failed = await pollCluster(harness, 'cb-0123456789ab', (c) => c?.state !== 'provisioning');
      expect(failed).toEqual(
        expect.objectContaining({ state: 'failed', quota: true, message: `${code}: ${message}` }),
      );
      expect(await provider.list('ri-lisbon')).toEqual([
        expect.objectContaining({ state: 'failed', quota: true }),
      ]);
    },
  );

  it.each<[string, string, string, ProvisioningError[] | undefined]>([
    [
      'an extension that could not reach out',
      'VMExtensionProvisioningError',
      'Unable to establish outbound connection',
      undefined,
    ],
    [
      'an operation refused by policy',
      'OperationNotAllowed',
      'The resource operation was disallowed by policy assignment "deny-public-ip".',
      undefined,
    ],
    [
      'a wrapped refusal that is not about quota',
      'ReconcileVMSSAgentPoolFailed',
      'Agent pool burst failed.',
      [{ code: 'OperationNotAllowed', message: 'Changing property osDiskSizeGB is not allowed.' }],
    ],
  ])('leaves the quota flag off a cluster failed for %s', async (_why, code, message, details) => {
    const { api, provider, harness } = await start();
    await provider.create(spec());
    api.failProvisioning('cb-0123456789ab', code, message, details);
    const failed = await pollCluster(harness, 'cb-0123456789ab', (c) => c?.state !== 'provisioning');
    expect(failed).toMatchObject({ state: 'failed', message: `${code}: ${message}` });
    expect(failed).not.toHaveProperty('quota');
    const [listed] = await provider.list('ri-lisbon');
    expect(listed).toMatchObject({ state: 'failed' });
    expect(listed).not.toHaveProperty('quota');
  });

  it('turns QuotaExceeded into a quota error so placement tries the next provider', async () => {
    const { api, provider } = await start();
    api.maxNodes = 1;
    const thrown = await provider.create(spec()).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(DriverError);
    expect(thrown).toMatchObject({
      quota: true,
      retryable: false,
      message: expect.stringMatching(/QuotaExceeded/),
    });
    expect(api.clusterNames()).toEqual([]);
  });

  it('classifies throttling as retryable and a rejected token as fatal', async () => {
    const { api, endpoint, provider } = await start();
    for (let i = 0; i < 3; i++)
      api.failNext(429, 'TooManyRequests', 'Too many requests, retry after 1 second');
    await expect(provider.describe('cb-0123456789ab')).rejects.toMatchObject({
      retryable: true,
      quota: false,
    });
    const denied = new AksProvider(
      'aks-we',
      AksOptionsSchema.parse({
        subscriptionId: SUBSCRIPTION,
        resourceGroup: 'rg-burst',
        location: LOCATION,
        endpoint,
        caCertificates: api.ca.certPem,
      }),
      {
        credential: {
          getToken: async () => ({ token: 'wrong', expiresOnTimestamp: Date.now() + 3_600_000 }),
        },
      },
    );
    await expect(denied.describe('cb-0123456789ab')).rejects.toMatchObject({
      retryable: false,
      quota: false,
    });
  });

  it('starts the delete, reports the cluster deleting, and finds it gone later', async () => {
    const { api, provider, harness } = await start();
    await provider.create(spec());
    await pollCluster(harness, 'cb-0123456789ab', (c) => c?.state === 'ready');
    await provider.delete('cb-0123456789ab', 'ri-lisbon');
    expect(api.log.filter((r) => r.method === 'DELETE')).toHaveLength(1);
    expect((await provider.describe('cb-0123456789ab'))?.state).toBe('deleting');
    await provider.delete('cb-0123456789ab', 'ri-lisbon');
    expect(api.log.filter((r) => r.method === 'DELETE')).toHaveLength(1);
    await pollCluster(harness, 'cb-0123456789ab', (c) => c === undefined);
  });

  it('deletes a cluster that is still provisioning (deadline cleanup)', async () => {
    const { provider, harness } = await start();
    await provider.create(spec());
    await provider.delete('cb-0123456789ab', 'ri-lisbon');
    await pollCluster(harness, 'cb-0123456789ab', (c) => c === undefined);
  });

  it('never deletes, adopts or lists a cluster without our owner tag', async () => {
    const { api, provider } = await start();
    api.seed('prod-cluster', LOCATION, { team: 'physics' });
    api.seed('cb-0123456789ab', LOCATION, { 'clusterburst-owner': 'another-ri' });
    await expect(provider.delete('prod-cluster', 'ri-lisbon')).rejects.toThrow(/no clusterburst-owner tag/);
    await expect(provider.create(spec())).rejects.toThrow(/does not belong to ri-lisbon/);
    expect(await provider.list('ri-lisbon')).toEqual([]);
    expect(api.log.some((r) => r.method === 'PUT' || r.method === 'DELETE')).toBe(false);
  });

  it('lists our clusters across pages', async () => {
    const { api, provider } = await start();
    api.seed('prod-cluster', LOCATION, {});
    for (const n of ['cb-000000000001', 'cb-000000000002', 'cb-000000000003']) await provider.create(spec(n));
    await provider.create(spec('cb-000000000004', 'another-ri'));
    const names = (await provider.list('ri-lisbon')).map((c) => c.name).sort();
    expect(names).toEqual(['cb-000000000001', 'cb-000000000002', 'cb-000000000003']);
  });

  it('hands out the admin kubeconfig and its endpoint, CA and matching client certificate and key', async () => {
    const { api, provider, harness } = await start();
    await provider.create(spec());
    await pollCluster(harness, 'cb-0123456789ab', (c) => c?.state === 'ready');
    const creds = await provider.credentials('cb-0123456789ab');
    expect(creds.endpoint).toMatch(/^https:\/\/127\.\d+\.\d+\.\d+:443$/);
    expect(creds.kubeconfig).toMatch(/kind: Config/);
    expect(Buffer.from(creds.caData ?? '', 'base64').toString()).toBe(api.clusterCaPem);
    const cert = new X509Certificate(Buffer.from(creds.clientCertData ?? '', 'base64'));
    expect(cert.subject).toMatch(/O=system:masters/);
    expect(cert.checkPrivateKey(createPrivateKey(Buffer.from(creds.clientKeyData ?? '', 'base64')))).toBe(
      true,
    );
  });

  it('says an admin kubeconfig it cannot read is broken without quoting the key in it', async () => {
    const { api, provider, harness } = await start();
    await provider.create(spec());
    await pollCluster(harness, 'cb-0123456789ab', (c) => c?.state === 'ready');
    api.adminKubeconfig = 'users:\n- user: {client-key-data: S0VZLXMzY3IzdA\n';
    const error = await provider.credentials('cb-0123456789ab').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DriverError);
    expect((error as Error).message).toMatch(/: the kubeconfig is not valid YAML$/);
    expect((error as Error).message).not.toContain('S0VZ');
    api.adminKubeconfig = 'apiVersion: v1\nkind: Config\nclusters: []\nusers: []\n';
    await expect(provider.credentials('cb-0123456789ab')).rejects.toThrow(/no cluster with a server/);
  });

  it('accepts only an https Resource Manager endpoint', () => {
    const base = { subscriptionId: SUBSCRIPTION, resourceGroup: 'rg', location: LOCATION };
    expect(() => AksOptionsSchema.parse({ ...base, endpoint: 'http://127.0.0.1:8080' })).toThrow();
    expect(AksOptionsSchema.parse({ ...base, endpoint: 'https://management.example.org/' }).endpoint).toBe(
      'https://management.example.org',
    );
  });
});
