// Over ~350 lines on purpose: the emulator's one object store (create, update, patch, delete with finalizers and resourceVersion); validation, pruning and watch are beside it.
/**
 * The object store behind one emulator: what etcd plus the generic registry do in
 * kube-apiserver. Every write is synchronous, so one request is one atomic step; resource
 * versions come from one global counter like etcd's revision.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { applyDefaults, validateKind } from './builtins.ts';
import type { Json, PatchType } from './patch.ts';
import { applyJsonPatch, applyMergePatch } from './patch.ts';
import { pruneObject } from './prune.ts';
import type { ResourceRegistry, ResourceType } from './registry.ts';
import { apiVersionOf } from './registry.ts';
import type { Selector } from './selectors.ts';
import type { FieldError } from './status.ts';
import {
  alreadyExists,
  badRequest,
  conflict,
  forbidden,
  internalError,
  invalid,
  notFound,
} from './status.ts';
import { validateMetadata } from './validation.ts';

/** Object metadata as the emulator reads and writes it. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  [key: string]: unknown;
}

/** Any Kubernetes object. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** What happened to an object, as a watch would report it. */
export interface ChangeEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly resource: ResourceType;
  readonly object: KubeObject;
}

/** etcd's default request limit; bigger objects fail like they would on a real cluster. */
const MAX_OBJECT_BYTES = 1_572_864;

/** RFC 3339 with second precision, as metav1.Time serialises. */
export function timestamp(now = new Date()): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** JSON with sorted keys, to compare objects regardless of key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

function withoutMetaAndStatus(o: KubeObject): unknown {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
  return rest;
}

/** Options of a list call. */
export interface ListOptions {
  readonly namespace?: string;
  readonly labelSelector?: Selector;
  readonly fieldSelector?: Selector;
  readonly limit?: number;
  readonly continueToken?: string;
}

/** Storage of every object of one emulator, with the API server's write semantics. */
export class ObjectStore {
  readonly #objects = new Map<string, KubeObject>();
  readonly #listeners = new Set<(e: ChangeEvent) => void>();
  #revision = 1000;

  constructor(readonly registry: ResourceRegistry) {}

