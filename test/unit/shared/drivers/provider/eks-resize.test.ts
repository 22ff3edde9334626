import { EKSClient, ResourceLimitExceededException, UpdateNodegroupConfigCommand } from '@aws-sdk/client-eks';
import { afterEach, describe, expect, it } from 'vitest';
import { BURST_ID_LABEL, OWNER_LABEL } from '../../../../../shared/domain/names.ts';
import { EksProvider } from '../../../../../shared/drivers/provider/eks.ts';
import { EksOptionsSchema } from '../../../../../shared/drivers/provider/eks-options.ts';
import { pollCluster } from '../../../../support/contracts/provider.ts';
import { EksFake } from '../../../../support/provider-apis/eks.ts';

/** Every fake made, so each test's cluster API servers stop after it. */
const fakes: EksFake[] = [];
const track = (fake: EksFake): EksFake => {
  fakes.push(fake);
  return fake;
};
afterEach(async () => {
  for (const fake of fakes.splice(0)) await fake.close();
});

const REGION = 'eu-west-1';
const NAME = 'cb-0123456789ab';
const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

async function readyCluster() {
  const client = new EKSClient({ region: REGION, credentials: CREDENTIALS });
  const fake = track(new EksFake(client, REGION));
  const provider = new EksProvider(
    'eks-eu',
    EksOptionsSchema.parse({
      region: REGION,
      roleArn: 'arn:aws:iam::123456789012:role/eks-cluster',
      nodeRoleArn: 'arn:aws:iam::123456789012:role/eks-nodes',
      subnetIds: ['subnet-0a1b2c3d', 'subnet-0e1f2a3b'],
    }),
    { client, credentials: CREDENTIALS },
  );
  const harness = { provider, region: REGION, tick: async () => fake.tick() };
  await provider.create({
    name: NAME,
    burstId: 'b-0123456789ab',
    owner: 'ri-lisbon',
    region: REGION,
    nodes: 2,
    labels: { [OWNER_LABEL]: 'ri-lisbon', [BURST_ID_LABEL]: 'b-0123456789ab' },
  });
  await pollCluster(harness, NAME, (c) => c?.state === 'ready');
  return { fake, provider, harness };
}

