import { afterEach, describe, expect, it } from 'vitest';
import { reconcile } from '../../../../shared/core/reconcile.ts';
import { commit } from '../../../../shared/core/transition.ts';
import type { ProviderDriver } from '../../../../shared/drivers/provider/provider.ts';
import type { SimulatedProvider } from '../../../../shared/drivers/provider/simulated.ts';
import { type LifecycleWorld, startLifecycleWorld } from '../../../support/lifecycle-world.ts';

/**
 * The provider as a slow listing sees it (EKS describes each cluster in turn): `during` runs
 * while the listing is under way, then the listing answers with what the cloud holds.
 */
function slowListing(inner: SimulatedProvider, during: { run?: () => Promise<void> }): ProviderDriver {
  return new Proxy(inner, {
    get(target, prop) {
      if (prop === 'list')
        return async (owner: string) => {
          const run = during.run;
          during.run = undefined;
          await run?.();
          return target.list(owner);
        };
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('the janitor never deletes a live burst', () => {
  let w: LifecycleWorld;
  afterEach(async () => w?.close());

  it('leaves alone the cluster, member, DNS record and gateway servers of a burst admitted while it listed the provider', async () => {
    const during: { run?: () => Promise<void> } = {};
    w = await startLifecycleWorld({}, { provider: (inner) => slowListing(inner, during) });
    let admitted = '';
    during.run = async () => {
      const burst = await w.admit();
      admitted = burst.id;
      await w.walkTo(burst.id, 'Active');
    };
    const report = await reconcile(w.deps);
    expect(admitted).not.toBe('');
    expect(report.orphans).toEqual({ clusters: [], members: [], dnsRecords: [], gatewayServers: [] });
    const burst = await w.record(admitted);
    expect(burst.phase).toBe('Active');
    expect((await w.provider.describe(burst.name))?.state).toBe('ready');
    expect((await w.deps.federation.status(burst.name))?.ready).toBe(true);
    expect(await w.deps.dns.listOwned(w.deps.owner, { burstId: admitted })).toHaveLength(1);
    expect((await w.deps.gateway.listOwned({ burstId: admitted })).map((s) => s.state)).toEqual(['ready']);
  });

  it('still deletes what a closed burst left behind', async () => {
    w = await startLifecycleWorld();
    const burst = await w.admit();
    const active = await w.walkTo(burst.id, 'Active');
    // The record is closed behind the resources' back, as after a crash mid-teardown.
    await commit(w.deps, active, 'Failed', 'test: record closed, resources kept');
    const report = await reconcile(w.deps);
    expect(report.orphans.clusters).toEqual([`simulated/${active.name}`]);
    expect(report.orphans.members).toEqual([active.name]);
    expect(report.orphans.gatewayServers).toHaveLength(1);
    expect(report.orphans.dnsRecords).toHaveLength(1);
  });
});
