/**
 * What a burst left behind on emulators: objects labelled with its burst id, plus objects
 * looked up by name (for the ones a driver cannot label, or to be sure). Deletion in Kubernetes
 * is partly asynchronous (namespace sweep, garbage collector), so `settledLeftovers` polls.
 */

import { BURST_ID_LABEL } from '../../shared/domain/names.ts';
import type { KubeEmulator } from './kube-emulator/index.ts';

/** An object looked up by name. */
export interface NamedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

/** `<emulator>: <Kind> [<namespace>/]<name>` for each object still there. */
export function leftovers(
  emulators: readonly KubeEmulator[],
  burstId: string,
  named: (emulator: KubeEmulator) => readonly NamedObject[] = () => [],
): string[] {
  const found = new Set<string>();
  for (const e of emulators) {
    const describe = (kind: string, namespace: string | undefined, name: string) =>
      `${e.name}: ${kind} ${namespace ? `${namespace}/` : ''}${name}`;
    for (const o of e.objects({ labelSelector: `${BURST_ID_LABEL}=${burstId}` }))
      found.add(describe(o.kind, o.metadata.namespace, o.metadata.name ?? ''));
    for (const ref of named(e)) if (e.get(ref)) found.add(describe(ref.kind, ref.namespace, ref.name));
  }
  return [...found].sort();
}

/** `leftovers`, polled until empty or `timeoutMs` passes; returns what is still there. */
export async function settledLeftovers(
  emulators: readonly KubeEmulator[],
  burstId: string,
  named?: (emulator: KubeEmulator) => readonly NamedObject[],
  timeoutMs = 5000,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = leftovers(emulators, burstId, named);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The burst id of a cluster name made by the core (`cb-<hex>` for `b-<hex>`). */
export function burstIdOf(clusterName: string): string {
  return `b-${clusterName.slice(3)}`;
}
