/**
 * The part of Kubernetes' garbage collector that the federation drivers rely on, played on an
 * emulator (which does not implement it): when an object is deleted, every object naming it
 * in `metadata.ownerReferences` (by uid) is deleted too — background propagation, so
 * dependents go after their owner, and a namespace dependent goes through namespace deletion.
 */
import type { KubeEmulator, KubeObject } from './kube-emulator/index.ts';

interface OwnerReference {
  readonly uid?: string;
}

function ownerUids(o: KubeObject): string[] {
  const refs = o.metadata.ownerReferences as readonly OwnerReference[] | undefined;
  return (refs ?? []).flatMap((r) => (r.uid ? [r.uid] : []));
}

/** Starts collecting on `emulator`; returns `stop`. */
export function startGarbageCollector(emulator: KubeEmulator): () => void {
  const timers = new Set<NodeJS.Timeout>();
  const collect = (uid: string) => {
    for (const o of emulator.objects()) {
      if (!ownerUids(o).includes(uid) || o.metadata.deletionTimestamp) continue;
      try {
        emulator.remove({
          apiVersion: o.apiVersion,
          kind: o.kind,
          namespace: o.metadata.namespace,
          name: o.metadata.name ?? '',
        });
      } catch {
        // Gone meanwhile (a namespace sweep got there first).
      }
    }
  };
  const unsubscribe = emulator.onChange((e) => {
    const uid = e.object.metadata.uid;
    if (e.type !== 'DELETED' || !uid) return;
    // After the change is applied: the collector is a separate controller, never re-entrant.
    const t = setTimeout(() => {
      timers.delete(t);
      collect(uid);
    }, 5);
    timers.add(t);
  });
  return () => {
    unsubscribe();
    for (const t of timers) clearTimeout(t);
  };
}
