import { afterEach, describe, expect, it } from 'vitest';
import { awaitDrain } from '../../../../shared/core/steps/await-drain.ts';
import { deleteCluster } from '../../../../shared/core/steps/delete-cluster.ts';
import { drain } from '../../../../shared/core/steps/drain.ts';
import { enterTeardown } from '../../../../shared/core/steps/enter-teardown.ts';
import { finalize } from '../../../../shared/core/steps/finalize.ts';
import { route } from '../../../../shared/core/steps/route.ts';
import { patchRecord } from '../../../../shared/core/transition.ts';
import type { BurstCluster } from '../../../../shared/domain/burst-cluster.ts';
import type { BurstStore } from '../../../../shared/drivers/store/store.ts';
import { probeService } from '../../../../shared/runtime/probe-service.ts';
import { type LifecycleWorld, startLifecycleWorld } from '../../../support/lifecycle-world.ts';

/**
 * A store that lets a rival writer in just before the next write of a burst: the rival's write
 * lands first and the step's compare-and-swap then loses, as it does between two function
 * instances.
 */
function withRival(inner: BurstStore, rival: { next?: (about: BurstCluster) => Promise<void> }): BurstStore {
  return new Proxy(inner, {
    get(target, prop) {
      if (prop === 'update')
        return async (record: BurstCluster, events?: Parameters<BurstStore['update']>[1]) => {
          const cut = rival.next;
          rival.next = undefined;
          if (cut) await cut(record);
          return target.update(record, events);
        };
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('a lost compare-and-swap never leaves work half done', () => {
  let w: LifecycleWorld;
  const rival: { next?: (about: BurstCluster) => Promise<void> } = {};
  afterEach(async () => {
    rival.next = undefined;
    await w?.close();
  });

  /** The rival that marks the burst's signal resolved (a version bump, same phase). */
  const resolveSignal = async (about: BurstCluster) => {
    const current = (await w.deps.store.get(about.id))!;
    await patchRecord(w.deps, current, { signalResolvedAt: w.deps.now().toISOString() });
  };

  it('starts the drain an operator asked for even when a resolved signal bumps the burst at the same moment', async () => {
    w = await startLifecycleWorld({}, { store: (inner) => withRival(inner, rival) });
    const burst = await w.admit();
    await w.walkTo(burst.id, 'Active');
    rival.next = resolveSignal;
    const result = await drain(w.deps, burst.id, 'teardown requested by an operator');
    expect(result.outcome).toBe('moved');
    const after = await w.record(burst.id);
    expect(after.phase).toBe('Draining');
    expect(after.signalResolvedAt).toBeDefined();
    expect(after.teardown.drainStartedAt).toBeDefined();
  });

  it('keeps a failure noted on a burst in teardown when a resolved signal bumps it at the same moment', async () => {
    w = await startLifecycleWorld({}, { store: (inner) => withRival(inner, rival) });
    const burst = await w.admit();
    await w.walkTo(burst.id, 'Active');
    await drain(w.deps, burst.id);
    rival.next = resolveSignal;
    await enterTeardown(w.deps, await w.record(burst.id), 'provider reports the cluster failed', {
      failed: true,
    });
    const after = await w.record(burst.id);
    expect(after.teardown.failed).toBe(true);
    expect(after.lastError).toBe('provider reports the cluster failed');
  });

  it('takes back the gateway servers a route enabled after a teardown had already removed them', async () => {
    const teardown = { run: undefined as undefined | (() => Promise<void>) };
    w = await startLifecycleWorld(
      {},
      {
        overrides: {
          // The teardown runs to Deleting right after the route found the services healthy,
          // before it adds and enables its gateway servers.
          probe: async (service, ingress) => {
            const healthy = await probeService(service, ingress);
            const run = teardown.run;
            teardown.run = undefined;
            await run?.();
            return healthy;
          },
        },
      },
    );
    const burst = await w.admit();
    await w.walkTo(burst.id, 'Joined');
    teardown.run = async () => {
      await drain(w.deps, burst.id, 'teardown requested by an operator');
      await deleteCluster(w.deps, burst.id);
    };
    const routed = await route(w.deps, burst.id);
    expect(routed.outcome).toBe('waiting');
    expect((await w.record(burst.id)).phase).toBe('Deleting');
    expect(await w.deps.gateway.listOwned({ burstId: burst.id })).toEqual([]);
  });

  it('puts back in drain the gateway servers a late twin route enabled after the drain began', async () => {
    const twin = { run: undefined as undefined | (() => Promise<void>) };
    w = await startLifecycleWorld(
      {},
      {
        overrides: {
          // A twin route runs to Active and the drain starts right after this route found the
          // endpoint healthy, before it enables its gateway servers.
          probe: async (service, ingress) => {
            const healthy = await probeService(service, ingress);
            const run = twin.run;
            twin.run = undefined;
            await run?.();
            return healthy;
          },
        },
      },
    );
    const burst = await w.admit();
    await w.walkTo(burst.id, 'Joined');
    twin.run = async () => {
      expect((await route(w.deps, burst.id)).outcome).toBe('moved');
      await drain(w.deps, burst.id, 'teardown requested by an operator');
    };
    const late = await route(w.deps, burst.id);
    expect(late.outcome).toBe('waiting');
    expect((await w.record(burst.id)).phase).toBe('Draining');
    const servers = await w.deps.gateway.listOwned({ burstId: burst.id });
    expect(servers.length).toBeGreaterThan(0);
    expect(servers.map((s) => s.state)).toEqual(servers.map(() => 'drain'));
  });

  it('closes a burst only after removing gateway servers left enabled towards its cluster', async () => {
    w = await startLifecycleWorld();
    const burst = await w.admit();
    await w.walkTo(burst.id, 'Active');
    const [server] = await w.deps.gateway.listOwned({ burstId: burst.id });
    await drain(w.deps, burst.id);
    w.advance(3600);
    await awaitDrain(w.deps, burst.id);
    await deleteCluster(w.deps, burst.id);
    expect(await w.deps.gateway.listOwned({ burstId: burst.id })).toEqual([]);
    // A route instance that enabled its servers after the teardown removed them, then crashed.
    await w.deps.gateway.add({ ...server!, burstId: burst.id, address: '127.0.0.1', port: 80 });
    await w.deps.gateway.enable(server!);
    for (let i = 0; i < 50 && (await w.record(burst.id)).phase === 'Deleting'; i++) {
      await finalize(w.deps, burst.id);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect((await w.record(burst.id)).phase).toBe('Deleted');
    expect(await w.deps.gateway.listOwned({ burstId: burst.id })).toEqual([]);
  });
});
