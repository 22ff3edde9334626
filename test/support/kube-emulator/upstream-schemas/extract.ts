/**
 * Extracts the structural skeleton (what pruning reads: `type`, `properties`, `items`,
 * `additionalProperties` and the `x-kubernetes-*` markers; no descriptions, no validation) of the
 * upstream schemas of the kinds our drivers write, from the team's copy of the upstream files
 * (their SOURCES.tsv names repository, commit and path of each). The output is checked in next to
 * this file; regenerate when the upstream copies move:
 *   npx tsx test/support/kube-emulator/upstream-schemas/extract.ts /work/shared/upstream
 *   npx biome format --write test/support/kube-emulator/upstream-schemas/
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

type Schema = Record<string, unknown>;
const KEEP_FLAGS = [
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-int-or-string',
];

function skeleton(node: Schema, resolve: (ref: string) => Schema = () => ({}), depth = 0): Schema {
  if (depth > 40) return {};
  if (typeof node.$ref === 'string') return skeleton(resolve(node.$ref), resolve, depth + 1);
  // swagger 2 wraps a $ref in allOf to add a description
  if (Array.isArray(node.allOf) && node.allOf.length === 1 && !node.properties) {
    return skeleton(node.allOf[0] as Schema, resolve, depth + 1);
  }
  const out: Schema = {};
  if (typeof node.type === 'string') out.type = node.type;
  for (const flag of KEEP_FLAGS) if (node[flag] === true) out[flag] = true;
  if (node.properties && typeof node.properties === 'object') {
    out.properties = Object.fromEntries(
      Object.entries(node.properties as Record<string, Schema>).map(([k, v]) => [
        k,
        skeleton(v, resolve, depth + 1),
      ]),
    );
  }
  if (node.items && typeof node.items === 'object')
    out.items = skeleton(node.items as Schema, resolve, depth + 1);
  if (node.additionalProperties && typeof node.additionalProperties === 'object') {
    out.additionalProperties = skeleton(node.additionalProperties as Schema, resolve, depth + 1);
  }
  return out;
}

interface Crd {
  readonly kind?: string;
  readonly spec: {
    readonly names: { readonly kind: string };
    readonly versions: { readonly name: string; readonly schema: { readonly openAPIV3Schema: Schema } }[];
  };
}

function crdVersions(file: string, kind: string): Record<string, Schema> {
  const crd = parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJSON() as Crd | null)
    .find((d) => d?.kind === 'CustomResourceDefinition' && d.spec.names.kind === kind);
  if (!crd) throw new Error(`${kind} not in ${file}`);
  return Object.fromEntries(crd.spec.versions.map((v) => [v.name, skeleton(v.schema.openAPIV3Schema)]));
}

function source(root: string, path: string): string {
  const line = readFileSync(join(root, 'SOURCES.tsv'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${path}\t`));
  return line?.split('\t')[3] ?? path;
}

const root = process.argv[2] ?? '/work/shared/upstream';
const here = new URL('.', import.meta.url);
const write = (name: string, path: string, versions: Record<string, Schema>) =>
  writeFileSync(
    new URL(name, here),
    `${JSON.stringify({ source: source(root, path), versions }, null, 2)}\n`,
  );

const capi = 'crds/cluster-api/cluster.x-k8s.io_clusters.yaml';
write('capi-cluster.json', capi, crdVersions(join(root, capi), 'Cluster'));
const kubefed = 'crds/kubefed/controllermanager-crds.yaml';
write('kubefed-cluster.json', kubefed, crdVersions(join(root, kubefed), 'KubeFedCluster'));
const karmada = 'crds/karmada/swagger.json';
const swagger = JSON.parse(readFileSync(join(root, karmada), 'utf8')) as {
  definitions: Record<string, Schema>;
};
const resolve = (ref: string) => swagger.definitions[ref.replace('#/definitions/', '')] ?? {};
const cluster = Object.keys(swagger.definitions).find((k) => k.endsWith('.cluster.v1alpha1.Cluster'))!;
write('karmada-cluster.json', karmada, { v1alpha1: skeleton(swagger.definitions[cluster]!, resolve) });

// Placement objects of issue 11 (services on burst members): the Karmada policy, binding and
// rebalancer, KubeFed's federated types and replica scheduling preference, and the workload
// kinds the emulators serve as apps/v1 (from the Kubernetes OpenAPI document).
const crd = (name: string, path: string, kind: string) =>
  write(name, path, crdVersions(join(root, path), kind));
crd(
  'karmada-propagationpolicy.json',
  'crds/karmada/policy.karmada.io_propagationpolicies.yaml',
  'PropagationPolicy',
);
crd('karmada-resourcebinding.json', 'crds/karmada/work.karmada.io_resourcebindings.yaml', 'ResourceBinding');
crd(
  'karmada-workloadrebalancer.json',
  'crds/karmada/apps.karmada.io_workloadrebalancers.yaml',
  'WorkloadRebalancer',
);
crd('kubefed-rsp.json', kubefed, 'ReplicaSchedulingPreference');
const federated = 'crds/kubefed/federated-types-crds.yaml';
crd('kubefed-federateddeployment.json', federated, 'FederatedDeployment');
crd('kubefed-federatedservice.json', federated, 'FederatedService');
const apps = 'crds/kubernetes/apis__apps__v1_openapi.json';
const openapi = JSON.parse(readFileSync(join(root, apps), 'utf8')) as {
  components: { schemas: Record<string, Schema> };
};
const component = (ref: string) => openapi.components.schemas[ref.replace('#/components/schemas/', '')] ?? {};
for (const kind of ['Deployment', 'StatefulSet']) {
  write(`apps-${kind.toLowerCase()}.json`, apps, {
    v1: skeleton(component(`#/components/schemas/io.k8s.api.apps.v1.${kind}`), component),
  });
}
