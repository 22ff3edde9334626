import {
  type Cluster,
  CreateClusterCommand,
  type CreateClusterCommandInput,
  CreateNodegroupCommand,
  type CreateNodegroupCommandInput,
  DeleteClusterCommand,
  DeleteNodegroupCommand,
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  DescribeUpdateCommand,
  type DescribeUpdateCommandInput,
  type EKSClient,
  type EKSClientResolvedConfig,
  type ErrorDetail,
  InvalidRequestException,
  ListClustersCommand,
  ListNodegroupsCommand,
  ListUpdatesCommand,
  type ListUpdatesCommandInput,
  type Nodegroup,
  type NodegroupIssueCode,
  ResourceInUseException,
  ResourceNotFoundException,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  TagResourceCommand,
  UpdateNodegroupConfigCommand,
  type UpdateNodegroupConfigCommandInput,
} from '@aws-sdk/client-eks';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { acceptEksToken } from './eks-authenticator.ts';
import { EksNodegroupUpdates } from './eks-updates.ts';
import { MemberApis } from './member-api.ts';
import { makeTestCa, type TestCa } from './x509.ts';

/** How long the emulated EKS takes for each transition, in emulated milliseconds. */
export interface EksTimings {
  readonly clusterActiveAfterMs: number;
  readonly nodegroupActiveAfterMs: number;
  readonly deleteAfterMs: number;
  /** A node group scaling update (REFERENCE "Latencies": adding nodes takes 1-3 min on EKS). */
  readonly updateAfterMs: number;
}

const DEFAULT_TIMINGS: EksTimings = {
  clusterActiveAfterMs: 10 * 60_000,
  nodegroupActiveAfterMs: 3 * 60_000,
  deleteAfterMs: 5 * 60_000,
  updateAfterMs: 2 * 60_000,
};

interface Timed<T> {
  value: T;
  readyAt: number;
  goneAt?: number;
  /** The health issue a node group's launch ends in instead of ACTIVE. */
  failWith?: { code: NodegroupIssueCode; message: string };
}

const meta = { $metadata: {} };
const notFound = (what: string) => new ResourceNotFoundException({ message: `No ${what} found`, ...meta });
const inUse = (message: string) => new ResourceInUseException({ message, ...meta });

/**
 * A stateful EKS behind aws-sdk-client-mock: clusters and node groups move through CREATING,
 * ACTIVE, DELETING and gone as emulated time passes (`tick`), with the errors the real API
 * gives for the same calls (ResourceInUse, ResourceNotFound, node groups still attached).
 * Node group scaling (UpdateNodegroupConfig, ListUpdates, DescribeUpdate) is in eks-updates.ts,
 * each behaviour with its source.
 */
