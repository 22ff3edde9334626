/**
 * Ownership per installation at the federation: two installations share one Karmada (or
 * KubeFed) control plane. A member joined by one is never adopted, cordoned, evicted or
 * unjoined by the other, even under the same name, and a token Secret named as ours but not
 * labelled ours is never deleted. Real drivers against the Kubernetes API emulator.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OWNER_LABEL } from '../../shared/domain/names.ts';
import { KarmadaFederation } from '../../shared/drivers/federation/karmada.ts';
import { KarmadaOptionsSchema } from '../../shared/drivers/federation/karmada-options.ts';
import { KubefedFederation } from '../../shared/drivers/federation/kubefed.ts';
import { KubefedOptionsSchema } from '../../shared/drivers/federation/kubefed-options.ts';
import { type FederationSetup, startKarmadaSetup, startKubefedSetup } from '../support/federation-harness.ts';
import type { ObjectRef } from '../support/kube-emulator/index.ts';
import { burstId } from '../support/records.ts';

const KINDS = {
  karmada: {
    start: () => startKarmadaSetup(),
    driver: (kubeconfig: string, owner: string) =>
      new KarmadaFederation(KarmadaOptionsSchema.parse({ kubeconfig }), undefined, owner),
    namespace: 'karmada-cluster',
    member: (name: string): ObjectRef => ({
      apiVersion: 'cluster.karmada.io/v1alpha1',
      kind: 'Cluster',
      name,
    }),
  },
  kubefed: {
    start: () => startKubefedSetup(),
    driver: (kubeconfig: string, owner: string) =>
      new KubefedFederation(KubefedOptionsSchema.parse({ kubeconfig }), undefined, owner),
    namespace: 'kube-federation-system',
    member: (name: string): ObjectRef => ({
      apiVersion: 'core.kubefed.io/v1beta1',
      kind: 'KubeFedCluster',
      namespace: 'kube-federation-system',
      name,
    }),
  },
} as const;

describe.each(['karmada', 'kubefed'] as const)('installations sharing one %s control plane', (kind) => {
  const k = KINDS[kind];
  let s: FederationSetup<unknown> | undefined;
  afterEach(async () => {
    await s?.stop();
    s = undefined;
  });

  it("never adopts, cordons, evicts or unjoins the other installation's member, and never deletes a Secret not labelled ours", async () => {
    s = await k.start();
    const mine = k.driver(s.controlPlane.kubeconfig, 'owner-a');
    const theirs = k.driver(s.controlPlane.kubeconfig, 'owner-b');
    const id = burstId();
    const name = `cb-${id.slice(2)}`;
    const { credentials } = await s.member();
    const member = (owner: string) => ({
      name,
      burstId: id,
      owner,
      provider: 'simulated',
      region: 'local',
      credentials,
      labels: { [OWNER_LABEL]: owner, 'clusterburst.io/burst-id': id },
    });
    await mine.join(member('owner-a'));
    const ref = k.member(name);
    const before = s.controlPlane.get(ref)!;

    await expect(theirs.join(member('owner-b'))).rejects.toThrow(/belongs to installation owner-a/);
    await expect(theirs.cordon(name)).rejects.toThrow(/belongs to installation owner-a/);
    await expect(theirs.evict(name)).rejects.toThrow(/belongs to installation owner-a/);
    await expect(theirs.leave(name)).rejects.toThrow(/belongs to installation owner-a/);
    await expect(theirs.leave(name, { force: true })).rejects.toThrow(/belongs to installation owner-a/);
    const after = s.controlPlane.get(ref)!;
    expect(after.metadata.deletionTimestamp).toBeUndefined();
    expect(after.metadata.labels).toEqual(before.metadata.labels);
    expect(after.spec).toEqual(before.spec);
    expect(
      s.controlPlane.objects({ kind: 'Secret', namespace: k.namespace }).map((o) => o.metadata.name),
    ).toContain(name);

    // A Secret named as a member's would be, created by a person: a forced leave leaves it.
    const stranger = `cb-${burstId().slice(2)}`;
    s.controlPlane.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: stranger, namespace: k.namespace },
      data: { token: 'c29tZW9uZSBlbHNl' },
    });
    expect(await theirs.leave(stranger, { force: true })).toBe('left');
    expect(
      s.controlPlane.get({ apiVersion: 'v1', kind: 'Secret', namespace: k.namespace, name: stranger }),
    ).toBeDefined();

    // Its owner still takes it down as usual.
    await mine.cordon(name);
    for (let i = 0; i < 100 && (await mine.leave(name)) === 'pending'; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(s.controlPlane.get(ref)).toBeUndefined();
  }, 60_000);
});
