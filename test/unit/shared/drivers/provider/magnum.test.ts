import { createPrivateKey, X509Certificate } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { BURST_ID_LABEL, OWNER_LABEL } from '../../../../../shared/domain/names.ts';
import type { KeystoneAuth } from '../../../../../shared/drivers/openstack/keystone.ts';
import { MagnumProvider } from '../../../../../shared/drivers/provider/magnum.ts';
import { MagnumOptionsSchema } from '../../../../../shared/drivers/provider/magnum-options.ts';
import type { ClusterSpec } from '../../../../../shared/drivers/provider/provider.ts';
import { DriverError } from '../../../../../shared/errors.ts';
import { pollCluster, runProviderContract } from '../../../../support/contracts/provider.ts';
import { MagnumEmulator } from '../../../../support/provider-apis/magnum.ts';

const REGION = 'RegionOne';
const AUTH: KeystoneAuth = {
  type: 'password',
  username: 'clusterburst',
  password: 'S3cret-Keystone-Pa55',
  userDomainName: 'Default',
  projectName: 'burst',
  projectDomainName: 'Default',
};

async function setup(auth: KeystoneAuth = AUTH) {
  const api = new MagnumEmulator(AUTH, REGION);
  const authUrl = await api.start();
  const provider = new MagnumProvider(
    'magnum-incd',
    MagnumOptionsSchema.parse({
      authUrl,
      auth,
      region: REGION,
      clusterTemplateId: api.template.uuid,
      keypair: 'burst-key',
      flavorId: 'm1.large',
      labels: { kube_tag: 'v1.33.1' },
    }),
  );
  const harness = {
    provider,
    region: REGION,
    tick: async () => api.tick(),
    cleanup: () => api.close(),
    resizeRequests: (name: string) => api.resizes.get(name) ?? 0,
  };
  return { api, provider, harness };
}

const spec = (name = 'cb-0123456789ab', owner = 'ri-lisbon'): ClusterSpec => ({
  name,
  burstId: `b-${name.slice(3)}`,
  owner,
  region: REGION,
  nodes: 3,
  labels: { [OWNER_LABEL]: owner, [BURST_ID_LABEL]: `b-${name.slice(3)}` },
});

runProviderContract('magnum', async () => (await setup()).harness);

