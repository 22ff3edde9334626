import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../../../shared/config/config-schema.ts';
import { loadConfig } from '../../../../shared/config/load-config.ts';
import type { Deps } from '../../../../shared/core/deps.ts';
import { MemoryGateway } from '../../../../shared/drivers/gateway/memory.ts';
import { ConfigError } from '../../../../shared/errors.ts';
import { closeDeps, createDeps } from '../../../../shared/runtime/create-deps.ts';

/** A kubeconfig file that is not there: valid options, but a driver that cannot be built. */
const MISSING = '/nonexistent/clusterburst/kubeconfig';
const GATEWAY_API_UNBUILDABLE = { driver: 'gateway-api', options: { kubeconfigPath: MISSING } } as const;

/** Every lazily built capability configured with options that pass the schema but cannot build. */
const UNBUILDABLE: ConfigInput = {
  providers: [
    {
      name: 'capi',
      driver: 'clusterapi',
      regions: ['r1'],
      pricePerNodeHour: 0.2,
      options: { kubeconfigPath: MISSING, classRef: { name: 'c' }, kubernetesVersion: 'v1.33.1' },
    },
  ],
  federation: { driver: 'karmada', options: { kubeconfigPath: MISSING } },
  gateway: GATEWAY_API_UNBUILDABLE,
  load: { driver: 'prometheus', options: { url: 'http://127.0.0.1:9', query: 'max(up)' } },
};

let dir: string;
const built: Deps[] = [];

function config(value: ConfigInput) {
  dir = mkdtempSync(join(tmpdir(), 'cb-create-deps-'));
  return loadConfig({ value: { stateDir: dir, store: { path: ':memory:' }, logLevel: 'ERROR', ...value } });
}

afterEach(async () => {
  for (const deps of built.splice(0)) await closeDeps(deps);
  rmSync(dir, { recursive: true, force: true });
});

describe('createDeps', () => {
  it('succeeds with a gateway that cannot build, and fails only when the gateway is called, naming the field', async () => {
    const deps = await createDeps(config({ gateway: GATEWAY_API_UNBUILDABLE }));
    built.push(deps);
    expect(deps.gateway.name).toBe('gateway-api');
    expect(await deps.store.list()).toEqual([]);
    const failure = deps.gateway.listOwned().catch((error: unknown) => error);
    expect(await failure).toBeInstanceOf(ConfigError);
    expect(((await failure) as Error).message).toMatch(/gateway\.options: cannot load the kubeconfig/);
    // Asked again, it tries again and says the same.
    await expect(
      deps.gateway.add({ backend: 'web', server: 'cb-x', burstId: 'b-x', address: '127.0.0.1', port: 1 }),
    ).rejects.toThrow(/gateway\.options: cannot load the kubeconfig/);
  });

  it('reports the configured names and builds nothing until a method is called', async () => {
    const deps = await createDeps(config(UNBUILDABLE));
    built.push(deps);
    expect([
      deps.providers.get('capi')?.name,
      deps.federation.name,
      deps.gateway.name,
      deps.load.name,
    ]).toEqual(['capi', 'karmada', 'gateway-api', 'prometheus']);
    await expect(deps.providers.get('capi')!.list('owner')).rejects.toThrow(
      /providers\.capi\.options: cannot load the kubeconfig/,
    );
    await expect(deps.federation.list('owner')).rejects.toThrow(
      /federation\.options: cannot load the kubeconfig/,
    );
  });

  it('closes cleanly when no lazily built driver was ever used', async () => {
    const deps = await createDeps(config(UNBUILDABLE));
    await expect(closeDeps(deps)).resolves.toBeUndefined();
  });

  it('with eager, fails at once naming the field, as the local runtime wants at start', async () => {
    await expect(createDeps(config({ gateway: GATEWAY_API_UNBUILDABLE }), { eager: true })).rejects.toThrow(
      /gateway\.options: cannot load the kubeconfig/,
    );
  });

  it('with eager, hands out the drivers themselves', async () => {
    const deps = await createDeps(config({}), { eager: true });
    built.push(deps);
    expect(deps.gateway).toBeInstanceOf(MemoryGateway);
  });

  it('uses an override as the driver itself, never wrapped', async () => {
    const gateway = new MemoryGateway();
    const deps = await createDeps(config(UNBUILDABLE), { overrides: { gateway } });
    built.push(deps);
    expect(deps.gateway).toBe(gateway);
  });
});
