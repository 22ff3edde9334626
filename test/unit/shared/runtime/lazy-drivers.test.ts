import { describe, expect, it } from 'vitest';
import type { ProviderCluster, ProviderDriver } from '../../../../shared/drivers/provider/provider.ts';
import { lazyProvider } from '../../../../shared/runtime/lazy-drivers.ts';

/** A provider with the methods a test needs; the others fail if called. */
function provider(extra: Partial<ProviderDriver> = {}): ProviderDriver {
  const unused = async (): Promise<never> => {
    throw new Error('not called in this test');
  };
  return {
    name: 'p',
    create: unused,
    describe: unused,
    delete: unused,
    resize: unused,
    list: async () => [{ name: 'cb-1' } as ProviderCluster],
    credentials: async () => ({ endpoint: 'https://x', caData: 'from-credentials' }) as never,
    ...extra,
  };
}

describe('lazyProvider', () => {
  it('builds the driver on the first call only and forwards each call to it', async () => {
    let builds = 0;
    const lazy = lazyProvider('capi', async () => {
      builds++;
      return provider();
    });
    expect([lazy.name, builds]).toEqual(['capi', 0]);
    expect(await lazy.list('owner')).toEqual([{ name: 'cb-1' }]);
    await lazy.list('owner');
    expect(builds).toBe(1);
  });

  it("answers clusterCa from the driver's own method, or from its credentials when it has none", async () => {
    const withCa = lazyProvider('a', async () => provider({ clusterCa: async () => 'own-ca' }));
    const without = lazyProvider('b', async () => provider());
    expect([await withCa.clusterCa!('cb-1'), await without.clusterCa!('cb-1')]).toEqual([
      'own-ca',
      'from-credentials',
    ]);
  });
});

describe('lazyFederation', () => {
  it('says whether the federation routes in-cluster before the driver is built (the route step reads it first)', async () => {
    const { lazyFederation } = await import('../../../../shared/runtime/lazy-drivers.ts');
    const { inClusterRouting } = await import('../../../../shared/runtime/build-drivers.ts');
    const { loadConfig } = await import('../../../../shared/config/load-config.ts');
    let built = 0;
    const build = async () => {
      built += 1;
      throw new Error('not needed');
    };
    const liqo = loadConfig({
      value: { federation: { driver: 'liqo', options: { inCluster: true, inClusterRouting: true } } },
    });
    expect(lazyFederation('liqo', build, inClusterRouting(liqo)).inClusterRouting).toBe(true);
    const simulated = loadConfig({ value: {} });
    expect(lazyFederation('simulated', build, inClusterRouting(simulated)).inClusterRouting).toBe(false);
    expect(built).toBe(0);
  });
});
