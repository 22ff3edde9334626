/**
 * Serves the custom resources of every CustomResourceDefinition as soon as it is written, and
 * removes them (and their objects) when it is deleted. Real servers take a moment to establish
 * a CRD; the emulator does it synchronously, so the create call returning means it is served.
 */
import { typeFromCrd } from './builtins.ts';
import type { ObjectStore } from './storage.ts';

/** Starts the controller on a store; returns `stop`. */
export function startCrdController(store: ObjectStore): () => void {
  return store.onChange((e) => {
    const r = e.resource;
    if (!r.builtin || r.group !== 'apiextensions.k8s.io' || r.plural !== 'customresourcedefinitions') return;
    const type = typeFromCrd(e.object);
    if (e.type === 'DELETED' || e.object.metadata.deletionTimestamp) {
      if (!store.registry.lookup(type.group, type.versions[0] ?? '', type.plural)) return;
      for (const o of store.list(type).items) store.purge(type, o.metadata.namespace, o.metadata.name!);
      if (e.type === 'DELETED') store.registry.unregister(type.group, type.plural);
    } else {
      store.registry.register(type);
    }
  });
}
