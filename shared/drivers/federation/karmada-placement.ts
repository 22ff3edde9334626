/**
 * Services on Karmada burst members (issue 11): one PropagationPolicy of ours per service and
 * namespace, a WorkloadRebalancer so a new member gets replicas at once, and per-member status
 * from the ResourceBindings' aggregated status.
 */
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { OWNER_LABEL, ownedServerPrefix } from '../../domain/names.ts';
import type { ServiceOnMember, ServiceSpec, WorkloadRef } from '../../domain/services.ts';
import { DriverError } from '../../errors.ts';
import { retry } from '../../retry.ts';
import { deleteOwned, readCustom, upsertOwned } from '../kube/owned-object.ts';
import { placementClusters } from '../kube/placement-clusters.ts';
import { serviceOnMember } from '../kube/service-objects.ts';
import {
  assignedTo,
  type Binding,
  bindingName,
  homeShortfall,
  parseBinding,
  placementNames,
  policyBody,
} from './karmada-binding.ts';
import type { KarmadaOptions } from './karmada-options.ts';

const DRIVER = 'karmada';
const POLICY = { group: 'policy.karmada.io', version: 'v1alpha1', plural: 'propagationpolicies' } as const;
const BINDING = { group: 'work.karmada.io', version: 'v1alpha2', plural: 'resourcebindings' } as const;
const REBALANCER = { group: 'apps.karmada.io', version: 'v1alpha1', plural: 'workloadrebalancers' } as const;
const CLUSTER = { group: 'cluster.karmada.io', version: 'v1alpha1', plural: 'clusters' } as const;

/** The namespaces a service's objects live in; one policy of ours in each. */
function namespacesOf(service: ServiceSpec): string[] {
  return [...new Set([...service.workloads.map((w) => w.namespace), service.expose.namespace])];
}

/**
 * Placement of services for the Karmada driver. Replicas are Divided by a static weight list
 * (home clusters `homeWeight`, our burst members `burstWeight`), not by dynamic weight: a cloud
 * cluster autoscaled to zero nodes reports no available replicas, so dynamic weighting would
 * never give it any (karmada#4284), and a static share is what the operator configured. On place
 * a WorkloadRebalancer asks Karmada to divide afresh, because assignments are otherwise kept
 * stable and the new member would get replicas only at the next scale change; it is created once
 * the bindings carry the new placement, so the fresh division includes the member.
 */
export class KarmadaPlacement {
  readonly #custom: CustomObjectsApi;
  readonly #options: KarmadaOptions;

  constructor(custom: CustomObjectsApi, options: KarmadaOptions) {
    this.#custom = custom;
    this.#options = options;
  }

