/**
 * Structural validation of a Kubernetes object against the API server's published OpenAPI v3
 * schema (/work/shared/upstream/crds/kubernetes/*_openapi.json, as served at /openapi/v3):
 * types, required fields, and no unknown fields (what `kubectl apply --validate=strict` reports).
 * Formats other than int-or-string and value ranges are the server's business and not checked.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Schema {
  readonly $ref?: string;
  readonly allOf?: readonly Schema[];
  readonly oneOf?: readonly Schema[];
  readonly type?: string;
  readonly format?: string;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly additionalProperties?: Schema | boolean;
  readonly items?: Schema;
  readonly required?: readonly string[];
  readonly enum?: readonly unknown[];
  readonly 'x-kubernetes-group-version-kind'?: readonly { group: string; version: string; kind: string }[];
}

type Schemas = Readonly<Record<string, Schema>>;

const UPSTREAM = '/work/shared/upstream/crds/kubernetes';

/** Every component schema of every group's OpenAPI document, by name. */
export function loadKubernetesSchemas(dir = UPSTREAM): Schemas {
  const all: Record<string, Schema> = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith('_openapi.json'))) {
    const doc = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { components: { schemas: Schemas } };
    Object.assign(all, doc.components.schemas);
  }
  return all;
}

/** The schema name of `apiVersion`/`kind`, or undefined when no loaded document has it. */
export function schemaFor(schemas: Schemas, apiVersion: string, kind: string): string | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return Object.keys(schemas).find((name) =>
    schemas[name]?.['x-kubernetes-group-version-kind']?.some(
      (g) => g.group === group && g.version === version && g.kind === kind,
    ),
  );
}

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function check(schemas: Schemas, schema: Schema, value: unknown, path: string): string[] {
  if (schema.$ref) {
    const target = schemas[schema.$ref.replace('#/components/schemas/', '')];
    if (!target) return [`${path}: schema ${schema.$ref} not found`];
    return check(schemas, target, value, path);
  }
  const problems = (schema.allOf ?? []).flatMap((s) => check(schemas, s, value, path));
  if (schema.format === 'int-or-string') {
    return typeof value === 'string' || Number.isInteger(value)
      ? problems
      : [`${path}: must be an integer or a string`];
  }
  if (schema.oneOf?.length) {
    const fits = schema.oneOf.some((s) => check(schemas, s, value, path).length === 0);
    if (!fits) problems.push(`${path}: matches none of the allowed forms`);
  }
  if (schema.type) {
    const actual = typeOf(value);
    const ok = actual === schema.type || (schema.type === 'number' && actual === 'integer');
    if (!ok) return [...problems, `${path}: must be ${schema.type}, is ${actual}`];
  }
  if (schema.enum && !schema.enum.includes(value))
    problems.push(`${path}: must be one of ${schema.enum.join(', ')}`);
  if (typeOf(value) === 'object' && (schema.properties || schema.additionalProperties)) {
    const object = value as Record<string, unknown>;
    for (const field of schema.required ?? [])
      if (!(field in object)) problems.push(`${path}.${field}: Required value`);
    for (const [key, v] of Object.entries(object)) {
      const sub =
        schema.properties?.[key] ??
        (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      if (sub) problems.push(...check(schemas, sub, v, `${path}.${key}`));
      else if (schema.additionalProperties !== true) problems.push(`${path}.${key}: unknown field`);
    }
  }
  if (Array.isArray(value) && schema.items) {
    const items = schema.items;
    for (const [i, v] of value.entries()) problems.push(...check(schemas, items, v, `${path}[${i}]`));
  }
  return problems;
}

/** Problems of `object` against the schema of its apiVersion/kind, as `path: problem` lines. */
export function openApiProblems(schemas: Schemas, object: Record<string, unknown>): string[] {
  const name = schemaFor(schemas, String(object.apiVersion), String(object.kind));
  if (!name) return [`no OpenAPI schema for ${object.apiVersion} ${object.kind}`];
  return check(schemas, { $ref: `#/components/schemas/${name}` }, object, String(object.kind));
}
