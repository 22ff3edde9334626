// Over ~350 lines on purpose: one driver's behaviour against the EKS API at its client boundary (create, fail, delete, list, credentials, endpoint access, options); the emulated EKS API has its own tests.
import { createHash, createHmac } from 'node:crypto';
import {
  AccessDeniedException,
  CreateClusterCommand,
  CreateNodegroupCommand,
  DeleteClusterCommand,
  DeleteNodegroupCommand,
  EKSClient,
  type NodegroupIssueCode,
  ResourceLimitExceededException,
  ServiceUnavailableException,
  ThrottlingException,
  UnsupportedAvailabilityZoneException,
} from '@aws-sdk/client-eks';
import { afterEach, describe, expect, it } from 'vitest';
import { BURST_ID_LABEL, OWNER_LABEL } from '../../../../../shared/domain/names.ts';
import { EksProvider } from '../../../../../shared/drivers/provider/eks.ts';
import { EksOptionsSchema } from '../../../../../shared/drivers/provider/eks-options.ts';
import { CLUSTER_ID_HEADER, decodeEksToken } from '../../../../../shared/drivers/provider/eks-token.ts';
import type { ClusterSpec } from '../../../../../shared/drivers/provider/provider.ts';
import { DriverError } from '../../../../../shared/errors.ts';
import { pollCluster, runProviderContract } from '../../../../support/contracts/provider.ts';
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
const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const OPTIONS = {
  region: REGION,
  roleArn: 'arn:aws:iam::123456789012:role/eks-cluster',
  nodeRoleArn: 'arn:aws:iam::123456789012:role/eks-nodes',
  subnetIds: ['subnet-0a1b2c3d', 'subnet-0e1f2a3b'],
};
const meta = { $metadata: {} };

function setup() {
  const client = new EKSClient({ region: REGION, credentials: CREDENTIALS });
  const fake = track(new EksFake(client, REGION));
  const provider = new EksProvider('eks-eu', EksOptionsSchema.parse(OPTIONS), {
    client,
    credentials: CREDENTIALS,
  });
  return {
    client,
    fake,
    provider,
    harness: {
      provider,
      region: REGION,
      tick: async () => fake.tick(),
      resizeRequests: (name: string) => fake.updatesOf(name),
    },
  };
}

const spec = (name = 'cb-0123456789ab', owner = 'ri-lisbon'): ClusterSpec => ({
  name,
  burstId: `b-${name.slice(3)}`,
  owner,
  region: REGION,
  nodes: 3,
  labels: { [OWNER_LABEL]: owner, [BURST_ID_LABEL]: `b-${name.slice(3)}` },
});

runProviderContract('eks', async () => setup().harness);

