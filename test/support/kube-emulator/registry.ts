/**
 * The resource types an emulator serves: the built-in kinds the drivers touch, plus every
 * CustomResourceDefinition created on it. Discovery and routing both read from here.
 */
import { APPS_DEPLOYMENT_SCHEMAS, APPS_STATEFULSET_SCHEMAS } from './upstream-schemas/index.ts';

/** How `metadata.name` is validated for a resource (apimachinery's name validators). */
export type NameRule = 'subdomain' | 'label' | 'path-segment';

/** One served resource. */
export interface ResourceType {
  /** API group, '' for the core group. */
  readonly group: string;
  /** Served versions; the first is the preferred (and storage) version. */
  readonly versions: readonly string[];
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** Whether a `/status` subresource exists; then the main endpoint ignores `.status`. */
  readonly status: boolean;
  readonly shortNames: readonly string[];
  /** Built-ins answer deletes with a Status and strip kind/apiVersion from list items. */
  readonly builtin: boolean;
  readonly nameRule: NameRule;
  /**
   * The structural schema (`openAPIV3Schema`) of each served version of a custom resource;
   * writes are pruned by the schema of the version they came in at (see prune.ts).
   */
  readonly schemas?: Readonly<Record<string, Record<string, unknown>>>;
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function builtin(
  group: string,
  version: string,
  plural: string,
  kind: string,
  extra: Partial<ResourceType> = {},
): ResourceType {
  return {
    group,
    versions: [version],
    plural,
    singular: kind.toLowerCase(),
    kind,
    namespaced: true,
    status: false,
    shortNames: [],
    builtin: true,
    nameRule: 'subdomain',
    ...extra,
  };
}

const RBAC = 'rbac.authorization.k8s.io';

/** The built-in kinds every emulator serves. */
export const BUILTIN_TYPES: readonly ResourceType[] = [
  builtin('', 'v1', 'namespaces', 'Namespace', {
    namespaced: false,
    status: true,
    shortNames: ['ns'],
    nameRule: 'label',
  }),
  builtin('', 'v1', 'secrets', 'Secret'),
  builtin('', 'v1', 'serviceaccounts', 'ServiceAccount', { shortNames: ['sa'] }),
  builtin('', 'v1', 'configmaps', 'ConfigMap', { shortNames: ['cm'] }),
  builtin('', 'v1', 'services', 'Service', { status: true, shortNames: ['svc'], nameRule: 'label' }),
  // RBAC names are path segments: `karmada-controller-manager:karmada-x` is valid.
  builtin(RBAC, 'v1', 'clusterroles', 'ClusterRole', { namespaced: false, nameRule: 'path-segment' }),
  builtin(RBAC, 'v1', 'clusterrolebindings', 'ClusterRoleBinding', {
    namespaced: false,
    nameRule: 'path-segment',
  }),
  builtin(RBAC, 'v1', 'roles', 'Role', { nameRule: 'path-segment' }),
  builtin(RBAC, 'v1', 'rolebindings', 'RoleBinding', { nameRule: 'path-segment' }),
  builtin('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', {
    namespaced: false,
    status: true,
    shortNames: ['crd', 'crds'],
  }),
  builtin('coordination.k8s.io', 'v1', 'leases', 'Lease'),
  // Nodes and pods, for the Liqo emulation (virtual nodes, pods bound to them).
  builtin('', 'v1', 'nodes', 'Node', { namespaced: false, status: true, shortNames: ['no'] }),
  builtin('', 'v1', 'pods', 'Pod', { status: true, shortNames: ['po'] }),
  // Workloads the federation places on members (their status is the member controllers',
  // member-workloads.ts), pruned by the structural schema of the Kubernetes OpenAPI document.
  builtin('apps', 'v1', 'deployments', 'Deployment', {
    status: true,
    shortNames: ['deploy'],
    schemas: APPS_DEPLOYMENT_SCHEMAS,
  }),
  builtin('apps', 'v1', 'statefulsets', 'StatefulSet', {
    status: true,
    shortNames: ['sts'],
    schemas: APPS_STATEFULSET_SCHEMAS,
  }),
];

/** Mutable table of served resource types, keyed by group and plural. */
export class ResourceRegistry {
  readonly #types = new Map<string, ResourceType>();

  constructor(initial: readonly ResourceType[] = BUILTIN_TYPES) {
    for (const t of initial) this.register(t);
  }

  /** Adds or replaces a type (a CRD being created or updated). */
  register(type: ResourceType): void {
    this.#types.set(`${type.group}/${type.plural}`, type);
  }

  /** Removes a type (its CRD was deleted). */
  unregister(group: string, plural: string): void {
    this.#types.delete(`${group}/${plural}`);
  }

  /** The type served at group/version/plural, if any. */
  lookup(group: string, version: string, plural: string): ResourceType | undefined {
    const t = this.#types.get(`${group}/${plural}`);
    return t?.versions.includes(version) ? t : undefined;
  }

  /** The type with this apiVersion and kind, if any. */
  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    const [group, version] = splitApiVersion(apiVersion);
    return this.all().find((t) => t.group === group && t.kind === kind && t.versions.includes(version));
  }

  /** Every served type. */
  all(): ResourceType[] {
    return [...this.#types.values()];
  }

  /** Every group with its served versions, core group excluded. */
  groups(): { name: string; versions: string[] }[] {
    const byGroup = new Map<string, string[]>();
    for (const t of this.all()) {
      if (!t.group) continue;
      const versions = byGroup.get(t.group) ?? [];
      for (const v of t.versions) if (!versions.includes(v)) versions.push(v);
      byGroup.set(t.group, versions);
    }
    return [...byGroup.entries()].map(([name, versions]) => ({ name, versions }));
  }

  /** The APIResource entries discovery lists for one group/version. */
  apiResources(group: string, version: string): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const t of this.all()) {
      if (t.group !== group || !t.versions.includes(version)) continue;
      out.push({
        name: t.plural,
        singularName: t.singular,
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: VERBS,
        ...(t.shortNames.length > 0 ? { shortNames: t.shortNames } : {}),
      });
      if (t.status) {
        out.push({
          name: `${t.plural}/status`,
          singularName: '',
          namespaced: t.namespaced,
          kind: t.kind,
          verbs: ['get', 'patch', 'update'],
        });
      }
    }
    return out;
  }
}

/** `apps/v1` -> ['apps', 'v1']; `v1` -> ['', 'v1']. */
export function splitApiVersion(apiVersion: string): [string, string] {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? ['', apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
}

/** `group/version`, or `version` for the core group. */
export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}
