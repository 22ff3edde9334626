import { afterEach, describe, expect, it } from 'vitest';
import { BURST_ID_LABEL, OWNER_LABEL } from '../../../../../shared/domain/names.ts';
import type { KeystoneAuth } from '../../../../../shared/drivers/openstack/keystone.ts';
import { MagnumProvider } from '../../../../../shared/drivers/provider/magnum.ts';
import { MagnumOptionsSchema } from '../../../../../shared/drivers/provider/magnum-options.ts';
import { pollCluster } from '../../../../support/contracts/provider.ts';
import { MagnumEmulator } from '../../../../support/provider-apis/magnum.ts';

const REGION = 'RegionOne';
const NAME = 'cb-0123456789ab';
const AUTH: KeystoneAuth = {
  type: 'password',
  username: 'clusterburst',
  password: 'S3cret-Keystone-Pa55',
  userDomainName: 'Default',
  projectName: 'burst',
  projectDomainName: 'Default',
};

describe('Magnum cluster resize', () => {
  let api: MagnumEmulator;
  afterEach(async () => api?.close());

  async function readyCluster() {
    api = new MagnumEmulator(AUTH, REGION);
    const authUrl = await api.start();
    const provider = new MagnumProvider(
      'magnum-incd',
      MagnumOptionsSchema.parse({
        authUrl,
        auth: AUTH,
        region: REGION,
        clusterTemplateId: api.template.uuid,
      }),
    );
    await provider.create({
      name: NAME,
      burstId: 'b-0123456789ab',
      owner: 'ri-lisbon',
      region: REGION,
      nodes: 3,
      labels: { [OWNER_LABEL]: 'ri-lisbon', [BURST_ID_LABEL]: 'b-0123456789ab' },
    });
    await pollCluster(
      { provider, region: REGION, tick: async () => api.tick() },
      NAME,
      (c) => c?.state === 'ready',
    );
    return provider;
  }

  const resizePosts = () =>
    api.log.filter((r) => r.method === 'POST' && /\/clusters\/[0-9a-f-]{36}\/actions\/resize$/.test(r.path));

  it('posts the resize action and follows UPDATE_IN_PROGRESS to UPDATE_COMPLETE', async () => {
    const provider = await readyCluster();
    expect((await provider.describe(NAME))?.nodes).toEqual({ current: 3, desired: 3 });
    const resizing = await provider.resize(NAME, 5);
    expect(resizePosts()).toHaveLength(1);
    expect(resizing).toMatchObject({
      state: 'ready',
      nodes: { desired: 5 },
      resize: { state: 'resizing', message: 'Magnum cluster UPDATE_IN_PROGRESS' },
    });
    api.tick(5 * 60_000);
    expect((await provider.describe(NAME))?.nodes).toEqual({ current: 5, desired: 5 });
  });

  it('shrinks to zero nodes with the microversion that allows it', async () => {
    const provider = await readyCluster();
    await provider.resize(NAME, 0);
    api.tick(5 * 60_000);
    expect((await provider.describe(NAME))?.nodes).toEqual({ current: 0, desired: 0 });
  });

  it('reports a failed stack update with Heat words, as quota when Nova quota ran out', async () => {
    const provider = await readyCluster();
    api.resizeFailure =
      'Resource UPDATE failed: Forbidden: resources.kube_minions.resources[3].resources.kube-minion: Quota exceeded for cores: Requested 8, but already used 20 of 20 cores (HTTP 403)';
    await provider.resize(NAME, 6);
    api.tick(5 * 60_000);
    const failed = await provider.describe(NAME);
    expect(failed).toMatchObject({
      state: 'ready',
      nodes: { desired: 6 },
      resize: {
        state: 'failed',
        quota: true,
        message: expect.stringMatching(/^UPDATE_FAILED: .*Quota exceeded for cores/),
      },
    });
  });

  it('reports a failed stack update that is not a shortage without quota', async () => {
    const provider = await readyCluster();
    api.resizeFailure =
      'Resource UPDATE failed: WaitConditionTimeout: resources.kube_minions: 0 of 1 received';
    await provider.resize(NAME, 4);
    api.tick(5 * 60_000);
    const failed = await provider.describe(NAME);
    expect(failed?.resize?.state).toBe('failed');
    expect(failed?.resize?.quota).toBeUndefined();
    expect(failed?.resize?.message).toContain('WaitConditionTimeout');
  });

  it("passes on Magnum's 400 for a count outside the node group's bounds as a fatal error", async () => {
    const provider = await readyCluster();
    api.nodegroupBounds = { min: 1, max: 4 };
    const refused = provider.resize(NAME, 9);
    await expect(refused).rejects.toMatchObject({ retryable: false, quota: false });
    await expect(refused).rejects.toThrow(
      /outside the allowed range: min_node_count = 1, max_node_count = 4/,
    );
  });

  it("passes on Magnum's 400 when the cluster is not *_COMPLETE after a failed update", async () => {
    const provider = await readyCluster();
    api.resizeFailure = 'Resource UPDATE failed: WaitConditionTimeout';
    await provider.resize(NAME, 4);
    api.tick(5 * 60_000);
    await expect(provider.resize(NAME, 4)).rejects.toThrow(
      /Resizing a cluster when status is "UPDATE_FAILED" is not supported/,
    );
  });

  it('asks once when twin events resize at once', async () => {
    const provider = await readyCluster();
    await Promise.all([provider.resize(NAME, 4), provider.resize(NAME, 4)]);
    expect(api.resizes.get(NAME)).toBe(1);
  });

  it('refuses to resize a cluster without our owner label and sends nothing', async () => {
    const provider = await readyCluster();
    api.seed('physics-prod', { team: 'physics' });
    await expect(provider.resize('physics-prod', 10)).rejects.toThrow(/refusing to resize physics-prod/);
    expect(resizePosts()).toHaveLength(0);
  });
});
