/**
 * Pruning of custom resources by their CRD's structural schema, as kube-apiserver does it on
 * every write (apiextensions-apiserver `pkg/apiserver/schema/pruning`; documented under
 * "Field pruning" in "Extend the Kubernetes API with CustomResourceDefinitions"): a field the
 * schema does not specify is dropped, silently, unless `x-kubernetes-preserve-unknown-fields:
 * true` is set on the node that holds it. `apiVersion`, `kind` and `metadata` at the root (and
 * in `x-kubernetes-embedded-resource` nodes) are never pruned by the CRD schema.
 */

type Schema = Record<string, unknown>;
type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const TYPE_META = ['apiVersion', 'kind', 'metadata'];

/**
 * Drops from `object` (in place) every field its schema does not specify, and returns the
 * paths dropped (`.spec.foo`), for tests and for a driver author's diagnosis.
 */
export function pruneObject(object: Obj, schema: Schema): string[] {
  const dropped: string[] = [];
  pruneFields(object, schema, '', dropped, true);
  return dropped;
}

function pruneValue(value: unknown, schema: Schema, path: string, dropped: string[]): void {
  if (Array.isArray(value)) {
    const items = schema.items;
    if (isObject(items)) {
      for (const [i, v] of value.entries()) pruneValue(v, items, `${path}[${i}]`, dropped);
    }
    return;
  }
  if (isObject(value)) {
    pruneFields(value, schema, path, dropped, schema['x-kubernetes-embedded-resource'] === true);
  }
}

function pruneFields(
  object: Obj,
  schema: Schema,
  path: string,
  dropped: string[],
  keepTypeMeta: boolean,
): void {
  const properties = isObject(schema.properties) ? schema.properties : {};
  const additional = schema.additionalProperties;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  for (const key of Object.keys(object)) {
    if (keepTypeMeta && TYPE_META.includes(key)) continue;
    const sub = properties[key];
    if (isObject(sub)) {
      pruneValue(object[key], sub, `${path}.${key}`, dropped);
    } else if (isObject(additional)) {
      pruneValue(object[key], additional, `${path}.${key}`, dropped);
    } else if (additional === true || preserve) {
      // kept as is: an unknown field under preserve-unknown-fields is not looked into
    } else {
      delete object[key];
      dropped.push(`${path}.${key}`);
    }
  }
}