export class EksFake {
  now = 0;
  readonly stub: AwsStub<ServiceInputTypes, ServiceOutputTypes, EKSClientResolvedConfig>;
  readonly #clusters = new Map<string, Timed<Cluster>>();
  readonly #groups = new Map<string, Map<string, Timed<Nodegroup>>>();
  readonly #timings: EksTimings;
  /** The clusters' Kubernetes API servers (member-api.ts): the endpoint of an ACTIVE cluster. */
  readonly apis = new MemberApis('eks');
  readonly #cas = new Map<string, TestCa>();
  readonly #client: EKSClient;
  /** Health issue every node group created from now on ends CREATE_FAILED with, once its launch is due. */
  nodegroupFailure?: { code: NodegroupIssueCode; message: string };
  /** Node group scaling updates (eks-updates.ts). */
  readonly #updates = new EksNodegroupUpdates({
    now: () => this.now,
    updateAfterMs: () => this.#timings.updateAfterMs,
    group: (clusterName, nodegroupName) => {
      this.#nodegroup(clusterName, nodegroupName);
      return this.#liveGroups(clusterName).get(nodegroupName)?.value;
    },
    stored: (clusterName, nodegroupName) => this.#groups.get(clusterName)?.get(nodegroupName)?.value,
    cluster: (name) => void this.#cluster(name),
  });

  constructor(
    client: EKSClient,
    readonly region: string,
    timings: Partial<EksTimings> = {},
  ) {
    this.#timings = { ...DEFAULT_TIMINGS, ...timings };
    this.#client = client;
    this.stub = mockClient(client);
    const on = this.stub;
    on.on(CreateClusterCommand).callsFake((i: CreateClusterCommandInput) => this.#createCluster(i));
    on.on(DescribeClusterCommand).callsFake(async (i: { name: string }) => ({
      cluster: await this.#withApi(this.#cluster(i.name)),
    }));
    on.on(ListClustersCommand).callsFake((i: { nextToken?: string }) => this.#listClusters(i.nextToken));
    on.on(TagResourceCommand).callsFake((i: { resourceArn: string; tags: Record<string, string> }) => {
      const entry = [...this.#clusters.values()].find((c) => c.value.arn === i.resourceArn);
      if (!entry) throw notFound('resource');
      entry.value.tags = { ...entry.value.tags, ...i.tags };
      return {};
    });
    on.on(DeleteClusterCommand).callsFake((i: { name: string }) => this.#deleteCluster(i.name));
    on.on(CreateNodegroupCommand).callsFake((i: CreateNodegroupCommandInput) => this.#createNodegroup(i));
    on.on(DescribeNodegroupCommand).callsFake((i: { clusterName: string; nodegroupName: string }) => ({
      nodegroup: this.#nodegroup(i.clusterName, i.nodegroupName),
    }));
    on.on(ListNodegroupsCommand).callsFake((i: { clusterName: string }) => {
      this.#cluster(i.clusterName);
      return { nodegroups: [...this.#liveGroups(i.clusterName).keys()] };
    });
    on.on(UpdateNodegroupConfigCommand).callsFake((i: UpdateNodegroupConfigCommandInput) =>
      this.#updates.start(i),
    );
    on.on(ListUpdatesCommand).callsFake((i: ListUpdatesCommandInput) => this.#updates.list(i));
    on.on(DescribeUpdateCommand).callsFake((i: DescribeUpdateCommandInput) => this.#updates.describe(i));
    on.on(DeleteNodegroupCommand).callsFake((i: { clusterName: string; nodegroupName: string }) => {
      this.#nodegroup(i.clusterName, i.nodegroupName);
      const group = this.#liveGroups(i.clusterName).get(i.nodegroupName);
      if (!group) throw notFound('node group');
      if (group.value.status === 'DELETING') throw inUse('Nodegroup is already being deleted');
      if (group.value.status === 'CREATING') throw inUse('Nodegroup cannot be deleted while it is CREATING');
      group.value.status = 'DELETING';
      group.goneAt = this.now + this.#timings.deleteAfterMs;
      return { nodegroup: group.value };
    });
  }

  /** UpdateNodegroupConfig calls that started an update (a token seen before starts none). */
  updatesOf(clusterName: string): number {
    return this.#updates.countFor(clusterName);
  }

  /** Error every ConfigUpdate accepted from now on ends Failed with, once it is due. */
  get updateFailure(): ErrorDetail | undefined {
    return this.#updates.failure;
  }

  set updateFailure(value: ErrorDetail | undefined) {
    this.#updates.failure = value;
  }

  /** Let emulated time pass. */
  tick(ms = 60_000): void {
    this.now += ms;
  }

  /** Stop every cluster's API server (and its load balancers). */
  async close(): Promise<void> {
    await this.apis.close();
  }

  /** Put a cluster there behind our back (an orphan, or someone else's). */
  seed(cluster: Cluster): void {
    this.#clusters.set(cluster.name ?? '', { value: { ...cluster }, readyAt: this.now });
  }

  /** Make the node group fail to create with these health issues. */
  failNodegroup(clusterName: string, code: NodegroupIssueCode, message: string): void {
    for (const group of this.#liveGroups(clusterName).values()) {
      group.value.status = 'CREATE_FAILED';
      group.value.health = { issues: [{ code, message }] };
    }
  }

  /** Names of clusters the emulated account holds now. */
  clusterNames(): string[] {
    return [...this.#clusters.keys()].filter((name) => this.#exists(name));
  }

  /** Names of node groups of a cluster. */
  nodegroupNames(clusterName: string): string[] {
    return [...this.#liveGroups(clusterName).keys()];
  }

  #createCluster(input: CreateClusterCommandInput): { cluster: Cluster } {
    const name = input.name ?? '';
    if (this.#exists(name)) throw inUse(`Cluster already exists with name: ${name}`);
    const cluster: Cluster = {
      name,
      arn: `arn:aws:eks:${this.region}:123456789012:cluster/${name}`,
      status: 'CREATING',
      version: input.version ?? '1.33',
      roleArn: input.roleArn,
      tags: { ...input.tags },
      createdAt: new Date(this.now),
    };
    this.#clusters.set(name, { value: cluster, readyAt: this.now + this.#timings.clusterActiveAfterMs });
    return { cluster: { ...cluster } };
  }

  #deleteCluster(name: string): { cluster: Cluster } {
    this.#cluster(name);
    const entry = this.#clusters.get(name);
    if (!entry) throw notFound('cluster');
    if (this.#liveGroups(name).size > 0) throw inUse('Cluster has nodegroups attached');
    if (entry.value.status === 'DELETING') throw inUse('Cluster is already being deleted');
    if (entry.value.status === 'CREATING') throw inUse('Cluster cannot be deleted while it is CREATING');
    entry.value.status = 'DELETING';
    entry.goneAt = this.now + this.#timings.deleteAfterMs;
    return { cluster: { ...entry.value } };
  }

  #createNodegroup(input: CreateNodegroupCommandInput): { nodegroup: Nodegroup } {
    const cluster = this.#cluster(input.clusterName ?? '');
    if (cluster.status !== 'ACTIVE')
      throw new InvalidRequestException({ message: 'Cluster is not ACTIVE', ...meta });
    const groups = this.#liveGroups(input.clusterName ?? '');
    if (groups.has(input.nodegroupName ?? '')) throw inUse('NodeGroup already exists');
    const nodegroup: Nodegroup = {
      nodegroupName: input.nodegroupName,
      clusterName: input.clusterName,
      status: 'CREATING',
      scalingConfig: input.scalingConfig,
      instanceTypes: input.instanceTypes,
      labels: input.labels,
      tags: input.tags,
    };
    groups.set(input.nodegroupName ?? '', {
      value: nodegroup,
      readyAt: this.now + this.#timings.nodegroupActiveAfterMs,
      ...(this.nodegroupFailure && { failWith: this.nodegroupFailure }),
    });
    return { nodegroup };
  }

  #cluster(name: string): Cluster {
    const entry = this.#clusters.get(name);
    if (!entry || !this.#exists(name)) throw notFound(`cluster found for name: ${name}`);
    const c = entry.value;
    if (c.status === 'CREATING' && this.now >= entry.readyAt) c.status = 'ACTIVE';
    return { ...c, tags: { ...c.tags } };
  }

  /**
   * An ACTIVE cluster has a real API server: its URL is the endpoint and its CA the
   * certificateAuthority, as DescribeCluster reports them. Tokens are checked as the IAM
   * authenticator does (eks-authenticator.ts), against the account's (the client's) credentials.
   */
  async #withApi(cluster: Cluster): Promise<Cluster> {
    const name = cluster.name ?? '';
    if (cluster.status !== 'ACTIVE' && cluster.status !== 'UPDATING') return cluster;
    let ca = this.#cas.get(name);
    if (!ca) {
      ca = makeTestCa(`eks ${name}`);
      this.#cas.set(name, ca);
    }
    const credentials = this.#client.config.credentials;
    const api = await this.apis.start(name, name, ca, {
      acceptToken: (token) => acceptEksToken(token, name, credentials),
    });
    const stored = this.#clusters.get(name)?.value;
    const reported = {
      endpoint: api.url,
      certificateAuthority: { data: Buffer.from(api.caPem).toString('base64') },
    };
    if (stored) Object.assign(stored, reported);
    return { ...cluster, ...reported };
  }

  #nodegroup(clusterName: string, nodegroupName: string): Nodegroup {
    this.#cluster(clusterName);
    const group = this.#liveGroups(clusterName).get(nodegroupName);
    if (!group) throw notFound('node group');
    this.#updates.settle();
    if (group.value.status === 'CREATING' && this.now >= group.readyAt) {
      group.value.status = group.failWith ? 'CREATE_FAILED' : 'ACTIVE';
      if (group.failWith) group.value.health = { issues: [{ ...group.failWith }] };
    }
    return { ...group.value };
  }

  #liveGroups(clusterName: string): Map<string, Timed<Nodegroup>> {
    let groups = this.#groups.get(clusterName);
    if (!groups) {
      groups = new Map();
      this.#groups.set(clusterName, groups);
    }
    for (const [name, group] of groups) {
      if (group.goneAt !== undefined && this.now >= group.goneAt) groups.delete(name);
    }
    return groups;
  }

  #exists(name: string): boolean {
    const entry = this.#clusters.get(name);
    if (!entry) return false;
    if (entry.goneAt !== undefined && this.now >= entry.goneAt) {
      this.#clusters.delete(name);
      this.#groups.delete(name);
      this.#cas.delete(name);
      void this.apis.stop(name);
      return false;
    }
    return true;
  }

  /** Two names per page, so drivers must follow nextToken. */
  #listClusters(nextToken: string | undefined): { clusters: string[]; nextToken?: string } {
    const names = this.clusterNames();
    const start = nextToken ? Number(nextToken) : 0;
    const page = names.slice(start, start + 2);
    return start + 2 < names.length ? { clusters: page, nextToken: String(start + 2) } : { clusters: page };
  }
}
