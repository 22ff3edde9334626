/**
 * Label and field selectors for list, watch and deletecollection, with the same grammar and
 * meaning as k8s.io/apimachinery pkg/labels and pkg/fields (set operators, `!key`, and
 * "absent matches != and notin").
 */

import { badRequest } from './status.ts';
import type { KubeObject } from './storage.ts';

/** One parsed requirement of a label selector. */
type Requirement =
  | { readonly op: 'exists' | 'notexists'; readonly key: string }
  | { readonly op: 'in' | 'notin'; readonly key: string; readonly values: readonly string[] }
  | { readonly op: 'gt' | 'lt'; readonly key: string; readonly value: number };

/** A predicate over an object's labels or fields. */
export type Selector = (object: KubeObject) => boolean;

/** Splits on commas that are not inside parentheses (`a in (x,y),b` is two requirements). */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

const KEY = '[A-Za-z0-9](?:[-A-Za-z0-9_./]*[A-Za-z0-9])?';
const NOT_EXISTS = new RegExp(`^!\\s*(${KEY})$`);
const SET = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(([^()]*)\\)$`);
const BINARY = new RegExp(`^(${KEY})\\s*(==|=|!=|>|<)\\s*([^\\s,]*)$`);
const EXISTS = new RegExp(`^(${KEY})$`);

function parseRequirement(text: string): Requirement {
  let m = NOT_EXISTS.exec(text);
  if (m) return { op: 'notexists', key: m[1]! };
  m = SET.exec(text);
  if (m) {
    const values = m[3]!
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v.length > 0);
    return { op: m[2] === 'in' ? 'in' : 'notin', key: m[1]!, values };
  }
  m = BINARY.exec(text);
  if (m) {
    const [, key, op, value] = m as unknown as [string, string, string, string];
    if (op === '>' || op === '<') {
      const n = Number(value);
      if (!Number.isInteger(n))
        throw badRequest(
          `unable to parse requirement: for 'gt', 'lt' operators, the value must be an integer`,
        );
      return { op: op === '>' ? 'gt' : 'lt', key, value: n };
    }
    return { op: op === '!=' ? 'notin' : 'in', key, values: [value] };
  }
  m = EXISTS.exec(text);
  if (m) return { op: 'exists', key: m[1]! };
  throw badRequest(
    `unable to parse requirement: found '${text}', expected: valid label selector requirement`,
  );
}

function matches(req: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, req.key);
  const value = labels[req.key];
  switch (req.op) {
    case 'exists':
      return has;
    case 'notexists':
      return !has;
    case 'in':
      return has && req.values.includes(value!);
    case 'notin':
      return !has || !req.values.includes(value!);
    case 'gt':
    case 'lt': {
      const n = Number(value);
      if (!has || !Number.isInteger(n)) return false;
      return req.op === 'gt' ? n > req.value : n < req.value;
    }
  }
}

/** Parses a `labelSelector` query value; an empty selector matches everything. */
export function parseLabelSelector(text: string | null | undefined): Selector {
  const requirements = splitTopLevel(text ?? '').map(parseRequirement);
  return (object) => {
    const labels = object.metadata.labels ?? {};
    return requirements.every((r) => matches(r, labels));
  };
}

/** Field paths each resource supports in `fieldSelector` (the generic ones plus a few specific). */
function fieldValue(object: KubeObject, field: string, plural: string): string | undefined {
  switch (field) {
    case 'metadata.name':
      return object.metadata.name ?? '';
    case 'metadata.namespace':
      return object.metadata.namespace ?? '';
    case 'type':
      return plural === 'secrets' ? String(object.type ?? '') : undefined;
    default:
      return undefined;
  }
}

/** Parses a `fieldSelector` query value (`=`, `==`, `!=` on metadata.name/namespace, secret type). */
export function parseFieldSelector(text: string | null | undefined, plural: string): Selector {
  const terms = splitTopLevel(text ?? '').map((term) => {
    const m = /^([A-Za-z0-9.]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid selector: '${term}'; can't understand '${term}'`);
    const [, field, op, value] = m as unknown as [string, string, string, string];
    return { field, negate: op === '!=', value };
  });
  return (object) =>
    terms.every((t) => {
      const actual = fieldValue(object, t.field, plural);
      if (actual === undefined) throw badRequest(`field label not supported: ${t.field}`);
      return t.negate ? actual !== t.value : actual === t.value;
    });
}

/** Throws BadRequest now (not lazily on the first object) when a field is unsupported. */
export function checkFieldSelector(text: string | null | undefined, plural: string): void {
  const probe: KubeObject = {
    apiVersion: 'v1',
    kind: 'Probe',
    metadata: { name: '', namespace: '' },
    type: '',
  };
  parseFieldSelector(text, plural)(probe);
}