  /** The current global resourceVersion. */
  revision(): string {
    return String(this.#revision);
  }

  /** Subscribes to changes; returns the unsubscribe function. */
  onChange(listener: (e: ChangeEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(type: ChangeEvent['type'], resource: ResourceType, object: KubeObject): void {
    for (const l of [...this.#listeners]) l({ type, resource, object: structuredClone(object) });
  }

  #key(type: ResourceType, namespace: string | undefined, name: string): string {
    return `${type.group}/${type.plural}/${type.namespaced ? (namespace ?? '') : ''}/${name}`;
  }

  /** A copy of the object, or undefined. */
  find(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.#objects.get(this.#key(type, namespace, name));
    return o ? structuredClone(o) : undefined;
  }

  /** A copy of the object, or 404 NotFound. */
  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const o = this.find(type, namespace, name);
    if (!o) throw notFound(type, name);
    return o;
  }

  /** Objects of a type in key order, filtered and paged like a real list. */
  list(type: ResourceType, options: ListOptions = {}): { items: KubeObject[]; continueToken?: string } {
    const prefix = `${type.group}/${type.plural}/${type.namespaced && options.namespace ? `${options.namespace}/` : ''}`;
    const after = options.continueToken ? Buffer.from(options.continueToken, 'base64url').toString() : '';
    const keys = [...this.#objects.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
    const items: KubeObject[] = [];
    let last = '';
    for (const key of keys) {
      const o = this.#objects.get(key)!;
      if (options.labelSelector && !options.labelSelector(o)) continue;
      if (options.fieldSelector && !options.fieldSelector(o)) continue;
      if (options.limit && items.length >= options.limit) {
        return { items, continueToken: Buffer.from(last).toString('base64url') };
      }
      items.push(structuredClone(o));
      last = key;
    }
    return { items };
  }

  /** Every stored object, all types. */
  all(): KubeObject[] {
    return [...this.#objects.values()].map((o) => structuredClone(o));
  }

  #check(type: ResourceType, object: KubeObject, extra: FieldError[] = []): void {
    const errors = [...validateMetadata(object, type), ...validateKind(type, object), ...extra];
    if (errors.length > 0) throw invalid(type, object.metadata.name ?? '', errors);
    if (Buffer.byteLength(JSON.stringify(object)) > MAX_OBJECT_BYTES) {
      throw internalError('etcdserver: request is too large');
    }
  }

  /**
   * Drops what the CRD's schema for `version` (the storage version when not given) does not
   * specify, as kube-apiserver prunes every write of a custom resource.
   */
  #prune(type: ResourceType, object: KubeObject, version: string | undefined): void {
    const schema = type.schemas?.[version ?? type.versions[0]!];
    if (schema) pruneObject(object, schema);
  }

  /** POST: validates, assigns uid/resourceVersion/generation, stores. */
  create(
    type: ResourceType,
    namespace: string | undefined,
    body: KubeObject,
    options: { version?: string } = {},
  ): KubeObject {
    const object = structuredClone(body);
    object.metadata = { ...object.metadata };
    const meta = object.metadata;
    if (type.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      meta.namespace = namespace ?? meta.namespace;
    } else {
      delete meta.namespace;
    }
    if (!meta.name && meta.generateName)
      meta.name = `${meta.generateName}${randomBytes(4).toString('hex').slice(0, 5)}`;
    object.apiVersion = apiVersionOf(type.group, type.versions[0]!);
    object.kind = type.kind;
    for (const k of ['uid', 'resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink'])
      delete meta[k];
    if (type.status) delete object.status;
    this.#prune(type, object, options.version);
    applyDefaults(type, object, undefined);
    this.#check(type, object);
    const name = meta.name!;
    if (type.namespaced) this.#checkNamespaceOpen(type, meta.namespace ?? '', name);
    const key = this.#key(type, meta.namespace, name);
    if (this.#objects.has(key)) throw alreadyExists(type, name);
    meta.uid = randomUUID();
    meta.creationTimestamp = timestamp();
    meta.generation = 1;
    meta.resourceVersion = String(++this.#revision);
    this.#objects.set(key, object);
    this.#emit('ADDED', type, object);
    return structuredClone(object);
  }

  #checkNamespaceOpen(type: ResourceType, namespace: string, name: string): void {
    const nsType = this.registry.lookup('', 'v1', 'namespaces')!;
    const ns = this.#objects.get(this.#key(nsType, undefined, namespace));
    if (!ns) throw notFound(nsType, namespace);
    if (ns.metadata.deletionTimestamp) {
      throw forbidden(
        type,
        name,
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      );
    }
  }

  /**
   * PUT (main resource or `/status`): `body` replaces the stored object except for system
   * fields; a `metadata.resourceVersion` in the body is a precondition.
   */
  update(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    body: KubeObject,
    options: { subresource?: 'status'; requireResourceVersion?: boolean; version?: string } = {},
  ): KubeObject {
    const current = this.get(type, namespace, name);
    const meta = body.metadata ?? {};
    if (meta.name !== undefined && meta.name !== name) {
      throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    }
    if (type.namespaced && meta.namespace && meta.namespace !== namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    if (meta.resourceVersion !== undefined && meta.resourceVersion !== '') {
      if (meta.resourceVersion !== current.metadata.resourceVersion) throw conflict(type, name);
    } else if (options.requireResourceVersion && !type.builtin) {
      // Custom resources do not allow unconditional updates (AllowUnconditionalUpdate=false).
      throw invalid(type, name, [
        {
          type: 'FieldValueInvalid',
          field: 'metadata.resourceVersion',
          rawValue: '0x0',
          detail: 'must be specified for an update',
        },
      ]);
    }
    let next: KubeObject;
    if (options.subresource === 'status') {
      next = { ...current, status: structuredClone(body.status) };
      if (body.status === undefined) delete next.status;
    } else {
      next = structuredClone({ ...body, metadata: { ...meta } });
      const keep = [
        'uid',
        'creationTimestamp',
        'generation',
        'deletionTimestamp',
        'deletionGracePeriodSeconds',
        'namespace',
        'name',
      ];
      for (const k of keep) {
        if (current.metadata[k] === undefined) delete next.metadata[k];
        else next.metadata[k] = current.metadata[k];
      }
      if (type.status) {
        if (current.status === undefined) delete next.status;
        else next.status = current.status;
      }
    }
    next.apiVersion = current.apiVersion;
    next.kind = current.kind;
    next.metadata.resourceVersion = current.metadata.resourceVersion;
    this.#prune(type, next, options.version);
    applyDefaults(type, next, current);
    return this.#commit(type, current, next);
  }

  /**
   * PATCH (main resource or `/status`): the patch applies to the stored object; a
   * resourceVersion the patch sets is a precondition, as on a real server.
   */
  patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patchType: PatchType,
    patch: Json,
    options: { subresource?: 'status'; version?: string } = {},
  ): KubeObject {
    const current = this.get(type, namespace, name);
    const patched = (patchType === 'json'
      ? applyJsonPatch(current as unknown as Json, patch, type, name)
      : applyMergePatch(current as unknown as Json, patch)) as unknown as KubeObject;
    if (typeof patched !== 'object' || patched === null || Array.isArray(patched)) {
      throw badRequest('the patch did not produce an object');
    }
    patched.metadata ??= {};
    const rv = patched.metadata.resourceVersion;
    if (rv !== undefined && rv !== current.metadata.resourceVersion) throw conflict(type, name);
    patched.metadata.resourceVersion = current.metadata.resourceVersion;
    return this.update(type, namespace, name, patched, options);
  }

  #commit(type: ResourceType, current: KubeObject, next: KubeObject): KubeObject {
    const extra: FieldError[] = [];
    if (current.metadata.deletionTimestamp) {
      const added = (next.metadata.finalizers ?? []).filter(
        (f) => !(current.metadata.finalizers ?? []).includes(f),
      );
      if (added.length > 0) {
        extra.push({
          type: 'FieldValueForbidden',
          field: 'metadata.finalizers',
          detail: 'no new finalizers can be added if the object is being deleted',
        });
      }
    }
    this.#check(type, next, extra);
    if (!next.metadata.finalizers?.length) delete next.metadata.finalizers;
    // A write that changes nothing keeps the resourceVersion, as on a real server.
    if (canonical(next) === canonical(current)) return current;
    if (canonical(withoutMetaAndStatus(next)) !== canonical(withoutMetaAndStatus(current))) {
      next.metadata.generation = (current.metadata.generation ?? 0) + 1;
    }
    next.metadata.resourceVersion = String(++this.#revision);
    const key = this.#key(type, next.metadata.namespace, next.metadata.name!);
    const isNamespace = type.builtin && type.plural === 'namespaces';
    if (next.metadata.deletionTimestamp && !next.metadata.finalizers?.length && !isNamespace) {
      this.#objects.delete(key);
      this.#emit('DELETED', type, next);
      return structuredClone(next);
    }
    this.#objects.set(key, next);
    this.#emit('MODIFIED', type, next);
    return structuredClone(next);
  }

  /**
   * DELETE: objects with finalizers (and namespaces, whose content goes first) get a
   * deletionTimestamp and stay; others go at once. `deleted` says which happened.
   */
  delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    preconditions: { uid?: string; resourceVersion?: string } = {},
  ): { object: KubeObject; deleted: boolean } {
    const current = this.get(type, namespace, name);
    if (preconditions.uid && preconditions.uid !== current.metadata.uid) {
      throw conflict(
        type,
        name,
        `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${current.metadata.uid}`,
      );
    }
    if (preconditions.resourceVersion && preconditions.resourceVersion !== current.metadata.resourceVersion) {
      throw conflict(
        type,
        name,
        `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`,
      );
    }
    const isNamespace = type.builtin && type.plural === 'namespaces';
    if (current.metadata.finalizers?.length || isNamespace) {
      if (current.metadata.deletionTimestamp) return { object: current, deleted: false };
      const next = structuredClone(current);
      next.metadata.deletionTimestamp = timestamp();
      next.metadata.deletionGracePeriodSeconds = 0;
      if (isNamespace) next.status = { phase: 'Terminating' };
      next.metadata.resourceVersion = String(++this.#revision);
      this.#objects.set(this.#key(type, namespace, name), next);
      this.#emit('MODIFIED', type, next);
      return { object: structuredClone(next), deleted: false };
    }
    this.#purge(type, current);
    return { object: current, deleted: true };
  }

  /** Removes an object now, bypassing finalizers (the namespace controller's last step). */
  purge(type: ResourceType, namespace: string | undefined, name: string): void {
    const current = this.find(type, namespace, name);
    if (current) this.#purge(type, current);
  }

  #purge(type: ResourceType, current: KubeObject): void {
    this.#objects.delete(this.#key(type, current.metadata.namespace, current.metadata.name!));
    ++this.#revision;
    this.#emit('DELETED', type, current);
  }
}