describe('EKS provider', () => {
  it('creates the control plane with role, subnets and ownership tags, and the node group only once ACTIVE', async () => {
    const { fake, provider, harness } = setup();
    const created = await provider.create(spec());
    expect(created.state).toBe('provisioning');
    const [call] = fake.stub.commandCalls(CreateClusterCommand);
    expect(call?.args[0].input).toMatchObject({
      name: 'cb-0123456789ab',
      roleArn: OPTIONS.roleArn,
      resourcesVpcConfig: { subnetIds: OPTIONS.subnetIds },
      tags: { [OWNER_LABEL]: 'ri-lisbon', [BURST_ID_LABEL]: 'b-0123456789ab', 'clusterburst.io/nodes': '3' },
    });
    expect((await provider.describe('cb-0123456789ab'))?.state).toBe('provisioning');
    expect(fake.stub.commandCalls(CreateNodegroupCommand)).toHaveLength(0);

    fake.tick(10 * 60_000);
    const groupStarting = await provider.describe('cb-0123456789ab');
    expect(groupStarting?.state).toBe('provisioning');
    expect(groupStarting?.message).toMatch(/node group being created/);
    const [group] = fake.stub.commandCalls(CreateNodegroupCommand);
    expect(group?.args[0].input).toMatchObject({
      clusterName: 'cb-0123456789ab',
      nodeRole: OPTIONS.nodeRoleArn,
      scalingConfig: { minSize: 3, maxSize: 3, desiredSize: 3 },
      labels: { [OWNER_LABEL]: 'ri-lisbon', [BURST_ID_LABEL]: 'b-0123456789ab' },
    });
    await provider.describe('cb-0123456789ab');
    expect(fake.stub.commandCalls(CreateNodegroupCommand)).toHaveLength(1);

    const ready = await pollCluster(harness, 'cb-0123456789ab', (c) => c?.state === 'ready');
    // The cluster's own API server (provider-apis/member-api.ts), not a name nothing answers.
    expect(ready?.endpoint).toBe(fake.apis.get('cb-0123456789ab')?.url);
    expect(ready?.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('reports a node group that could not launch instances as failed, with the provider words', async () => {
    const { fake, provider } = setup();
    await provider.create(spec());
    fake.tick(10 * 60_000);
    await provider.describe('cb-0123456789ab');
    fake.failNodegroup('cb-0123456789ab', 'InstanceLimitExceeded', 'You have reached the vCPU limit');
    expect(await provider.describe('cb-0123456789ab')).toMatchObject({
      state: 'failed',
      message: expect.stringMatching(/CREATE_FAILED: InstanceLimitExceeded: You have reached the vCPU limit/),
    });
  });

  it('reports a cluster EKS marked FAILED as failed', async () => {
    const { fake, provider } = setup();
    fake.seed({
      name: 'cb-failed000000',
      status: 'FAILED',
      tags: { [OWNER_LABEL]: 'ri-lisbon', 'clusterburst.io/nodes': '1' },
      health: {
        issues: [{ code: 'InsufficientFreeAddresses', message: 'subnet has no free addresses' }],
      },
    });
    expect(await provider.describe('cb-failed000000')).toMatchObject({
      state: 'failed',
      message: 'InsufficientFreeAddresses: subnet has no free addresses',
    });
  });

  /** A node group whose launch ended CREATE_FAILED with this one health issue, as `describe` sees it. */
  async function failedNodegroup(code: NodegroupIssueCode, message: string) {
    const { fake, provider } = setup();
    fake.nodegroupFailure = { code, message };
    await provider.create(spec());
    fake.tick(10 * 60_000);
    await provider.describe('cb-0123456789ab');
    fake.tick(3 * 60_000);
    return { provider, described: await provider.describe('cb-0123456789ab') };
  }

  it.each<[string, NodegroupIssueCode, string]>([
    ['the account instance limit', 'InstanceLimitExceeded', 'You have reached the vCPU limit'],
    [
      'EC2 without capacity in the zone',
      'AsgInstanceLaunchFailures',
      'Could not launch On-Demand Instances. InsufficientInstanceCapacity - We currently do not have sufficient m5.large capacity in the Availability Zone you requested (eu-west-1c).',
    ],
    [
      'the vCPU limit met at launch',
      'AsgInstanceLaunchFailures',
      'Could not launch On-Demand Instances. VcpuLimitExceeded - You have requested more vCPU capacity than your current vCPU limit of 32 allows.',
    ],
    [
      'subnets out of addresses',
      'InsufficientFreeAddresses',
      'One or more of the subnets does not have enough available IP addresses',
    ],
  ])(
    'marks a node group failed for %s as a quota failure, with the provider words',
    async (_why, code, message) => {
      const { described } = await failedNodegroup(code, message);
      expect(described).toEqual(
        expect.objectContaining({
          state: 'failed',
          quota: true,
          message: `node group CREATE_FAILED: ${code}: ${message}`,
        }),
      );
    },
  );

  it.each<[string, NodegroupIssueCode, string]>([
    [
      'subnets that assign no public address',
      'Ec2SubnetInvalidConfiguration',
      'One or more Amazon EC2 Subnets of [subnet-0a1b2c3d] does not automatically assign public IP addresses',
    ],
    ['nodes that cannot join', 'NodeCreationFailure', 'Instances failed to join the kubernetes cluster'],
    [
      'Auto Scaling throttling',
      'AutoScalingGroupRateLimitExceeded',
      'Rate exceeded while calling Auto Scaling',
    ],
    [
      'a launch refused for a bad instance profile',
      'AsgInstanceLaunchFailures',
      'Could not launch On-Demand Instances. InvalidParameterValue - Value (eks-node) for parameter iamInstanceProfile.name is invalid.',
    ],
  ])('leaves the quota flag off a node group failed for %s', async (_why, code, message) => {
    const { described } = await failedNodegroup(code, message);
    expect(described).toMatchObject({ state: 'failed', message: expect.stringContaining(message) });
    expect(described).not.toHaveProperty('quota');
  });

  it('marks a cluster EKS failed for a resource limit as a quota failure, also when listing, and another failure not', async () => {
    const { fake, provider } = setup();
    const tags = { [OWNER_LABEL]: 'ri-lisbon', 'clusterburst.io/nodes': '1' };
    fake.seed({
      name: 'cb-limit0000000',
      status: 'FAILED',
      tags,
      health: { issues: [{ code: 'ResourceLimitExceeded', message: 'Cluster limit exceeded for account' }] },
    });
    fake.seed({
      name: 'cb-norole000000',
      status: 'FAILED',
      tags,
      health: { issues: [{ code: 'IamRoleNotFound', message: 'The cluster role could not be found' }] },
    });
    expect(await provider.describe('cb-limit0000000')).toMatchObject({
      state: 'failed',
      quota: true,
      message: 'ResourceLimitExceeded: Cluster limit exceeded for account',
    });
    expect(await provider.describe('cb-norole000000')).not.toHaveProperty('quota');
    const listed = await provider.list('ri-lisbon');
    expect(listed.map((c) => [c.name, c.quota])).toEqual([
      ['cb-limit0000000', true],
      ['cb-norole000000', undefined],
    ]);
  });

  it.each([
    ['a cluster limit', new ResourceLimitExceededException({ message: 'Cluster limit exceeded', ...meta })],
    [
      'an availability zone without capacity',
      new UnsupportedAvailabilityZoneException({
        message: 'Cannot create cluster because eu-west-1c does not currently have sufficient capacity',
        ...meta,
      }),
    ],
  ])('turns %s into a quota error so placement tries the next provider', async (_what, error) => {
    const { fake, provider } = setup();
    fake.stub.on(CreateClusterCommand).rejects(error);
    const thrown = await provider.create(spec()).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(DriverError);
    expect(thrown).toMatchObject({ quota: true, retryable: false, driver: 'eks-eu' });
  });

  it.each([
    ['throttling', new ThrottlingException({ message: 'Rate exceeded', ...meta }), true],
    ['an unavailable service', new ServiceUnavailableException({ message: 'try later', ...meta }), true],
    ['a denied call', new AccessDeniedException({ message: 'not authorised', ...meta }), false],
  ])('classifies %s as retryable=%s and never as quota', async (_what, error, retryable) => {
    const { fake, provider } = setup();
    fake.stub.on(CreateClusterCommand).rejects(error);
    const thrown = await provider.create(spec()).catch((e: unknown) => e);
    expect(thrown).toMatchObject({ retryable, quota: false });
  });

  it('refuses to adopt a cluster of the same name that belongs to another owner', async () => {
    const { fake, provider } = setup();
    fake.seed({ name: 'cb-0123456789ab', status: 'ACTIVE', tags: { [OWNER_LABEL]: 'someone-else' } });
    await expect(provider.create(spec())).rejects.toThrow(/does not belong to ri-lisbon/);
  });

  it('deletes the node groups first and the cluster only once none is left', async () => {
    const { fake, provider, harness } = setup();
    await provider.create(spec());
    await pollCluster(harness, 'cb-0123456789ab', (c) => c?.state === 'ready');
    await provider.delete('cb-0123456789ab', 'ri-lisbon');
    expect(fake.stub.commandCalls(DeleteNodegroupCommand)).toHaveLength(1);
    expect(fake.stub.commandCalls(DeleteClusterCommand)).toHaveLength(0);
    expect((await provider.describe('cb-0123456789ab'))?.state).toBe('deleting');
    expect(fake.stub.commandCalls(DeleteClusterCommand)).toHaveLength(0);
    await pollCluster(harness, 'cb-0123456789ab', (c) => c === undefined);
    expect(fake.stub.commandCalls(DeleteClusterCommand).length).toBeGreaterThanOrEqual(1);
    expect(fake.clusterNames()).toEqual([]);
  });

  it.each([
    ['its control plane is still CREATING', 0],
    ['its node group is still CREATING', 10 * 60_000],
  ])('tears down a cluster whose deadline passed while %s', async (_when, elapsed) => {
    const { fake, provider, harness } = setup();
    await provider.create(spec());
    fake.tick(elapsed);
    await provider.describe('cb-0123456789ab');
    await provider.delete('cb-0123456789ab', 'ri-lisbon');
    expect((await provider.describe('cb-0123456789ab'))?.state).toBe('deleting');
    await pollCluster(harness, 'cb-0123456789ab', (c) => c === undefined);
    expect(fake.clusterNames()).toEqual([]);
  });

  it('never deletes a cluster without the owner tag', async () => {
    const { fake, provider } = setup();
    fake.seed({ name: 'prod-cluster', status: 'ACTIVE', tags: { team: 'physics' } });
    await expect(provider.delete('prod-cluster', 'ri-lisbon')).rejects.toThrow(
      /no clusterburst.io\/owner tag/,
    );
    expect(fake.clusterNames()).toEqual(['prod-cluster']);
    expect(fake.stub.commandCalls(DeleteClusterCommand)).toHaveLength(0);
  });

  it('lists clusters of one owner across pages and leaves untagged ones out', async () => {
    const { fake, provider } = setup();
    fake.seed({ name: 'prod-cluster', status: 'ACTIVE', tags: {} });
    await provider.create(spec('cb-000000000001'));
    await provider.create(spec('cb-000000000002', 'other-ri'));
    await provider.create(spec('cb-000000000003'));
    const listed = await provider.list('ri-lisbon');
    expect(listed.map((c) => c.name).sort()).toEqual(['cb-000000000001', 'cb-000000000003']);
  });

  it('hands out endpoint, CA and a bearer token that is a presigned STS GetCallerIdentity URL for the cluster', async () => {
    const { provider, harness } = setup();
    await provider.create(spec());
    await pollCluster(harness, 'cb-0123456789ab', (c) => c?.state === 'ready');
    const creds = await provider.credentials('cb-0123456789ab');
    expect(creds.endpoint).toMatch(/^https:\/\//);
    expect(Buffer.from(creds.caData ?? '', 'base64').toString()).toMatch(/BEGIN CERTIFICATE/);
    expect(creds.token).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+$/);

    const url = decodeEksToken(creds.token ?? '');
    expect(url.host).toBe('sts.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('GetCallerIdentity');
    expect(url.searchParams.get('Version')).toBe('2011-06-15');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
    expect(url.searchParams.get('X-Amz-SignedHeaders')?.split(';')).toEqual(['host', CLUSTER_ID_HEADER]);
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(
      /^AKIDEXAMPLE\/\d{8}\/eu-west-1\/sts\/aws4_request$/,
    );
    expect(url.searchParams.get('X-Amz-Signature')).toBe(sigV4(url, 'cb-0123456789ab'));
  });

  it('says credentials are not there yet while the control plane has no endpoint', async () => {
    const { provider } = setup();
    await provider.create(spec());
    await expect(provider.credentials('cb-0123456789ab')).rejects.toMatchObject({ retryable: true });
  });

  it('keeps the cluster API off the Internet by default: private endpoint only', async () => {
    const { fake, provider } = setup();
    await provider.create(spec());
    const vpc = fake.stub.commandCalls(CreateClusterCommand)[0]?.args[0].input.resourcesVpcConfig;
    expect(vpc).toMatchObject({ endpointPublicAccess: false, endpointPrivateAccess: true });
    expect(vpc?.publicAccessCidrs).toBeUndefined();
  });

  it('opens the public API endpoint only to the configured CIDR blocks', async () => {
    const client = new EKSClient({ region: REGION, credentials: CREDENTIALS });
    const fake = track(new EksFake(client, REGION));
    const cidrs = ['192.0.2.0/24', '198.51.100.7/32'];
    const provider = new EksProvider(
      'eks-eu',
      EksOptionsSchema.parse({ ...OPTIONS, publicAccessCidrs: cidrs }),
      { client },
    );
    await provider.create(spec());
    const vpc = fake.stub.commandCalls(CreateClusterCommand)[0]?.args[0].input.resourcesVpcConfig;
    expect(vpc).toMatchObject({
      endpointPublicAccess: true,
      endpointPrivateAccess: true,
      publicAccessCidrs: cidrs,
    });
  });

  it.each([
    ['0.0.0.0/0', /whole Internet/],
    ['10.0.0.0/33', /IPv4 CIDR/],
    ['2001:db8::/32', /IPv4 CIDR/],
  ])('refuses %s in publicAccessCidrs, naming the field', (cidr, why) => {
    const parsed = EksOptionsSchema.safeParse({ ...OPTIONS, publicAccessCidrs: ['192.0.2.0/24', cidr] });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues).toEqual([
      expect.objectContaining({ path: ['publicAccessCidrs', 1], message: expect.stringMatching(why) }),
    ]);
  });

  it('rejects options without two subnets or with a malformed role', () => {
    expect(() => EksOptionsSchema.parse({ ...OPTIONS, subnetIds: ['subnet-0a1b2c3d'] })).toThrow();
    expect(() => EksOptionsSchema.parse({ ...OPTIONS, roleArn: 'eks-cluster' })).toThrow();
  });
});

/** SigV4 query signature computed from the AWS documentation, independently of the SDK signer. */
function sigV4(url: URL, clusterName: string): string {
  const params = [...url.searchParams.entries()].filter(([k]) => k !== 'X-Amz-Signature');
  const enc = (s: string) =>
    encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const query = params
    .map(([k, v]) => [enc(k), enc(v)])
    .sort(([a], [b]) => (a! < b! ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const emptyHash = createHash('sha256').update('').digest('hex');
  const canonical = [
    'GET',
    '/',
    query,
    `host:${url.host}`,
    `${CLUSTER_ID_HEADER}:${clusterName}`,
    '',
    'host;x-k8s-aws-id',
    emptyHash,
  ].join('\n');
  const date = url.searchParams.get('X-Amz-Date') ?? '';
  const scope = `${date.slice(0, 8)}/${REGION}/sts/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', date, scope, createHash('sha256').update(canonical).digest('hex')].join(
    '\n',
  );
  let key: Buffer = createHmac('sha256', `AWS4${CREDENTIALS.secretAccessKey}`)
    .update(date.slice(0, 8))
    .digest();
  for (const part of [REGION, 'sts', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  return createHmac('sha256', key).update(toSign).digest('hex');
}
