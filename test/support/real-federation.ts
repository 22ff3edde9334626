/**
 * A federation contract harness on real clusters (test/real/*.real.ts): the member is the
 * cluster of a kubeconfig, joined with its admin credentials under a fresh name per join;
 * leftovers are the member-side objects labelled with the burst id (RBAC, service accounts,
 * Secrets, namespaces), after the garbage collector had time; cleanup leaves every joined
 * name, newest first (joins of one member share its namespace, owned by the first).
 */

import { CoreV1Api, type KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { BURST_ID_LABEL } from '../../shared/domain/names.ts';
import type { FederationDriver } from '../../shared/drivers/federation/federation.ts';

import type { FederationHarness } from './contracts/federation.ts';
import { burstIdOf } from './kube-leftovers.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** What of burst `burstId` is still in the member, as `Kind namespace/name`. */
async function memberObjects(member: KubeConfig, burstId: string): Promise<string[]> {
  const core = member.makeApiClient(CoreV1Api);
  const rbac = member.makeApiClient(RbacAuthorizationV1Api);
  const labelSelector = `${BURST_ID_LABEL}=${burstId}`;
  const lists = await Promise.all([
    core.listNamespace({ labelSelector }).then((l) => ['Namespace', l.items] as const),
    core
      .listServiceAccountForAllNamespaces({ labelSelector })
      .then((l) => ['ServiceAccount', l.items] as const),
    core.listSecretForAllNamespaces({ labelSelector }).then((l) => ['Secret', l.items] as const),
    rbac.listClusterRole({ labelSelector }).then((l) => ['ClusterRole', l.items] as const),
    rbac.listClusterRoleBinding({ labelSelector }).then((l) => ['ClusterRoleBinding', l.items] as const),
  ]);
  return lists.flatMap(([kind, items]) =>
    items.map((o) => `${kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`),
  );
}

/** The harness for `federation` with the cluster of `member` as the member. */
export function realFederation(federation: FederationDriver, member: KubeConfig): FederationHarness {
  const joined: string[] = [];
  const recording: FederationDriver = {
    name: federation.name,
    join: async (m) => {
      if (!joined.includes(m.name)) joined.push(m.name);
      await federation.join(m);
    },
    status: (name) => federation.status(name),
    cordon: (name) => federation.cordon(name),
    uncordon: (name) => federation.uncordon(name),
    evict: (name) => federation.evict(name),
    place: (name, services) => federation.place(name, services),
    serviceStatus: (name, services) => federation.serviceStatus(name, services),
    unplace: (name, services) => federation.unplace(name, services),
    labels: (services) => federation.labels(services),
    leave: (name, options) => federation.leave(name, options),
    list: (owner) => federation.list(owner),
  };
  const server = member.getCurrentCluster()?.server;
  if (!server) throw new Error('the member kubeconfig has no current cluster');
  return {
    federation: recording,
    member: async () => ({ credentials: { endpoint: server, kubeconfig: member.exportConfig() } }),
    tick: () => sleep(2000),
    async leftovers(name) {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const left = await memberObjects(member, burstIdOf(name));
        if (left.length === 0 || Date.now() > deadline) return left;
        await sleep(2000);
      }
    },
    async cleanup() {
      for (const name of [...joined].reverse()) {
        const deadline = Date.now() + 120_000;
        while ((await federation.leave(name)) !== 'left') {
          if (Date.now() > deadline) throw new Error(`${name} did not leave within 120 s`);
          await sleep(2000);
        }
      }
      await federation.close?.();
    },
  };
}
