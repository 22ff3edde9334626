/**
 * Reconcile leaves no token Secret of ours on a federation control plane: when its forced leave
 * of an orphan member finds the member object still being deleted (a finalizer holds it), the
 * Secrets outlive it; the real Karmada and KubeFed drivers list those labelled leftovers as
 * members, so the next pass removes them. Secrets without our owner label are never touched.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { reconcile } from '../../shared/core/reconcile.ts';
import type { FederationDriver } from '../../shared/drivers/federation/federation.ts';
import { type FederationSetup, startKarmadaSetup, startKubefedSetup } from '../support/federation-harness.ts';
import type { ObjectRef } from '../support/kube-emulator/index.ts';
import { type LifecycleWorld, startLifecycleWorld } from '../support/lifecycle-world.ts';
import { burstId } from '../support/records.ts';

const HOLD = 'test.example.org/hold';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const KINDS = {
  karmada: {
    start: () => startKarmadaSetup(),
    namespace: 'karmada-cluster',
    member: (name: string): ObjectRef => ({
      apiVersion: 'cluster.karmada.io/v1alpha1',
      kind: 'Cluster',
      name,
    }),
    secrets: (name: string) => [name, `${name}-impersonator`],
  },
  kubefed: {
    start: () => startKubefedSetup(),
    namespace: 'kube-federation-system',
    member: (name: string): ObjectRef => ({
      apiVersion: 'core.kubefed.io/v1beta1',
      kind: 'KubeFedCluster',
      namespace: 'kube-federation-system',
      name,
    }),
    secrets: (name: string) => [name],
  },
} as const;

describe.each(['karmada', 'kubefed'] as const)('reconcile on %s', (kind) => {
  const k = KINDS[kind];
  let s: FederationSetup<FederationDriver> | undefined;
  let w: LifecycleWorld | undefined;
  afterEach(async () => {
    await w?.close();
    await s?.stop();
    w = s = undefined;
  });

  it('removes the token Secrets an orphan member left while it was still being deleted, and no Secret without our owner label', async () => {
    s = await k.start();
    w = await startLifecycleWorld({}, { overrides: { federation: s.federation } });
    const owner = w.deps.owner;
    // A burst whose record is closed while its membership remains (crash mid-teardown).
    const burst = await w.admit({ phase: 'Deleted' });
    const { credentials } = await s.member();
    await s.federation.join({
      name: burst.name,
      burstId: burst.id,
      owner,
      provider: 'simulated',
      region: 'local',
      credentials,
      labels: { 'clusterburst.io/owner': owner, 'clusterburst.io/burst-id': burst.id },
    });
    // Someone else's Secrets beside ours: another installation's (no member object either), and
    // one without any label, named as ours would be.
    const other = burstId();
    const foreign: { name: string; labels: Record<string, string> }[] = [
      {
        name: `cb-${other.slice(2)}`,
        labels: { 'clusterburst.io/owner': 'another-installation', 'clusterburst.io/burst-id': other },
      },
      { name: `cb-${burstId().slice(2)}`, labels: {} },
    ];
    for (const f of foreign)
      s.controlPlane.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: f.name, namespace: k.namespace, labels: f.labels },
        data: { token: 'c29tZW9uZSBlbHNl' },
      });
    // Another controller still holds the member object when reconcile's forced leave runs.
    const ref = k.member(burst.name);
    s.controlPlane.patch(ref, {
      metadata: { finalizers: [...(s.controlPlane.get(ref)!.metadata.finalizers ?? []), HOLD] },
    });

    const first = await reconcile(w.deps);
    expect(first.errors).toEqual([]);
    expect(s.controlPlane.get(ref)?.metadata.deletionTimestamp).toBeDefined();
    const secrets = () =>
      s!.controlPlane
        .objects({ kind: 'Secret', namespace: k.namespace })
        .map((o) => o.metadata.name)
        .sort();
    expect(secrets()).toEqual(expect.arrayContaining(k.secrets(burst.name)));

    // The hold is released and the member object goes; its Secrets are all that is left.
    const held = s.controlPlane.get(ref)!;
    s.controlPlane.patch(ref, {
      metadata: { finalizers: (held.metadata.finalizers ?? []).filter((f) => f !== HOLD) },
    });
    for (let i = 0; i < 100 && s.controlPlane.get(ref); i++) await sleep(20);
    expect(s.controlPlane.get(ref)).toBeUndefined();

    const second = await reconcile(w.deps);
    expect(second.errors).toEqual([]);
    expect(second.orphans.members).toEqual([burst.name]);
    expect(secrets()).toEqual(foreign.map((f) => f.name).sort());
    expect(s.controlPlane.objects({ labelSelector: `clusterburst.io/burst-id=${burst.id}` })).toEqual([]);
    // Nothing of ours remains to be found on a further pass.
    expect(await s.federation.list(owner)).toEqual([]);
  }, 60_000);
});
