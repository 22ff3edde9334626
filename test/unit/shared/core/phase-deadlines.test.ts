import { afterEach, describe, expect, it } from 'vitest';
import { scaleDown } from '../../../../shared/core/scale-down.ts';
import { deleteCluster } from '../../../../shared/core/steps/delete-cluster.ts';
import { federate } from '../../../../shared/core/steps/federate.ts';
import { finalize } from '../../../../shared/core/steps/finalize.ts';
import { provision } from '../../../../shared/core/steps/provision.ts';
import { route } from '../../../../shared/core/steps/route.ts';
import type { BurstCluster } from '../../../../shared/domain/burst-cluster.ts';
import { type LifecycleWorld, startLifecycleWorld } from '../../../support/lifecycle-world.ts';

const lastWhy = (r: BurstCluster) => r.history.at(-1)!.why;

describe('every phase has a deadline; a TTL holds in every phase', () => {
  let w: LifecycleWorld;
  afterEach(async () => w?.close());

  /** Runs finalize until the burst is closed (the simulated provider deletes at once). */
  const close = async (id: string) => {
    for (let i = 0; i < 50 && (await w.record(id)).phase === 'Deleting'; i++) {
      await finalize(w.deps, id);
      await new Promise((r) => setTimeout(r, 10));
    }
    return w.record(id);
  };

  it('fails a burst whose member never becomes Ready within the join deadline, and deletes its cluster', async () => {
    w = await startLifecycleWorld({ policy: { joinDeadlineSeconds: 300 } });
    const burst = await w.admit();
    await w.walkTo(burst.id, 'Ready');
    w.provider.server(burst.name)!.ready = false; // the member never answers /healthz
    expect((await federate(w.deps, burst.id)).outcome).toBe('waiting');
    w.advance(299);
    expect((await federate(w.deps, burst.id)).outcome).toBe('waiting');
    w.advance(2);
    const failed = await federate(w.deps, burst.id);
    expect(failed).toMatchObject({ outcome: 'moved', from: 'Ready', to: 'Deleting' });
    expect((await w.record(burst.id)).lastError).toMatch(/^member not ready within the 300s join deadline/);
    expect((await w.provider.describe(burst.name))?.state ?? 'gone').toMatch(/deleting|gone/);
    const closed = await close(burst.id);
    expect(closed.phase).toBe('Failed');
    expect(await w.provider.describe(burst.name)).toBeUndefined();
  });

  it('fails a burst whose service never becomes ready within the route deadline, through the normal teardown', async () => {
    w = await startLifecycleWorld({
      policy: { routeDeadlineSeconds: 300 },
      federation: { driver: 'simulated', options: { readyAfterSeconds: 86_400 } }, // never ready
    });
    const burst = await w.admit();
    await w.walkTo(burst.id, 'Joined');
    expect((await route(w.deps, burst.id)).outcome).toBe('waiting');
    w.advance(301);
    expect(await route(w.deps, burst.id)).toMatchObject({ outcome: 'moved', from: 'Joined', to: 'Leaving' });
    expect(await deleteCluster(w.deps, burst.id)).toMatchObject({ outcome: 'moved', to: 'Deleting' });
    const closed = await close(burst.id);
    expect(closed.phase).toBe('Failed');
    expect(closed.lastError).toMatch(/^route deadline of 300s passed on \S+ waiting for service web: 0\/1 replicas ready/);
    expect(await w.provider.describe(burst.name)).toBeUndefined();
    expect(await w.deps.federation.status(burst.name)).toBeUndefined();
  });

  it('fails a burst still Requested after the provisioning deadline without creating a cluster', async () => {
    w = await startLifecycleWorld({ policy: { provisioningDeadlineSeconds: 300 } });
    const burst = await w.admit();
    w.advance(301); // every create so far failed with a retryable error, say
    expect(await provision(w.deps, burst.id)).toMatchObject({ outcome: 'moved', to: 'Deleting' });
    expect(await w.provider.describe(burst.name)).toBeUndefined();
    const closed = await close(burst.id);
    expect(closed.phase).toBe('Failed');
    expect(closed.lastError).toBe('not provisioned within the 300s provisioning deadline');
  });

  it('tears down on its time to live a burst that never became Active', async () => {
    w = await startLifecycleWorld();
    const burst = await w.admit({
      reason: { source: 'manual', signalKey: 'manual:ttl', dedupeKey: 'manual:ttl', summary: 'ttl' },
      expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    });
    await w.walkTo(burst.id, 'Joined');
    w.provider.server(burst.name)!.ready = false;
    await scaleDown(w.deps);
    expect((await w.record(burst.id)).phase).toBe('Joined');
    w.advance(3601);
    const report = await scaleDown(w.deps);
    expect(report.results).toMatchObject([{ burstId: burst.id, outcome: 'moved', to: 'Leaving' }]);
    expect(lastWhy(await w.record(burst.id))).toMatch(/^scale-down: time to live expired at /);
  });
});
