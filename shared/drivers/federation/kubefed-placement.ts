/**
 * Services on KubeFed burst members (issue 11), through KubeFed's own replica scheduling: one
 * ReplicaSchedulingPreference of ours per federated workload (KubeFed requires the RSP to bear
 * the FederatedDeployment's name), listing the home clusters and the placed burst members with
 * their weights and `rebalance: true`, so KubeFed's scheduler rewrites the FederatedDeployment's
 * placement and replica overrides and moves replicas at once (without rebalance it only places
 * new replicas). The site's FederatedService must select the burst members (a `clusterSelector`
 * such as `{}`, all clusters): clusterburst never changes the site's federated objects.
 *
 * Member status is read from KubeFed's own status, `status.clusters[].remoteStatus` of the
 * FederatedDeployment and FederatedService (KubeFed's RawResourceStatusCollection feature gate
 * must be on), not from the members: the driver holds no member credentials after the join.
 */
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { z } from 'zod';
import { OWNER_LABEL } from '../../domain/names.ts';
import type { ServiceOnMember, ServiceSpec, WorkloadRef } from '../../domain/services.ts';
import { DriverError } from '../../errors.ts';
import { type Custom, deleteOwned, readCustom, upsertOwned } from '../kube/owned-object.ts';
import { placementClusters } from '../kube/placement-clusters.ts';
import { readyReplicasOf, serviceOnMember } from '../kube/service-objects.ts';
import type { KubefedOptions } from './kubefed-options.ts';

const DRIVER = 'kubefed';
const RSP = {
  group: 'scheduling.kubefed.io',
  version: 'v1alpha1',
  plural: 'replicaschedulingpreferences',
} as const;
const TYPES = { group: 'types.kubefed.io', version: 'v1beta1' } as const;
const KFC = { group: 'core.kubefed.io', version: 'v1beta1', plural: 'kubefedclusters' } as const;

const FederatedSchema = z.looseObject({
  spec: z
    .looseObject({
      template: z
        .looseObject({ spec: z.looseObject({ replicas: z.number().optional() }).optional() })
        .optional(),
      placement: z
        .looseObject({ clusters: z.array(z.looseObject({ name: z.string() })).optional() })
        .optional(),
      overrides: z
        .array(
          z.looseObject({
            clusterName: z.string(),
            clusterOverrides: z
              .array(z.looseObject({ path: z.string(), value: z.unknown().optional() }))
              .default([]),
          }),
        )
        .default([]),
    })
    .default({ overrides: [] }),
  status: z
    .looseObject({
      clusters: z
        .array(z.looseObject({ name: z.string(), remoteStatus: z.unknown().optional() }))
        .default([]),
    })
    .default({ clusters: [] }),
});
type Federated = z.output<typeof FederatedSchema>;

/** Replicas KubeFed's scheduler gave `cluster` (its `/spec/replicas` override), 0 when not placed. */
function replicasOn(fd: Federated, cluster: string): number {
  if (!fd.spec.placement?.clusters?.some((c) => c.name === cluster)) return 0;
  const override = fd.spec.overrides
    .find((o) => o.clusterName === cluster)
    ?.clusterOverrides.find((o) => o.path === '/spec/replicas')?.value;
  return typeof override === 'number' ? override : (fd.spec.template?.spec?.replicas ?? 1);
}

const remote = (fd: Federated | undefined, cluster: string) =>
  fd?.status.clusters.find((c) => c.name === cluster)?.remoteStatus;

/** Placement of services for the KubeFed driver. */
export class KubefedPlacement {
  readonly #custom: CustomObjectsApi;
  readonly #options: KubefedOptions;

  constructor(custom: CustomObjectsApi, options: KubefedOptions) {
    this.#custom = custom;
    this.#options = options;
  }

  async place(member: string, owner: string, services: readonly ServiceSpec[]): Promise<void> {
    for (const w of services.flatMap((s) => s.workloads)) await this.#schedule(owner, w, member, true);
  }

  async serviceStatus(member: string, services: readonly ServiceSpec[]): Promise<ServiceOnMember[]> {
    return Promise.all(
      services.map((service) =>
        serviceOnMember(
          service,
          member,
          async (o) => {
            const workload = o !== service.expose;
            const plural = workload ? 'federateddeployments' : 'federatedservices';
            const federated = await this.#federated(plural, o.namespace, o.name);
            if (!federated) return undefined;
            return {
              desired: workload ? replicasOn(federated, member) : 0,
              status: remote(federated, member),
            };
          },
          (o) =>
            `${o === service.expose ? 'FederatedService' : 'FederatedDeployment'} ${o.namespace}/${o.name}`,
        ),
      ),
    );
  }