  async place(member: string, owner: string, services: readonly ServiceSpec[]): Promise<void> {
    let changed = false;
    for (const service of services)
      changed = (await this.#setMember(owner, service, member, true)) || changed;
    const workloads = services.flatMap((s) => s.workloads);
    // Newly placed (again, after a cancelled unplace): an old rebalancer has already run.
    if (changed)
      for (const name of [`${member}-place`, `${member}-unplace`])
        await deleteOwned(DRIVER, this.#custom, { ...REBALANCER, name }, owner);
    // The rebalancer must find the member in each binding's placement, or it divides without it.
    await this.#awaitBindings(workloads, (b) => placementNames(b).includes(member), `to include ${member}`);
    await this.#rebalance(`${member}-place`, owner, workloads);
  }

  async serviceStatus(member: string, services: readonly ServiceSpec[]): Promise<ServiceOnMember[]> {
    return Promise.all(
      services.map((service) =>
        serviceOnMember(
          service,
          member,
          async (o) => {
            const binding = await this.#binding(o.namespace, bindingName(o.name, o.kind));
            if (!binding) return undefined;
            const status = binding.status.aggregatedStatus.find((a) => a.clusterName === member)?.status;
            return { desired: assignedTo(binding, member), status };
          },
          (o) => `ResourceBinding for ${o.kind} ${o.namespace}/${o.name}`,
        ),
      ),
    );
  }

  async unplace(
    member: string,
    owner: string,
    services: readonly ServiceSpec[],
  ): Promise<{ done: boolean; why: string }> {
    for (const service of services) await this.#setMember(owner, service, member, false);
    const { home } = await this.#clusters(owner);
    if (home.length === 0)
      return {
        done: false,
        why: `no home cluster matches homeClusters: the replicas on ${member} have nowhere to go`,
      };
    const workloads = services.flatMap((s) => s.workloads);
    const waiting: string[] = [];
    for (const w of workloads) {
      const binding = await this.#binding(w.namespace, bindingName(w.name, w.kind));
      if (!binding) continue; // never propagated: nothing on the member
      const what = `${w.kind} ${w.namespace}/${w.name}`;
      if (placementNames(binding).includes(member))
        waiting.push(`${what}: Karmada has not applied the policy yet`);
      else if (assignedTo(binding, member) > 0)
        waiting.push(`${what}: ${assignedTo(binding, member)} replicas still assigned to ${member}`);
      else {
        const short = homeShortfall(binding);
        if (short) waiting.push(`${what}: home clusters ${short}`);
      }
    }
    // Replicas left on the member are divided afresh over the home clusters, by weight.
    if (waiting.every((w) => !w.endsWith('not applied the policy yet')))
      await this.#rebalance(`${member}-unplace`, owner, workloads);
    if (waiting.length > 0)
      return {
        done: false,
        why: `waiting for the replicas to move home from ${member}: ${waiting.join('; ')}`,
      };
    for (const name of [`${member}-place`, `${member}-unplace`])
      await deleteOwned(DRIVER, this.#custom, { ...REBALANCER, name }, owner);
    for (const service of services) await this.#dropIfHomeOnly(owner, service);
    return {
      done: true,
      why: `replicas of ${services.map((s) => s.name).join(', ') || 'no service'} are ready at home`,
    };
  }

  /** Home cluster names (the configured selector, never a burst member) and our burst members. */
  #clusters(owner: string) {
    return placementClusters(DRIVER, this.#custom, CLUSTER, this.#options.homeClusters, owner);
  }

  /** Adds or removes `member` in the policies of `service` (ours only; others' are refused). */
  async #setMember(owner: string, service: ServiceSpec, member: string, on: boolean): Promise<boolean> {
    const { home, burst } = await this.#clusters(owner);
    let changed = false;
    for (const namespace of namespacesOf(service)) {
      const ref = { ...POLICY, namespace, name: `${ownedServerPrefix(owner)}${service.name}` };
      await upsertOwned(DRIVER, this.#custom, ref, owner, (current) => {
        const had = current ? placementNames(current) : [];
        if (!current && !on) return undefined; // nothing placed, nothing to take off
        // Members that are still ours and placed stay; home follows the selector.
        const members = had.filter((n) => burst.has(n) && n !== member);
        if (on) members.push(member);
        const names = [...new Set([...home, ...members])].sort();
        // Karmada reads an empty clusterNames as "every cluster": never write one.
        if (names.length === 0) return undefined;
        if (current && names.join() === [...had].sort().join()) return undefined;
        changed = true;
        return policyBody({ ...ref, owner, service, names, options: this.#options });
      });
    }
    return changed;
  }

  /** Deletes a policy of ours that selects no burst member any more (the site's policy takes over again). */
  async #dropIfHomeOnly(owner: string, service: ServiceSpec): Promise<void> {
    const { burst } = await this.#clusters(owner);
    for (const namespace of namespacesOf(service)) {
      const ref = { ...POLICY, namespace, name: `${ownedServerPrefix(owner)}${service.name}` };
      const policy = await readCustom(DRIVER, this.#custom, ref);
      if (!policy || placementNames(policy).some((n) => burst.has(n))) continue;
      await deleteOwned(DRIVER, this.#custom, ref, owner, policy.metadata?.resourceVersion);
    }
  }

  async #rebalance(name: string, owner: string, workloads: readonly WorkloadRef[]): Promise<void> {
    const wanted = workloads.map((w) => ({
      apiVersion: 'apps/v1',
      kind: w.kind,
      namespace: w.namespace,
      name: w.name,
    }));
    await upsertOwned(DRIVER, this.#custom, { ...REBALANCER, name }, owner, (current) => {
      const spec = current?.spec as { workloads?: unknown[] } | undefined;
      if (current && JSON.stringify(spec?.workloads) === JSON.stringify(wanted)) return undefined;
      return {
        apiVersion: `${REBALANCER.group}/${REBALANCER.version}`,
        kind: 'WorkloadRebalancer',
        metadata: { name, labels: { [OWNER_LABEL]: owner } },
        spec: { workloads: wanted },
      };
    });
  }

  async #binding(namespace: string, name: string): Promise<Binding | undefined> {
    const object = await readCustom(DRIVER, this.#custom, { ...BINDING, namespace, name });
    return object && parseBinding(object);
  }

  /** Waits (bounded) until every workload's binding satisfies `ok`; retryable failure past the bound. */
  async #awaitBindings(
    workloads: readonly WorkloadRef[],
    ok: (b: Binding) => boolean,
    what: string,
  ): Promise<void> {
    const pending = async () => {
      for (const w of workloads) {
        const binding = await this.#binding(w.namespace, bindingName(w.name, w.kind));
        if (!binding || !ok(binding)) return `ResourceBinding ${w.namespace}/${bindingName(w.name, w.kind)}`;
      }
      return undefined;
    };
    let last: string | undefined;
    try {
      await retry(
        async () => {
          last = await pending();
          if (last) throw new DriverError(DRIVER, `${last} not updated ${what} yet`, { retryable: true });
        },
        { attempts: 1000, baseMs: 50, maxMs: 500, maxElapsedMs: this.#options.bindingWaitSeconds * 1000 },
      );
    } catch (error) {
      if (error instanceof DriverError && error.retryable) throw error;
      throw new DriverError(DRIVER, `${last ?? 'a ResourceBinding'} not updated ${what} in time`, {
        cause: error,
        retryable: true,
      });
    }
  }
}
