/**
 * The patch formats the emulator accepts. Strategic merge patch is applied as a JSON merge
 * patch: lists are replaced whole instead of merged by key. That difference only matters for
 * built-in list fields with patch strategies (containers, ports, ...), which the drivers do not
 * patch; use a JSON patch or a PUT when a list must be edited item by item.
 */

import type { GroupKind } from './status.ts';
import { badRequest, invalid, unsupportedMediaType } from './status.ts';

/** JSON values as the wire carries them. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 7386 JSON merge patch: objects merge recursively, `null` deletes, everything else replaces. */
export function applyMergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const result: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

interface Operation {
  readonly op: string;
  readonly path: string;
  readonly from?: string;
  readonly value?: Json;
}

/** `/a/b~1c` -> ['a', 'b/c'] (RFC 6901). */
function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw badRequest(`invalid JSON pointer: ${path}`);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function parentOf(doc: Json, segments: string[], path: string): { parent: Json; key: string } {
  let node: Json = doc;
  for (const seg of segments.slice(0, -1)) {
    const next: Json | undefined = Array.isArray(node)
      ? node[Number(seg)]
      : isObject(node)
        ? node[seg]
        : undefined;
    if (next === undefined) throw new PatchFailure(`doc is missing path: "${path}"`);
    node = next;
  }
  return { parent: node, key: segments.at(-1) ?? '' };
}

function read(doc: Json, path: string): Json {
  const segments = pointer(path);
  if (segments.length === 0) return doc;
  const { parent, key } = parentOf(doc, segments, path);
  const v = Array.isArray(parent) ? parent[Number(key)] : isObject(parent) ? parent[key] : undefined;
  if (v === undefined) throw new PatchFailure(`doc is missing path: "${path}"`);
  return v;
}

function remove(doc: Json, path: string): void {
  const { parent, key } = parentOf(doc, pointer(path), path);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!Number.isInteger(i) || i < 0 || i >= parent.length)
      throw new PatchFailure(`Unable to remove nonexistent key: ${key}: missing value`);
    parent.splice(i, 1);
  } else if (isObject(parent) && Object.hasOwn(parent, key)) {
    delete parent[key];
  } else {
    throw new PatchFailure(`Unable to remove nonexistent key: ${key}: missing value`);
  }
}

function add(doc: Json, path: string, value: Json, replace: boolean): Json {
  const segments = pointer(path);
  if (segments.length === 0) return structuredClone(value);
  const { parent, key } = parentOf(doc, segments, path);
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(i) || i < 0 || i > parent.length || (replace && i >= parent.length)) {
      throw new PatchFailure(`index out of range: ${key}`);
    }
    parent.splice(i, replace ? 1 : 0, structuredClone(value));
  } else if (isObject(parent)) {
    if (replace && !Object.hasOwn(parent, key))
      throw new PatchFailure(`replace operation does not apply: doc is missing key: ${path}`);
    parent[key] = structuredClone(value);
  } else {
    throw new PatchFailure(`doc is missing path: "${path}"`);
  }
  return doc;
}

/** A JSON patch that cannot be applied to the current object. */
class PatchFailure extends Error {}

/** RFC 6902 JSON patch (add, remove, replace, move, copy, test) applied to a copy of `target`. */
export function applyJsonPatch(target: Json, ops: Json, gk: GroupKind, name: string): Json {
  if (!Array.isArray(ops))
    throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = structuredClone(target);
  try {
    for (const raw of ops) {
      if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
        throw badRequest('the server rejected our request due to an error in our request');
      }
      const op = raw as unknown as Operation;
      switch (op.op) {
        case 'add':
          doc = add(doc, op.path, op.value ?? null, false);
          break;
        case 'replace':
          doc = add(doc, op.path, op.value ?? null, true);
          break;
        case 'remove':
          remove(doc, op.path);
          break;
        case 'move': {
          const v = read(doc, op.from ?? '');
          remove(doc, op.from ?? '');
          doc = add(doc, op.path, v, false);
          break;
        }
        case 'copy':
          doc = add(doc, op.path, read(doc, op.from ?? ''), false);
          break;
        case 'test':
          if (JSON.stringify(read(doc, op.path)) !== JSON.stringify(op.value ?? null)) {
            throw new PatchFailure(`testing value ${op.path} failed: test failed`);
          }
          break;
        default:
          throw badRequest(`Unexpected kind: ${op.op}`);
      }
    }
  } catch (e) {
    if (!(e instanceof PatchFailure)) throw e;
    throw invalid(gk, name, [
      { type: 'FieldValueInvalid', field: '', value: 'json patch', detail: e.message },
    ]);
  }
  return doc;
}

/** The patch types the emulator knows, by Content-Type. */
export type PatchType = 'merge' | 'json' | 'strategic';

/** Maps a PATCH request's Content-Type to a patch type, or 415 for anything else (incl. apply). */
export function patchTypeOf(contentType: string | undefined): PatchType {
  const base = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (base === 'application/merge-patch+json') return 'merge';
  if (base === 'application/json-patch+json') return 'json';
  if (base === 'application/strategic-merge-patch+json') return 'strategic';
  throw unsupportedMediaType(base);
}
