/**
 * Liqo's CRDs (v1.2.0, byte for byte in liqo-crds/, SOURCES.tsv names each upstream path) for
 * the Kubernetes emulator, and the check of what a client writes against them: OpenAPI
 * validation as kube-apiserver does it for a CRD (type, required, enum, pattern, `format: byte`,
 * int-or-string; CEL rules and defaulting are not evaluated) and the fields pruning would drop.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { KubeEmulator, KubeObject } from './kube-emulator/index.ts';
import { pruneObject } from './kube-emulator/prune.ts';

type Schema = Record<string, unknown>;

const DIR = new URL('./liqo-crds/', import.meta.url);

/** The Liqo CustomResourceDefinitions, as the chart ships them. */
export const LIQO_CRDS: readonly KubeObject[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => parseAllDocuments(readFileSync(new URL(f, DIR), 'utf8')).map((d) => d.toJS() as KubeObject))
  .filter((o) => o?.kind === 'CustomResourceDefinition');

/** The object without its `description` fields (they neither validate nor prune anything). */
function withoutDescriptions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDescriptions);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => k !== 'description')
      .map(([k, v]) => [k, withoutDescriptions(v)]),
  );
}

/**
 * Installs every Liqo CRD on an emulator (the emulator then prunes by their schemas). Their
 * descriptions are left out: the emulator clones every stored object on each listing, and the
 * VirtualNode CRD's descriptions alone are 250 KB.
 */
export function installLiqoCrds(emulator: KubeEmulator): void {
  for (const crd of LIQO_CRDS) emulator.create(withoutDescriptions(crd) as KubeObject);
}

function schemaOf(apiVersion: string, kind: string): Schema | undefined {
  const [group, version] = apiVersion.split('/');
  for (const crd of LIQO_CRDS) {
    const spec = crd.spec as {
      group: string;
      names: { kind: string };
      versions: { name: string; schema: { openAPIV3Schema: Schema } }[];
    };
    if (spec.group !== group || spec.names.kind !== kind) continue;
    return spec.versions.find((v) => v.name === version)?.schema.openAPIV3Schema;
  }
  return undefined;
}

function typeOf(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function check(schema: Schema, value: unknown, path: string, partial: boolean): string[] {
  const problems: string[] = [];
  if (schema['x-kubernetes-int-or-string'] === true) {
    if (typeof value !== 'string' && !Number.isInteger(value))
      return [`${path}: must be an integer or a string`];
  } else if (typeof schema.type === 'string') {
    const actual = typeOf(value);
    if (actual !== schema.type && !(schema.type === 'number' && actual === 'integer'))
      return [`${path}: must be ${schema.type}, is ${actual}`];
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    problems.push(`${path}: must be one of ${schema.enum.join(', ')}`);
  if (
    typeof schema.pattern === 'string' &&
    typeof value === 'string' &&
    !new RegExp(schema.pattern).test(value)
  )
    problems.push(`${path}: does not match ${schema.pattern}`);
  if (schema.format === 'byte' && typeof value === 'string' && !/^[A-Za-z0-9+/]*={0,2}$/.test(value))
    problems.push(`${path}: must be base64`);
  if (typeOf(value) === 'object') {
    const object = value as Record<string, unknown>;
    if (!partial)
      for (const f of (schema.required as string[] | undefined) ?? [])
        if (!(f in object)) problems.push(`${path}.${f}: Required value`);
    const props = schema.properties as Record<string, Schema> | undefined;
    const extra = schema.additionalProperties as Schema | undefined;
    for (const [k, v] of Object.entries(object)) {
      const sub = props?.[k] ?? (typeof extra === 'object' ? extra : undefined);
      if (sub && !(path === '' && k === 'metadata')) problems.push(...check(sub, v, `${path}.${k}`, partial));
    }
  }
  if (Array.isArray(value) && typeof schema.items === 'object')
    for (const [i, v] of value.entries())
      problems.push(...check(schema.items as Schema, v, `${path}[${i}]`, partial));
  return problems;
}

/**
 * What kube-apiserver would reject (`partial` for a merge patch: no required fields) or
 * silently drop in a Liqo object a client sends; empty when it passes whole. Objects of other
 * groups give [].
 */
export function liqoWriteProblems(object: Record<string, unknown>, partial = false): string[] {
  const apiVersion = String(object.apiVersion ?? '');
  const kind = String(object.kind ?? '');
  const schema = schemaOf(apiVersion, kind);
  if (!schema) return [];
  const pruned = pruneObject(structuredClone(object), schema).map((p) => `${p}: would be pruned`);
  return [...check(schema, object, '', partial), ...pruned].map((p) => `${kind} ${p}`);
}

/** Whether an apiVersion belongs to Liqo. */
export const isLiqoGroup = (apiVersion: string): boolean => /^[a-z]+\.liqo\.io\//.test(apiVersion);