  async unplace(
    member: string,
    owner: string,
    services: readonly ServiceSpec[],
  ): Promise<{ done: boolean; why: string }> {
    const workloads = services.flatMap((s) => s.workloads);
    const waiting: string[] = [];
    for (const w of workloads) {
      await this.#schedule(owner, w, member, false);
      const fd = await this.#federated('federateddeployments', w.namespace, w.name);
      if (!fd) continue;
      const what = `FederatedDeployment ${w.namespace}/${w.name}`;
      const left = replicasOn(fd, member);
      if (left > 0) {
        waiting.push(`${what}: ${left} replicas still placed on ${member}`);
        continue;
      }
      const short = (fd.spec.placement?.clusters ?? []).flatMap((c) => {
        const want = replicasOn(fd, c.name);
        const have = readyReplicasOf(remote(fd, c.name));
        return want > 0 && have < want ? [`${c.name} ${have}/${want} ready`] : [];
      });
      if (short.length) waiting.push(`${what}: home clusters ${short.join(', ')}`);
    }
    if (waiting.length)
      return {
        done: false,
        why: `waiting for the replicas to move home from ${member}: ${waiting.join('; ')}`,
      };
    const { burst } = await this.#clusters(owner);
    for (const w of workloads) {
      const ref = { ...RSP, namespace: w.namespace, name: w.name };
      const rsp = await readCustom(DRIVER, this.#custom, ref);
      const listed = Object.keys((rsp?.spec as { clusters?: object } | undefined)?.clusters ?? {});
      if (rsp && !listed.some((c) => burst.has(c)))
        await deleteOwned(DRIVER, this.#custom, ref, owner, rsp.metadata?.resourceVersion);
    }
    return { done: true, why: `replicas of ${services.map((s) => s.name).join(', ')} are ready at home` };
  }

  /** A FederatedDeployment's own labels and its template's; undefined when there is none. */
  async workloadLabels(w: WorkloadRef): Promise<Record<string, string> | undefined> {
    const ref = {
      ...TYPES,
      plural: `federated${w.kind.toLowerCase()}s`,
      namespace: w.namespace,
      name: w.name,
    };
    const object = await readCustom(DRIVER, this.#custom, ref);
    if (!object) return undefined;
    const template = (object.spec as { template?: { metadata?: { labels?: Record<string, string> } } })
      ?.template;
    return { ...template?.metadata?.labels, ...object.metadata?.labels };
  }

  #clusters(owner: string) {
    const kind = { ...KFC, namespace: this.#options.federationNamespace };
    return placementClusters(DRIVER, this.#custom, kind, this.#options.homeClusters, owner);
  }

  /** Adds or removes `member` in the RSP of workload `w` (ours only). */
  async #schedule(owner: string, w: WorkloadRef, member: string, on: boolean): Promise<void> {
    if (w.kind !== 'Deployment')
      throw new DriverError(
        DRIVER,
        `KubeFed schedules replicas of Deployments only, not ${w.kind} ${w.namespace}/${w.name}`,
      );
    const fd = await this.#federated('federateddeployments', w.namespace, w.name);
    if (!fd) {
      if (!on) return; // nothing federated, nothing placed
      throw new DriverError(
        DRIVER,
        `no FederatedDeployment ${w.namespace}/${w.name}: the site federates its workloads`,
      );
    }
    const { home, burst } = await this.#clusters(owner);
    const ref = { ...RSP, namespace: w.namespace, name: w.name };
    await upsertOwned(DRIVER, this.#custom, ref, owner, (current) => {
      if (!current && !on) return undefined;
      const had = Object.keys((current?.spec as { clusters?: object } | undefined)?.clusters ?? {});
      const members = had.filter((n) => burst.has(n) && n !== member);
      if (on) members.push(member);
      const clusters: Record<string, { weight: number }> = {};
      for (const h of home) clusters[h] = { weight: this.#options.homeWeight };
      for (const m of members) clusters[m] = { weight: this.#options.burstWeight };
      const totalReplicas = fd.spec.template?.spec?.replicas ?? 1;
      const spec = { targetKind: 'FederatedDeployment', totalReplicas, rebalance: true, clusters };
      if (current && JSON.stringify(current.spec) === JSON.stringify(spec)) return undefined;
      const body: Custom = {
        apiVersion: `${RSP.group}/${RSP.version}`,
        kind: 'ReplicaSchedulingPreference',
        metadata: { name: w.name, namespace: w.namespace, labels: { [OWNER_LABEL]: owner } },
        spec,
      };
      // A merge patch would keep clusters no longer listed: null removes them.
      if (current)
        for (const gone of had.filter((n) => !(n in clusters)))
          (clusters as Record<string, unknown>)[gone] = null;
      return body;
    });
  }

  async #federated(plural: string, namespace: string, name: string): Promise<Federated | undefined> {
    const object = await readCustom(DRIVER, this.#custom, { ...TYPES, plural, namespace, name });
    if (!object) return undefined;
    const parsed = FederatedSchema.safeParse(object);
    if (!parsed.success) throw new DriverError(DRIVER, `${plural} ${namespace}/${name} is not readable`);
    return parsed.data;
  }
}
