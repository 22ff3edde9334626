import { createHash } from 'node:crypto';
import {
  type DescribeUpdateCommandInput,
  type ErrorDetail,
  InvalidParameterException,
  type ListUpdatesCommandInput,
  type Nodegroup,
  ResourceInUseException,
  ResourceNotFoundException,
  type Update,
  type UpdateNodegroupConfigCommandInput,
} from '@aws-sdk/client-eks';

/** What the emulated EKS lends its node group updates. */
export interface UpdatesHost {
  now(): number;
  updateAfterMs(): number;
  /** The stored (mutable) node group, moved on to now; throws ResourceNotFound as EKS does. */
  group(clusterName: string, nodegroupName: string): Nodegroup | undefined;
  /** The stored node group as it is, without moving it on (settling runs inside that). */
  stored(clusterName: string, nodegroupName: string): Nodegroup | undefined;
  /** Throws ResourceNotFound for a cluster EKS does not know. */
  cluster(name: string): void;
}

/** A node group ConfigUpdate with when it settles and how. */
interface TimedUpdate {
  readonly update: Update;
  readonly clusterName: string;
  readonly nodegroupName: string;
  readonly token?: string;
  readonly doneAt: number;
  /** The scaling config before, which a failed update goes back to. */
  readonly before?: Nodegroup['scalingConfig'];
  readonly failWith?: ErrorDetail;
}

const meta = { $metadata: {} };

/**
 * Node group scaling of the emulated EKS: UpdateNodegroupConfig, ListUpdates, DescribeUpdate,
 * following the EKS API reference and REFERENCE.md "Resizing a burst cluster's node pool"; each
 * behaviour's source is on its method.
 */
export class EksNodegroupUpdates {
  /** Error every ConfigUpdate accepted from now on ends Failed with, once it is due. */
  failure?: ErrorDetail;
  readonly #updates: TimedUpdate[] = [];
  #seq = 0;

  constructor(private readonly host: UpdatesHost) {}

  /** Updates started for a cluster (a token seen before starts none). */
  countFor(clusterName: string): number {
    return this.#updates.filter((u) => u.clusterName === clusterName).length;
  }

  /**
   * UpdateNodegroupConfig with a scaling config: only an ACTIVE or DEGRADED group takes an
   * update, else 409 ResourceInUseException "Nodegroup cannot be updated as it is currently not
   * in Active State" (words from aws/karpenter-provider-aws#133); min > desired is an
   * InvalidParameterException "Minimum capacity can't be greater than desired size"
   * (terraform-aws-modules/terraform-aws-eks#3521), desired > max and max < 1 likewise (our
   * wording); the same clientRequestToken returns the same update (EKS API reference); the
   * group is UPDATING with the new scaling config until the update settles.
   */
  start(input: UpdateNodegroupConfigCommandInput): { update: Update } {
    const clusterName = input.clusterName ?? '';
    const nodegroupName = input.nodegroupName ?? '';
    const group = this.host.group(clusterName, nodegroupName);
    if (!group) throw new ResourceNotFoundException({ message: 'No node group found', ...meta });
    const seen = input.clientRequestToken
      ? this.#updates.find((u) => u.clusterName === clusterName && u.token === input.clientRequestToken)
      : undefined;
    if (seen) return { update: { ...seen.update } };
    if (group.status !== 'ACTIVE' && group.status !== 'DEGRADED') {
      throw new ResourceInUseException({
        message: 'Nodegroup cannot be updated as it is currently not in Active State',
        ...meta,
      });
    }
    const scaling = { ...group.scalingConfig, ...input.scalingConfig };
    const { minSize = 0, maxSize = 1, desiredSize = 0 } = scaling;
    const invalid = (message: string) => new InvalidParameterException({ message, ...meta });
    if (maxSize < 1) throw invalid('Maximum capacity must be at least 1');
    if (minSize > desiredSize) throw invalid("Minimum capacity can't be greater than desired size");
    if (desiredSize > maxSize) throw invalid("Desired capacity can't be greater than max size");
    const now = this.host.now();
    const suffix = createHash('sha256').update(clusterName).digest('hex').slice(0, 12);
    const update: Update = {
      id: `${++this.#seq}0000000-aaaa-4bbb-8ccc-${suffix}`,
      status: 'InProgress',
      type: 'ConfigUpdate',
      params: Object.entries(input.scalingConfig ?? {}).map(([k, v]) => ({
        type: `${k[0]!.toUpperCase()}${k.slice(1)}` as 'DesiredSize',
        value: String(v),
      })),
      createdAt: new Date(now),
      errors: [],
    };
    this.#updates.push({
      update,
      clusterName,
      nodegroupName,
      token: input.clientRequestToken,
      doneAt: now + this.host.updateAfterMs(),
      before: group.scalingConfig,
      ...(this.failure && { failWith: this.failure }),
    });
    group.scalingConfig = scaling;
    group.status = 'UPDATING';
    group.modifiedAt = new Date(now);
    return { update: { ...update } };
  }

  /**
   * Due updates settle: Successful (group ACTIVE), or Failed with their errors and the group back
   * on its old scaling config and ACTIVE (crossplane-contrib/provider-aws#1475); a failure for
   * capacity leaves the group DEGRADED with the launch failure as health issue
   * (aws/containers-roadmap#2326).
   */
  settle(): void {
    for (const u of this.#updates) {
      if (u.update.status !== 'InProgress' || this.host.now() < u.doneAt) continue;
      const group = this.host.stored(u.clusterName, u.nodegroupName);
      u.update.status = u.failWith ? 'Failed' : 'Successful';
      if (u.failWith) u.update.errors = [{ ...u.failWith, resourceIds: [u.nodegroupName] }];
      if (!group) continue;
      group.status = 'ACTIVE';
      if (!u.failWith) {
        group.health = { issues: [] };
        continue;
      }
      group.scalingConfig = u.before;
      if (/capacity|limit/i.test(u.failWith.errorMessage ?? '')) {
        group.status = 'DEGRADED';
        group.health = { issues: [{ code: 'AsgInstanceLaunchFailures', message: u.failWith.errorMessage }] };
      }
    }
  }

  /** ListUpdates: a node group's updates only when nodegroupName is given, else the cluster's own. */
  list(input: ListUpdatesCommandInput): { updateIds: string[] } {
    this.host.cluster(input.name ?? '');
    this.settle();
    const ids = this.#updates
      .filter((u) => u.clusterName === input.name && u.nodegroupName === (input.nodegroupName ?? ''))
      .map((u) => u.update.id ?? '');
    return { updateIds: ids };
  }

  /** DescribeUpdate: a node group's update is found only with its nodegroupName (REFERENCE.md). */
  describe(input: DescribeUpdateCommandInput): { update: Update } {
    this.host.cluster(input.name ?? '');
    this.settle();
    const found = this.#updates.find(
      (u) =>
        u.clusterName === input.name &&
        u.update.id === input.updateId &&
        u.nodegroupName === (input.nodegroupName ?? ''),
    );
    if (!found)
      throw new ResourceNotFoundException({ message: `No update found for id: ${input.updateId}`, ...meta });
    return { update: { ...found.update } };
  }
}
