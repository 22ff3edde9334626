/**
 * Per-kind behaviour of the built-in resources that the generic storage does not know about:
 * defaulting on write (Namespace phase, Secret stringData, Service clusterIP, CRD conditions)
 * and the CRD naming rule.
 */
import { randomInt } from 'node:crypto';
import type { ResourceType } from './registry.ts';
import type { FieldError } from './status.ts';
import type { KubeObject } from './storage.ts';

type Json = Record<string, unknown>;

function asRecord(v: unknown): Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
}

/** Secret: `stringData` is write-only and folded into base64 `data`; `type` defaults to Opaque. */
function defaultSecret(object: KubeObject): void {
  const stringData = asRecord(object.stringData);
  if (Object.keys(stringData).length > 0) {
    const data = { ...asRecord(object.data) };
    for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v)).toString('base64');
    object.data = data;
  }
  delete object.stringData;
  object.type ??= 'Opaque';
}

/** Namespace: Active phase, the `kubernetes` finalizer and the metadata.name label. */
function defaultNamespace(object: KubeObject, old: KubeObject | undefined): void {
  object.spec = { finalizers: ['kubernetes'], ...asRecord(object.spec) };
  object.status = old?.status ?? { phase: 'Active' };
  object.metadata.labels = {
    ...object.metadata.labels,
    'kubernetes.io/metadata.name': object.metadata.name ?? '',
  };
}

/** Service: a ClusterIP from 10.96.0.0/16 when the spec asks for one and names none. */
function defaultService(object: KubeObject, old: KubeObject | undefined): void {
  const spec = { ...asRecord(object.spec) };
  spec.type ??= 'ClusterIP';
  if (spec.clusterIP === undefined) {
    spec.clusterIP = asRecord(old?.spec).clusterIP ?? `10.96.${randomInt(0, 256)}.${randomInt(1, 255)}`;
  }
  object.spec = spec;
}

/** CRD: established at once, accepted names equal to the requested ones. */
function defaultCrd(object: KubeObject): void {
  const spec = asRecord(object.spec);
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  object.status = {
    acceptedNames: spec.names ?? {},
    storedVersions: ((spec.versions as Json[] | undefined) ?? []).filter((v) => v.storage).map((v) => v.name),
    conditions: [
      {
        type: 'NamesAccepted',
        status: 'True',
        reason: 'NoConflicts',
        message: 'no conflicts found',
        lastTransitionTime: now,
      },
      {
        type: 'Established',
        status: 'True',
        reason: 'InitialNamesAccepted',
        message: 'the initial names have been accepted',
        lastTransitionTime: now,
      },
    ],
  };
}

/** Applies the kind's defaults to an object about to be written (create or update). */
export function applyDefaults(type: ResourceType, object: KubeObject, old: KubeObject | undefined): void {
  if (!type.builtin) return;
  switch (`${type.group}/${type.plural}`) {
    case '/secrets':
      defaultSecret(object);
      return;
    case '/namespaces':
      defaultNamespace(object, old);
      return;
    case '/services':
      defaultService(object, old);
      return;
    case 'apiextensions.k8s.io/customresourcedefinitions':
      defaultCrd(object);
      return;
  }
}

/** Kind-specific validation beyond metadata (today: the CRD's spec). */
export function validateKind(type: ResourceType, object: KubeObject): FieldError[] {
  if (type.group !== 'apiextensions.k8s.io' || type.plural !== 'customresourcedefinitions') return [];
  const spec = asRecord(object.spec);
  const names = asRecord(spec.names);
  const errors: FieldError[] = [];
  const expected = `${String(names.plural ?? '')}.${String(spec.group ?? '')}`;
  if (object.metadata.name !== expected) {
    errors.push({
      type: 'FieldValueInvalid',
      field: 'metadata.name',
      value: object.metadata.name,
      detail: 'must be spec.names.plural+"."+spec.group',
    });
  }
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
    errors.push({
      type: 'FieldValueInvalid',
      field: 'spec.scope',
      value: spec.scope,
      detail: 'must be either Namespaced or Cluster',
    });
  }
  if (typeof names.kind !== 'string' || names.kind === '') {
    errors.push({ type: 'FieldValueRequired', field: 'spec.names.kind', detail: '' });
  }
  const versions = (spec.versions as Json[] | undefined) ?? [];
  if (versions.length === 0)
    errors.push({
      type: 'FieldValueRequired',
      field: 'spec.versions',
      detail: 'must have exactly one version marked as storage version',
    });
  else if (versions.filter((v) => v.storage === true).length !== 1) {
    errors.push({
      type: 'FieldValueInvalid',
      field: 'spec.versions',
      value: 'versions',
      detail: 'must have exactly one version marked as storage version',
    });
  }
  return errors;
}

/** The resource type a CustomResourceDefinition object declares. */
export function typeFromCrd(crd: KubeObject): ResourceType {
  const spec = asRecord(crd.spec);
  const names = asRecord(spec.names);
  const versions = ((spec.versions as Json[] | undefined) ?? []).filter((v) => v.served !== false);
  // Storage version first, so stored objects carry it and discovery prefers it.
  versions.sort((a, b) => Number(b.storage === true) - Number(a.storage === true));
  const kind = String(names.kind ?? '');
  return {
    group: String(spec.group ?? ''),
    versions: versions.map((v) => String(v.name)),
    plural: String(names.plural ?? ''),
    singular: String(names.singular ?? kind.toLowerCase()),
    kind,
    namespaced: spec.scope === 'Namespaced',
    status: versions.some((v) => asRecord(v.subresources).status !== undefined),
    shortNames: Array.isArray(names.shortNames) ? names.shortNames.map(String) : [],
    builtin: false,
    nameRule: 'subdomain',
    schemas: Object.fromEntries(
      versions.flatMap((v) => {
        const schema = asRecord(asRecord(v.schema).openAPIV3Schema);
        return Object.keys(schema).length > 0 ? [[String(v.name), schema]] : [];
      }),
    ),
  };
}
