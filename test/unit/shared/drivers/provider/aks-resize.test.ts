import { afterEach, describe, expect, it } from 'vitest';
import { BURST_ID_LABEL, OWNER_LABEL } from '../../../../../shared/domain/names.ts';
import { AksProvider } from '../../../../../shared/drivers/provider/aks.ts';
import { AksOptionsSchema } from '../../../../../shared/drivers/provider/aks-options.ts';
import { pollCluster } from '../../../../support/contracts/provider.ts';
import { ArmEmulator } from '../../../../support/provider-apis/aks.ts';

const TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.emulated.arm-token';
const LOCATION = 'westeurope';
const NAME = 'cb-0123456789ab';
const POOL_PATH = `/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-burst/providers/Microsoft.ContainerService/managedClusters/${NAME}/agentPools/burst`;

describe('AKS agent pool resize', () => {
  let api: ArmEmulator;
  afterEach(async () => api?.close());

  async function readyCluster() {
    api = new ArmEmulator(TOKEN);
    const endpoint = await api.start();
    const credential = {
      getToken: async () => ({ token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }),
    };
    const provider = new AksProvider(
      'aks-we',
      AksOptionsSchema.parse({
        subscriptionId: '00000000-1111-2222-3333-444444444444',
        resourceGroup: 'rg-burst',
        location: LOCATION,
        endpoint,
        caCertificates: api.ca.certPem,
      }),
      { credential },
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

  it('PUTs the agent pool with the new count and follows Scaling to Succeeded', async () => {
    const provider = await readyCluster();
    expect((await provider.describe(NAME))?.nodes).toEqual({ current: 2, desired: 2 });
    const resizing = await provider.resize(NAME, 7);
    expect(api.log.filter((r) => r.method === 'PUT' && r.path === POOL_PATH)).toHaveLength(1);
    expect(resizing).toMatchObject({
      state: 'ready',
      nodes: { desired: 7 },
      resize: { state: 'resizing', message: 'agent pool burst Scaling' },
    });
    api.tick(5 * 60_000);
    expect((await provider.describe(NAME))?.nodes).toEqual({ current: 7, desired: 7 });
  });

  it('starts one scale when twin events resize at once', async () => {
    const provider = await readyCluster();
    await Promise.all([provider.resize(NAME, 4), provider.resize(NAME, 4)]);
    expect(api.scales.get(NAME)).toBe(1);
  });

  it('reports a failed scale with the provisioning error and its details, as quota when the cores ran out', async () => {
    const provider = await readyCluster();
    api.scaleFailure = {
      code: 'ReconcileVMSSAgentPoolFailed',
      message: 'Agent pool burst failed to reach the desired node count.',
      details: [
        {
          code: 'OperationNotAllowed',
          message:
            'Operation could not be completed as it results in exceeding approved standardDSv5Family Cores quota. Location: westeurope, Current Limit: 10, Current Usage: 8, Additional Required: 8.',
        },
      ],
    };
    await provider.resize(NAME, 4);
    api.tick(5 * 60_000);
    const failed = await provider.describe(NAME);
    expect(failed).toMatchObject({
      state: 'ready',
      resize: {
        state: 'failed',
        quota: true,
        message: expect.stringMatching(
          /^agent pool burst Failed: ReconcileVMSSAgentPoolFailed: .*Cores quota/,
        ),
      },
    });
  });

  it('reports a failure that is not a shortage without quota, and scales again when asked', async () => {
    const provider = await readyCluster();
    api.scaleFailure = {
      code: 'VMExtensionProvisioningError',
      message: 'VM has reported a failure when processing extension.',
    };
    await provider.resize(NAME, 3);
    api.tick(5 * 60_000);
    const failed = await provider.describe(NAME);
    expect(failed?.resize).toEqual({
      state: 'failed',
      message:
        'agent pool burst Failed: VMExtensionProvisioningError: VM has reported a failure when processing extension.',
    });
    api.scaleFailure = undefined;
    await provider.resize(NAME, 3);
    api.tick(5 * 60_000);
    expect(api.scales.get(NAME)).toBe(2);
    expect((await provider.describe(NAME))?.resize).toBeUndefined();
  });

  it('turns the preflight vCPU quota refusal into a quota error, as for creates', async () => {
    const provider = await readyCluster();
    api.maxNodes = 5;
    const refused = provider.resize(NAME, 8);
    await expect(refused).rejects.toMatchObject({ quota: true, retryable: false });
    await expect(refused).rejects.toThrow(/Insufficient vcpu quota/);
  });

  it('refuses zero nodes for the system pool before asking AKS', async () => {
    const provider = await readyCluster();
    await expect(provider.resize(NAME, 0)).rejects.toThrow(/from 1 to 1000/);
    expect(api.scales.get(NAME) ?? 0).toBe(0);
  });

  it('refuses to resize a cluster without our owner tag and sends nothing', async () => {
    const provider = await readyCluster();
    api.seed('physics-prod', LOCATION, { team: 'physics' });
    await expect(provider.resize('physics-prod', 10)).rejects.toThrow(/refusing to resize physics-prod/);
    expect(api.log.some((r) => r.method === 'PUT' && r.path.includes('/agentPools/'))).toBe(false);
  });
});
