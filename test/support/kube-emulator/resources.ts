/**
 * The REST verbs on resource paths: `/api/v1[/namespaces/<ns>]/<plural>[/<name>[/status]]` and
 * the same under `/apis/<group>/<version>`. Maps each request to one storage call and shapes the
 * answer the way kube-apiserver does (201 on create, Status on built-in deletes, lists with
 * `<Kind>List` and the collection's resourceVersion).
 */
import type { Json } from './patch.ts';
import { patchTypeOf } from './patch.ts';
import type { ResourceType } from './registry.ts';
import { apiVersionOf } from './registry.ts';
import { checkFieldSelector, parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { badRequest, deleteSuccess, methodNotAllowed, pathNotFound } from './status.ts';
import type { KubeObject, ObjectStore } from './storage.ts';

/** A parsed resource path. */
export interface ResourceTarget {
  readonly type: ResourceType;
  readonly version: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: 'status';
}

/** An answer: status code and JSON body. */
export interface Reply {
  readonly code: number;
  readonly body: unknown;
}

/** Resolves the segments after `/api/v1` or `/apis/<g>/<v>` to a target, or 404. */
export function resolveTarget(
  store: ObjectStore,
  group: string,
  version: string,
  rest: readonly string[],
): ResourceTarget {
  let namespace: string | undefined;
  let segs = rest;
  const nsType =
    segs[0] === 'namespaces' && segs.length >= 3
      ? store.registry.lookup(group, version, segs[2]!)
      : undefined;
  if (nsType?.namespaced) {
    namespace = segs[1];
    segs = segs.slice(2);
  }
  const [plural, name, sub, ...extra] = segs;
  const type = plural ? store.registry.lookup(group, version, plural) : undefined;
  if (!type || extra.length > 0) throw pathNotFound();
  if (sub !== undefined && !(sub === 'status' && type.status)) throw pathNotFound();
  if (namespace !== undefined && !type.namespaced) throw pathNotFound();
  if (type.namespaced && name !== undefined && namespace === undefined) throw pathNotFound();
  return {
    type,
    version,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(sub === 'status' ? { subresource: 'status' as const } : {}),
  };
}

/** The object as served at `version` (no conversion: only apiVersion changes, like strategy None). */
export function present(type: ResourceType, version: string, o: KubeObject): KubeObject {
  return { ...o, apiVersion: apiVersionOf(type.group, version) };
}

function asObject(body: unknown): KubeObject {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('the body of the request must be a JSON object');
  }
  const o = body as KubeObject;
  if (o.metadata === undefined || o.metadata === null) o.metadata = {};
  if (typeof o.metadata !== 'object') throw badRequest('metadata must be an object');
  return o;
}

function checkTypeMeta(t: ResourceTarget, o: KubeObject): void {
  const expected = apiVersionOf(t.type.group, t.version);
  if (o.apiVersion !== undefined && o.apiVersion !== expected) {
    throw badRequest(
      `the API version in the data (${String(o.apiVersion)}) does not match the expected API version (${expected})`,
    );
  }
  if (o.kind !== undefined && o.kind !== t.type.kind) {
    throw badRequest(
      `the kind in the data (${String(o.kind)}) does not match the expected kind (${t.type.kind})`,
    );
  }
}

function listReply(store: ObjectStore, t: ResourceTarget, query: URLSearchParams): Reply {
  checkFieldSelector(query.get('fieldSelector'), t.type.plural);
  const limit = Number(query.get('limit') ?? 0);
  const { items, continueToken } = store.list(t.type, {
    ...(t.namespace !== undefined ? { namespace: t.namespace } : {}),
    labelSelector: parseLabelSelector(query.get('labelSelector')),
    fieldSelector: parseFieldSelector(query.get('fieldSelector'), t.type.plural),
    ...(limit > 0 ? { limit } : {}),
    ...(query.get('continue') ? { continueToken: query.get('continue')! } : {}),
  });
  const shaped = items.map((o) => {
    if (!t.type.builtin) return present(t.type, t.version, o);
    // Typed lists of built-ins carry no kind/apiVersion on their items.
    const { apiVersion: _a, kind: _k, ...rest } = o;
    return rest;
  });
  return {
    code: 200,
    body: {
      apiVersion: apiVersionOf(t.type.group, t.version),
      kind: `${t.type.kind}List`,
      metadata: { resourceVersion: store.revision(), ...(continueToken ? { continue: continueToken } : {}) },
      items: shaped,
    },
  };
}

function deleteReply(store: ObjectStore, t: ResourceTarget, body: unknown): Reply {
  const options = (typeof body === 'object' && body !== null ? body : {}) as {
    preconditions?: { uid?: string; resourceVersion?: string };
  };
  const { object, deleted } = store.delete(t.type, t.namespace, t.name!, options.preconditions ?? {});
  const isNamespace = t.type.builtin && t.type.plural === 'namespaces';
  if (deleted && t.type.builtin && !isNamespace) {
    return { code: 200, body: deleteSuccess(t.type, t.name!, object.metadata.uid ?? '') };
  }
  return { code: 200, body: present(t.type, t.version, object) };
}

/** Serves one request on a resource path. */
export function handleResource(
  store: ObjectStore,
  t: ResourceTarget,
  method: string,
  query: URLSearchParams,
  contentType: string | undefined,
  body: unknown,
): Reply {
  const out = (code: number, o: KubeObject): Reply => ({ code, body: present(t.type, t.version, o) });
  if (t.name === undefined) {
    if (method === 'GET') return listReply(store, t, query);
    if (method === 'POST') {
      const o = asObject(body);
      checkTypeMeta(t, o);
      return out(201, store.create(t.type, t.namespace, o, { version: t.version }));
    }
    if (method === 'DELETE') {
      const { items } = store.list(t.type, {
        ...(t.namespace !== undefined ? { namespace: t.namespace } : {}),
        labelSelector: parseLabelSelector(query.get('labelSelector')),
        fieldSelector: parseFieldSelector(query.get('fieldSelector'), t.type.plural),
      });
      const deleted = items.map((o) => store.delete(t.type, o.metadata.namespace, o.metadata.name!).object);
      const list = {
        apiVersion: apiVersionOf(t.type.group, t.version),
        kind: `${t.type.kind}List`,
        metadata: {},
        items: deleted,
      };
      return { code: 200, body: list };
    }
    throw methodNotAllowed();
  }
  const sub = { version: t.version, ...(t.subresource ? { subresource: t.subresource } : {}) };
  switch (method) {
    case 'GET':
      return out(200, store.get(t.type, t.namespace, t.name));
    case 'PUT': {
      const o = asObject(body);
      checkTypeMeta(t, o);
      return out(200, store.update(t.type, t.namespace, t.name, o, { ...sub, requireResourceVersion: true }));
    }
    case 'PATCH':
      return out(200, store.patch(t.type, t.namespace, t.name, patchTypeOf(contentType), body as Json, sub));
    case 'DELETE':
      if (t.subresource) throw methodNotAllowed();
      return deleteReply(store, t, body);
    default:
      throw methodNotAllowed();
  }
}
