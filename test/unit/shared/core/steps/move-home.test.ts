import { afterEach, describe, expect, it } from 'vitest';
import { awaitDrain } from '../../../../../shared/core/steps/await-drain.ts';
import { deleteCluster } from '../../../../../shared/core/steps/delete-cluster.ts';
import { drain } from '../../../../../shared/core/steps/drain.ts';
import { requestTeardown } from '../../../../../shared/core/steps/request-teardown.ts';
import { type LifecycleWorld, startLifecycleWorld } from '../../../../support/lifecycle-world.ts';
import { RecordingFederation } from '../../../../support/recording-federation.ts';

describe('teardown moves the services home before the cluster goes (make before break)', () => {
  let w: LifecycleWorld;
  let fed: RecordingFederation;
  afterEach(async () => w?.close());

  /** An Active burst with web placed and routed (in-cluster, so no listener is needed). */
  async function draining(policy: Record<string, number> = {}) {
    fed = new RecordingFederation();
    fed.inClusterRouting = true;
    fed.onMember.set('web', { desiredReplicas: 2, readyReplicas: 2 });
    w = await startLifecycleWorld(
      { policy: { drainTimeoutSeconds: 0, ...policy } },
      { overrides: { federation: fed } },
    );
    const burst = await w.admit();
    await w.walkTo(burst.id, 'Active');
    await drain(w.deps, burst.id);
    return burst;
  }

  it('takes the services off the member and waits for home before the unjoin, and says so', async () => {
    const burst = await draining();
    fed.homeReady = false;
    const held = await awaitDrain(w.deps, burst.id);
    expect(held).toMatchObject({ outcome: 'waiting' });
    expect(held.why).toMatch(/^moving web home: home has 0 of 2 replicas ready after 0s \(bound 600s\)$/);
    fed.homeReady = true;
    const moved = await awaitDrain(w.deps, burst.id);
    expect(moved).toMatchObject({ outcome: 'moved', to: 'Leaving' });
    expect(moved.why).toContain('web moved home (home reports every replica ready)');
    await deleteCluster(w.deps, burst.id);
    const order = fed.calls
      .map((c) => c.method)
      .filter((m) => ['cordon', 'unplace', 'evict', 'leave'].includes(m));
    // Home is waited for before anything of the membership goes (unplace again before the leave is idempotent).
    expect(order).toEqual(['cordon', 'unplace', 'unplace', 'evict', 'unplace', 'evict', 'leave']);
  });

  it('keeps the burst Draining, not deleted, when home cannot take the replicas back within the bound', async () => {
    const burst = await draining({ moveHomeTimeoutSeconds: 120 });
    fed.homeReady = false;
    await awaitDrain(w.deps, burst.id);
    w.advance(121);
    const held = await awaitDrain(w.deps, burst.id);
    expect(held).toMatchObject({ outcome: 'waiting' });
    const record = await w.record(burst.id);
    expect(record.phase).toBe('Draining');
    expect(record.lastError).toBe(
      'home could not take the replicas of web back within the 120s move-home bound (home has 0 of 2 replicas ready): the burst stays Draining, not deleted; a forced DELETE deletes it anyway',
    );
    expect((await w.provider.describe(burst.name))?.state).toBe('ready');
    expect(fed.calls.some((c) => c.method === 'leave')).toBe(false);
  });

  it('lets a forced DELETE delete a burst held Draining by home', async () => {
    const burst = await draining({ moveHomeTimeoutSeconds: 120 });
    fed.homeReady = false;
    w.advance(121);
    await awaitDrain(w.deps, burst.id);
    expect((await requestTeardown(w.deps, await w.record(burst.id))).why).toBe('teardown already under way');
    await requestTeardown(w.deps, await w.record(burst.id), 'forced by an operator', { force: true });
    const moved = await awaitDrain(w.deps, burst.id);
    expect(moved).toMatchObject({ outcome: 'moved', to: 'Leaving' });
    expect(moved.why).toContain('forced teardown: replicas not waited for at home');
    expect(await deleteCluster(w.deps, burst.id)).toMatchObject({ outcome: 'moved', to: 'Deleting' });
  });
});
