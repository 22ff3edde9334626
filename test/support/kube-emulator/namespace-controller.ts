/**
 * A simplified namespace controller: once a Namespace has a deletionTimestamp, every object in
 * it is deleted (objects with finalizers stay until those are removed), and the Namespace
 * itself disappears when it is empty and has no metadata.finalizers left. A real cluster also
 * goes through the `kubernetes` spec finalizer, NamespaceDeletion* conditions and discovery of
 * every API group; here the sweep runs over the types this emulator serves.
 */
import type { ObjectStore } from './storage.ts';

/** Starts the controller on a store; returns `stop`. */
export function startNamespaceController(
  store: ObjectStore,
  options: { readonly delayMs?: number } = {},
): () => void {
  const delayMs = options.delayMs ?? 10;
  const timers = new Set<NodeJS.Timeout>();
  const namespaces = store.registry.lookup('', 'v1', 'namespaces')!;
  const terminating = new Set<string>();

  const sweep = (ns: string) => {
    const current = store.find(namespaces, undefined, ns);
    if (!current?.metadata.deletionTimestamp) {
      terminating.delete(ns);
      return;
    }
    let remaining = 0;
    for (const type of store.registry.all()) {
      if (!type.namespaced) continue;
      for (const o of store.list(type, { namespace: ns }).items) {
        remaining++;
        if (!o.metadata.deletionTimestamp) store.delete(type, ns, o.metadata.name!);
      }
    }
    if (remaining === 0 && !current.metadata.finalizers?.length) {
      terminating.delete(ns);
      store.purge(namespaces, undefined, ns);
    }
  };

  const schedule = (ns: string) => {
    const t = setTimeout(() => {
      timers.delete(t);
      try {
        sweep(ns);
      } catch {
        // Raced with another writer; the next event sweeps again.
      }
    }, delayMs);
    timers.add(t);
  };

  const unsubscribe = store.onChange((e) => {
    const isNamespace = e.resource.builtin && e.resource.group === '' && e.resource.plural === 'namespaces';
    if (isNamespace && e.type === 'MODIFIED' && e.object.metadata.deletionTimestamp) {
      terminating.add(e.object.metadata.name!);
      schedule(e.object.metadata.name!);
    } else if (!isNamespace && e.type === 'DELETED' && terminating.has(e.object.metadata.namespace ?? '')) {
      schedule(e.object.metadata.namespace!);
    }
  });

  return () => {
    unsubscribe();
    for (const t of timers) clearTimeout(t);
    timers.clear();
  };
}