describe('EKS node group resize', () => {
  it('asks EKS for the new size with min <= desired <= max and a request token, and reports the group UPDATING as a resize', async () => {
    const { fake, provider } = await readyCluster();
    expect((await provider.describe(NAME))?.nodes).toEqual({ current: 2, desired: 2 });
    const resizing = await provider.resize(NAME, 5);
    const [call] = fake.stub.commandCalls(UpdateNodegroupConfigCommand);
    expect(call?.args[0].input).toMatchObject({
      clusterName: NAME,
      nodegroupName: `${NAME}-nodes`,
      scalingConfig: { minSize: 5, maxSize: 5, desiredSize: 5 },
      clientRequestToken: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect(resizing).toMatchObject({
      state: 'ready',
      nodes: { desired: 5 },
      resize: { state: 'resizing', message: expect.stringContaining('InProgress') },
    });
    fake.tick(2 * 60_000);
    const done = await provider.describe(NAME);
    expect(done?.resize).toBeUndefined();
    expect(done?.nodes).toEqual({ current: 5, desired: 5 });
  });

  it('scales a node group to zero while keeping max at one, as EKS requires', async () => {
    const { fake, provider } = await readyCluster();
    await provider.resize(NAME, 0);
    const [call] = fake.stub.commandCalls(UpdateNodegroupConfigCommand);
    expect(call?.args[0].input.scalingConfig).toEqual({ minSize: 0, maxSize: 1, desiredSize: 0 });
    fake.tick(2 * 60_000);
    expect((await provider.describe(NAME))?.nodes).toEqual({ current: 0, desired: 0 });
  });

  it('sends one update when two duplicate events resize at once', async () => {
    const { fake, provider } = await readyCluster();
    await Promise.all([provider.resize(NAME, 4), provider.resize(NAME, 4)]);
    expect(fake.updatesOf(NAME)).toBe(1);
    const tokens = fake.stub
      .commandCalls(UpdateNodegroupConfigCommand)
      .map((c) => c.args[0].input.clientRequestToken);
    expect(new Set(tokens).size).toBe(1);
  });

  it('reports a failed update with the EKS error details and the group back on its old size, and tries again when asked', async () => {
    const { fake, provider } = await readyCluster();
    fake.updateFailure = {
      errorCode: 'NodeCreationFailure',
      errorMessage: 'Instances failed to join the kubernetes cluster',
    };
    await provider.resize(NAME, 4);
    fake.tick(2 * 60_000);
    const failed = await provider.describe(NAME);
    expect(failed).toMatchObject({
      state: 'ready',
      nodes: { desired: 2 },
      resize: {
        state: 'failed',
        message:
          'node group ConfigUpdate Failed: NodeCreationFailure: Instances failed to join the kubernetes cluster',
      },
    });
    expect(failed?.resize?.quota).toBeUndefined();
    fake.updateFailure = undefined;
    await provider.resize(NAME, 4);
    expect(fake.updatesOf(NAME)).toBe(2);
    fake.tick(2 * 60_000);
    expect((await provider.describe(NAME))?.nodes).toEqual({ current: 4, desired: 4 });
  });

  it('marks an update that failed for want of EC2 capacity as quota, with the group DEGRADED but still serving', async () => {
    const { fake, provider } = await readyCluster();
    fake.updateFailure = {
      errorCode: 'NodeCreationFailure',
      errorMessage:
        'Could not launch On-Demand Instances. InsufficientInstanceCapacity - We currently do not have sufficient m5.large capacity in the Availability Zone you requested (eu-west-1c).',
    };
    await provider.resize(NAME, 6);
    fake.tick(2 * 60_000);
    const failed = await provider.describe(NAME);
    expect(failed?.state).toBe('ready');
    expect(failed?.resize).toMatchObject({
      state: 'failed',
      quota: true,
      message: expect.stringContaining('InsufficientInstanceCapacity'),
    });
  });

  it('turns a limit refusal of the update into a quota error, as for creates', async () => {
    const { fake, provider } = await readyCluster();
    fake.stub
      .on(UpdateNodegroupConfigCommand)
      .rejectsOnce(
        new ResourceLimitExceededException({ message: 'Node limit for the account exceeded', $metadata: {} }),
      );
    await expect(provider.resize(NAME, 40)).rejects.toMatchObject({ quota: true, retryable: false });
  });

  it('waits with a retryable error while the node group is still being created', async () => {
    const client = new EKSClient({ region: REGION, credentials: CREDENTIALS });
    const fake = track(new EksFake(client, REGION));
    const provider = new EksProvider(
      'eks-eu',
      EksOptionsSchema.parse({
        region: REGION,
        roleArn: 'arn:aws:iam::123456789012:role/eks-cluster',
        nodeRoleArn: 'arn:aws:iam::123456789012:role/eks-nodes',
        subnetIds: ['subnet-0a1b2c3d', 'subnet-0e1f2a3b'],
      }),
      { client, credentials: CREDENTIALS },
    );
    await provider.create({
      name: NAME,
      burstId: 'b-0123456789ab',
      owner: 'ri-lisbon',
      region: REGION,
      nodes: 2,
      labels: {},
    });
    fake.tick(10 * 60_000);
    await provider.describe(NAME);
    await expect(provider.resize(NAME, 3)).rejects.toMatchObject({ retryable: true });
    expect(fake.updatesOf(NAME)).toBe(0);
  });

  it('refuses to resize a cluster without our owner tag and sends nothing', async () => {
    const { fake, provider } = await readyCluster();
    fake.seed({
      name: 'physics-prod',
      arn: 'arn:aws:eks:eu-west-1:123456789012:cluster/physics-prod',
      status: 'ACTIVE',
      tags: { team: 'physics' },
    });
    await expect(provider.resize('physics-prod', 10)).rejects.toThrow(
      /refusing to resize physics-prod: it has no clusterburst.io\/owner label/,
    );
    expect(fake.stub.commandCalls(UpdateNodegroupConfigCommand)).toHaveLength(0);
  });
});
