/**
 * A compact way for tests to declare a CustomResourceDefinition (the Karmada Cluster, the
 * KubeFedCluster, Cluster API's Cluster, Gateway API routes) and get its manifest.
 */
import type { KubeObject } from './storage.ts';

/** The facts of a CRD that the emulator honours. */
export interface CrdDefinition {
  readonly group: string;
  readonly kind: string;
  readonly plural: string;
  /** @default kind in lower case */
  readonly singular?: string;
  /** Served versions; the first is the storage version. @default ['v1alpha1'] */
  readonly versions?: readonly string[];
  /** @default 'Namespaced' */
  readonly scope?: 'Namespaced' | 'Cluster';
  /** Whether the status subresource is enabled. @default true */
  readonly status?: boolean;
  readonly shortNames?: readonly string[];
  /**
   * The structural schema of each version, which the emulator prunes writes by (see prune.ts);
   * a version without one keeps every field (`x-kubernetes-preserve-unknown-fields` at the root).
   */
  readonly schemas?: Readonly<Record<string, Record<string, unknown>>>;
}

/** Keeps every field: for test CRDs that do not model an upstream schema. */
const PRESERVE_ALL = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

/** The apiextensions.k8s.io/v1 CustomResourceDefinition for `d`. */
export function crdManifest(d: CrdDefinition): KubeObject {
  const versions = d.versions ?? ['v1alpha1'];
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${d.plural}.${d.group}` },
    spec: {
      group: d.group,
      scope: d.scope ?? 'Namespaced',
      names: {
        kind: d.kind,
        listKind: `${d.kind}List`,
        plural: d.plural,
        singular: d.singular ?? d.kind.toLowerCase(),
        ...(d.shortNames ? { shortNames: [...d.shortNames] } : {}),
      },
      versions: versions.map((name, i) => ({
        name,
        served: true,
        storage: i === 0,
        schema: { openAPIV3Schema: d.schemas?.[name] ?? PRESERVE_ALL },
        ...((d.status ?? true) ? { subresources: { status: {} } } : {}),
      })),
    },
  };
}
