/**
 * Structural schemas of the upstream kinds our drivers write, extracted from the upstream files
 * by extract.ts (each JSON names its source repository, commit and path). CRDs declared with
 * them make the emulator prune exactly what the real API server would.
 */
import { readFileSync } from 'node:fs';

type Versions = Readonly<Record<string, Record<string, unknown>>>;

function load(name: string): Versions {
  const file = JSON.parse(readFileSync(new URL(name, import.meta.url), 'utf8')) as { versions: Versions };
  return file.versions;
}

/** Cluster API `Cluster` (cluster.x-k8s.io v1beta1 and v1beta2). */
export const CAPI_CLUSTER_SCHEMAS: Versions = load('./capi-cluster.json');
/** KubeFed `KubeFedCluster` (core.kubefed.io v1beta1). */
export const KUBEFED_CLUSTER_SCHEMAS: Versions = load('./kubefed-cluster.json');
/** Karmada `Cluster` (cluster.karmada.io v1alpha1, served by karmada-aggregated-apiserver). */
export const KARMADA_CLUSTER_SCHEMAS: Versions = load('./karmada-cluster.json');
/** Karmada `PropagationPolicy` (policy.karmada.io v1alpha1). */
export const KARMADA_PROPAGATION_POLICY_SCHEMAS: Versions = load('./karmada-propagationpolicy.json');
/** Karmada `ResourceBinding` (work.karmada.io v1alpha1, v1alpha2). */
export const KARMADA_RESOURCE_BINDING_SCHEMAS: Versions = load('./karmada-resourcebinding.json');
/** Karmada `WorkloadRebalancer` (apps.karmada.io v1alpha1). */
export const KARMADA_WORKLOAD_REBALANCER_SCHEMAS: Versions = load('./karmada-workloadrebalancer.json');
/** KubeFed `ReplicaSchedulingPreference` (scheduling.kubefed.io v1alpha1). */
export const KUBEFED_RSP_SCHEMAS: Versions = load('./kubefed-rsp.json');
/** KubeFed `FederatedDeployment` (types.kubefed.io v1beta1). */
export const KUBEFED_FEDERATED_DEPLOYMENT_SCHEMAS: Versions = load('./kubefed-federateddeployment.json');
/** KubeFed `FederatedService` (types.kubefed.io v1beta1). */
export const KUBEFED_FEDERATED_SERVICE_SCHEMAS: Versions = load('./kubefed-federatedservice.json');
/** apps/v1 `Deployment`, from the Kubernetes OpenAPI document. */
export const APPS_DEPLOYMENT_SCHEMAS: Versions = load('./apps-deployment.json');
/** apps/v1 `StatefulSet`, from the Kubernetes OpenAPI document. */
export const APPS_STATEFULSET_SCHEMAS: Versions = load('./apps-statefulset.json');