describe('Magnum provider', () => {
  let api: MagnumEmulator | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });
  const start = async (auth?: KeystoneAuth) => {
    const s = await setup(auth);
    api = s.api;
    return s;
  };

  it('creates from the cluster template with our labels merged, then reports it ready', async () => {
    const { api, provider, harness } = await start();
    expect((await provider.create(spec())).state).toBe('provisioning');
    expect(api.creates[0]).toEqual({
      name: 'cb-0123456789ab',
      cluster_template_id: api.template.uuid,
      master_count: 1,
      node_count: 3,
      create_timeout: 60,
      keypair: 'burst-key',
      flavor_id: 'm1.large',
      merge_labels: true,
      labels: { kube_tag: 'v1.33.1', [OWNER_LABEL]: 'ri-lisbon', [BURST_ID_LABEL]: 'b-0123456789ab' },
    });
    expect((await provider.describe('cb-0123456789ab'))?.state).toBe('provisioning');
    const ready = await pollCluster(harness, 'cb-0123456789ab', (c) => c?.state === 'ready');
    expect(ready).toMatchObject({
      // The cluster's own API server (provider-apis/member-api.ts), not an address nothing answers.
      endpoint: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/),
      message: expect.stringMatching(/HEALTHY/),
    });
  });

  it('reports CREATE_FAILED with the Heat reason', async () => {
    const { api, provider, harness } = await start();
    await provider.create(spec());
    api.failProvisioning(
      'cb-0123456789ab',
      'Quota exceeded for cores: Requested 8, but already used 20 of 20 cores',
    );
    const failed = await pollCluster(harness, 'cb-0123456789ab', (c) => c?.state !== 'provisioning');
    expect(failed).toMatchObject({
      state: 'failed',
      message: expect.stringMatching(/^CREATE_FAILED: Quota exceeded for cores/),
    });
  });

  it.each([
    [
      'Nova core quota',
      'Resource CREATE failed: Forbidden: resources.kube_minions.resources[0].resources.kube-minion: Quota exceeded for cores: Requested 8, but already used 20 of 20 cores (HTTP 403)',
    ],
    [
      'Nova instance quota',
      'Resource CREATE failed: Forbidden: resources.kube_masters.resources[0].resources.kube-master: Quota exceeded for instances: Requested 1, but already used 10 of 10 instances (HTTP 403)',
    ],
    [
      'no hypervisor with room',
      'Resource CREATE failed: ResourceInError: resources.kube_minions.resources[1].resources.kube-minion: Went to status ERROR due to "Message: No valid host was found. There are not enough hosts available., Code: 500"',
    ],
  ])(
    'marks a cluster CREATE_FAILED for %s as a quota failure, in describe and in list',
    async (_why, reason) => {
      const { api, provider, harness } = await start();
      await provider.create(spec());
      api.failProvisioning('cb-0123456789ab', reason);
      const failed = await pollCluster(harness, 'cb-0123456789ab', (c) => c?.state !== 'provisioning');
      expect(failed).toEqual(
        expect.objectContaining({
          state: 'failed',
          quota: true,
          message: `CREATE_FAILED: ${reason}; kube_masters: ${reason}`,
        }),
      );
      expect(await provider.list('ri-lisbon')).toEqual([
        expect.objectContaining({ state: 'failed', quota: true }),
      ]);
    },
  );

  it.each([
    ['a Heat timeout', 'Create timed out'],
    [
      'a missing image',
      'Resource CREATE failed: ResourceInError: resources.kube_masters.resources[0].resources.kube-master: Went to status ERROR due to "Message: Image fedora-coreos-40 could not be found., Code: 400"',
    ],
  ])('leaves the quota flag off a cluster CREATE_FAILED for %s', async (_why, reason) => {
    const { api, provider, harness } = await start();
    await provider.create(spec());
    api.failProvisioning('cb-0123456789ab', reason);
    const failed = await pollCluster(harness, 'cb-0123456789ab', (c) => c?.state !== 'provisioning');
    expect(failed).toMatchObject({
      state: 'failed',
      message: `CREATE_FAILED: ${reason}; kube_masters: ${reason}`,
    });
    expect(failed).not.toHaveProperty('quota');
    const [listed] = await provider.list('ri-lisbon');
    expect(listed).toMatchObject({ state: 'failed' });
    expect(listed).not.toHaveProperty('quota');
  });

  it("turns Magnum's cluster limit into a quota error so placement tries the next provider", async () => {
    const { api, provider } = await start();
    api.maxClusters = 0;
    const thrown = await provider.create(spec()).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(DriverError);
    expect(thrown).toMatchObject({
      quota: true,
      retryable: false,
      message: expect.stringMatching(/Resource Limit Exceeded/),
    });
  });

  it('classifies a 503 as retryable', async () => {
    const { api, provider } = await start();
    await provider.describe('cb-0123456789ab');
    api.failNext(503, 'Service Unavailable', 'magnum-conductor is not answering');
    await expect(provider.describe('cb-0123456789ab')).rejects.toMatchObject({
      retryable: true,
      quota: false,
    });
  });

  it('authenticates once, reuses the token, and authenticates again once after a 401', async () => {
    const { api, provider } = await start();
    await provider.create(spec());
    await provider.describe('cb-0123456789ab');
    await provider.list('ri-lisbon');
    expect(api.authentications).toBe(1);
    api.revokeTokens();
    expect((await provider.describe('cb-0123456789ab'))?.name).toBe('cb-0123456789ab');
    expect(api.authentications).toBe(2);
  });

  it('fails fatally on wrong credentials without ever putting the password in the error', async () => {
    const { provider } = await start({ ...AUTH, password: 'wrong-password-value' });
    const thrown = await provider.describe('cb-0123456789ab').catch((e: unknown) => e);
    expect(thrown).toMatchObject({ retryable: false, quota: false });
    expect(String((thrown as Error).message)).not.toMatch(/wrong-password-value|S3cret/);
    expect(JSON.stringify(thrown)).not.toMatch(/wrong-password-value/);
  });

  it('authenticates with an application credential', async () => {
    const appCred: KeystoneAuth = { type: 'applicationCredential', id: 'a1b2c3', secret: 'app-secret' };
    const api = new MagnumEmulator(appCred, REGION);
    const authUrl = await api.start();
    const provider = new MagnumProvider(
      'magnum-incd',
      MagnumOptionsSchema.parse({
        authUrl,
        auth: appCred,
        region: REGION,
        clusterTemplateId: 'k8s-1.33',
      }),
    );
    await provider.create(spec());
    expect(api.clusterNames()).toEqual(['cb-0123456789ab']);
    await api.close();
  });

  it('keeps one cluster when two duplicate events create the same burst at once', async () => {
    const { api, provider, harness } = await start();
    const [a, b] = await Promise.all([provider.create(spec()), provider.create(spec())]);
    expect(a.name).toBe(b.name);
    // Both saw no cluster and both created one: the race Magnum's non-unique names allow.
    expect(api.creates).toHaveLength(2);
    await pollCluster(harness, 'cb-0123456789ab', (c) => c?.state === 'ready');
    expect(api.clusterNames()).toEqual(['cb-0123456789ab']);
  });

  it('deletes our cluster until Magnum no longer knows it, and never one without our label', async () => {
    const { api, provider, harness } = await start();
    api.seed('prod-cluster', { team: 'physics' });
    await expect(provider.delete('prod-cluster', 'ri-lisbon')).rejects.toThrow(
      /no clusterburst.io\/owner label/,
    );
    await provider.create(spec());
    await pollCluster(harness, 'cb-0123456789ab', (c) => c?.state === 'ready');
    await provider.delete('cb-0123456789ab', 'ri-lisbon');
    expect((await provider.describe('cb-0123456789ab'))?.state).toBe('deleting');
    await pollCluster(harness, 'cb-0123456789ab', (c) => c === undefined);
    expect(api.clusterNames()).toEqual(['prod-cluster']);
  });

  it('deletes a cluster that is still CREATE_IN_PROGRESS (deadline cleanup)', async () => {
    const { api, provider, harness } = await start();
    await provider.create(spec());
    await provider.delete('cb-0123456789ab', 'ri-lisbon');
    await pollCluster(harness, 'cb-0123456789ab', (c) => c === undefined);
    expect(api.clusterNames()).toEqual([]);
  });

  it('lists our clusters across pages and no one else', async () => {
    const { api, provider } = await start();
    api.seed('prod-cluster', {});
    for (const n of ['cb-000000000001', 'cb-000000000002', 'cb-000000000003']) await provider.create(spec(n));
    await provider.create(spec('cb-000000000004', 'another-ri'));
    const names = (await provider.list('ri-lisbon')).map((c) => c.name).sort();
    expect(names).toEqual(['cb-000000000001', 'cb-000000000002', 'cb-000000000003']);
  });

  it('hands out the API address, the cluster CA and a client certificate the CA signed for our own key', async () => {
    const { api, provider, harness } = await start();
    await provider.create(spec());
    await pollCluster(harness, 'cb-0123456789ab', (c) => c?.state === 'ready');
    const creds = await provider.credentials('cb-0123456789ab');
    expect(creds.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = Buffer.from(creds.caData ?? '', 'base64').toString();
    expect(ca).toBe(api.caOf('cb-0123456789ab'));
    const cert = new X509Certificate(Buffer.from(creds.clientCertData ?? '', 'base64'));
    expect(cert.verify(new X509Certificate(ca).publicKey)).toBe(true);
    expect(cert.subject).toBe('O=system:masters\nCN=admin');
    expect(cert.checkPrivateKey(createPrivateKey(Buffer.from(creds.clientKeyData ?? '', 'base64')))).toBe(
      true,
    );
  });

  it('signs one client certificate per cluster however often, and however concurrently, its credentials are asked', async () => {
    const { api, provider, harness } = await start();
    await provider.create(spec());
    await pollCluster(harness, 'cb-0123456789ab', (c) => c?.state === 'ready');
    const [a, b] = await Promise.all([
      provider.credentials('cb-0123456789ab'),
      provider.credentials('cb-0123456789ab'),
    ]);
    const c = await provider.credentials('cb-0123456789ab');
    expect(api.certificatesIssued).toBe(1);
    expect([b, c]).toEqual([a, a]);
  });

  it('signs new credentials for a cluster re-created under the same name after the old one was gone', async () => {
    const { api, provider, harness } = await start();
    await provider.create(spec());
    await pollCluster(harness, 'cb-0123456789ab', (c) => c?.state === 'ready');
    const first = await provider.credentials('cb-0123456789ab');
    await provider.delete('cb-0123456789ab', 'ri-lisbon');
    await pollCluster(harness, 'cb-0123456789ab', (c) => c === undefined);
    await provider.create(spec());
    await pollCluster(harness, 'cb-0123456789ab', (c) => c?.state === 'ready');
    const second = await provider.credentials('cb-0123456789ab');
    expect(api.certificatesIssued).toBe(2);
    expect(second.caData).not.toBe(first.caData);
  });

  it('reads the cluster CA for a health check without signing any certificate', async () => {
    const { api, provider, harness } = await start();
    await provider.create(spec());
    await pollCluster(harness, 'cb-0123456789ab', (c) => c?.state === 'ready');
    const ca = await provider.clusterCa('cb-0123456789ab');
    expect(Buffer.from(ca ?? '', 'base64').toString()).toBe(api.caOf('cb-0123456789ab'));
    expect(await provider.clusterCa('cb-0000000000ff')).toBeUndefined();
    expect(api.certificatesIssued).toBe(0);
  });

  it('refuses plain http to anything but loopback, since the password travels in the request', () => {
    const base = { auth: AUTH, region: REGION, clusterTemplateId: 't' };
    expect(() =>
      MagnumOptionsSchema.parse({ ...base, authUrl: 'http://keystone.example.org:5000/v3' }),
    ).toThrow(/https/);
    expect(MagnumOptionsSchema.parse({ ...base, authUrl: 'http://127.0.0.1:5000/v3' }).authUrl).toBe(
      'http://127.0.0.1:5000/v3',
    );
  });
});
