/**
 * apps/v1 Deployment and StatefulSet on an emulator that does not serve them built in: served
 * like custom resources (status subresource) with the structural schema of the Kubernetes
 * OpenAPI document, so what a driver or controller writes is pruned as kube-apiserver would.
 */
import type { CrdDefinition, KubeEmulator } from './kube-emulator/index.ts';
import { APPS_DEPLOYMENT_SCHEMAS, APPS_STATEFULSET_SCHEMAS } from './kube-emulator/upstream-schemas/index.ts';

const KINDS: readonly CrdDefinition[] = [
  {
    group: 'apps',
    kind: 'Deployment',
    plural: 'deployments',
    versions: ['v1'],
    schemas: APPS_DEPLOYMENT_SCHEMAS,
  },
  {
    group: 'apps',
    kind: 'StatefulSet',
    plural: 'statefulsets',
    versions: ['v1'],
    schemas: APPS_STATEFULSET_SCHEMAS,
  },
];

/** Serves the workload kinds on `emulator` unless it already does. */
export function serveWorkloadKinds(emulator: KubeEmulator): void {
  for (const kind of KINDS) {
    try {
      emulator.objects({ apiVersion: 'apps/v1', kind: kind.kind });
      emulator.get({ apiVersion: 'apps/v1', kind: kind.kind, namespace: 'default', name: 'probe' });
    } catch {
      emulator.installCrd(kind);
    }
  }
}
