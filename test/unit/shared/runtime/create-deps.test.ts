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

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: 'https://127.0.0.1:6443' } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`;

/** Every lazily built capability configured with an option its driver refuses. */
const BROKEN: ConfigInput = {
  providers: [
    {
      name: 'aws',
      driver: 'eks',
      regions: ['eu-west-1'],
      pricePerNodeHour: 0.2,
      options: { region: 'eu-west-1' },
    },
  ],
  federation: { driver: 'karmada', options: { kubeconfig: KUBECONFIG, colour: 1 } },
  gateway: { driver: 'haproxy', options: { timeoutMs: 1000 } },
  load: { driver: 'prometheus', options: { query: 'max(up)' } },
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
  it('succeeds with a gateway option that cannot build, and fails only when the gateway is called, naming the field', async () => {
    const deps = await createDeps(config({ gateway: { driver: 'haproxy', options: { timeoutMs: 1000 } } }));
    built.push(deps);
    expect(deps.gateway.name).toBe('haproxy');
    expect(await deps.store.list()).toEqual([]);
    const failure = deps.gateway.listOwned().catch((error: unknown) => error);
    expect(await failure).toBeInstanceOf(ConfigError);
    expect(((await failure) as Error).message).toMatch(/gateway\.options\.runtime/);
    // Asked again, it tries again and says the same.
    await expect(
      deps.gateway.add({ backend: 'web', server: 'cb-x', burstId: 'b-x', address: '127.0.0.1', port: 1 }),
    ).rejects.toThrow(/gateway\.options\.runtime/);
  });

  it('reports the configured names and builds nothing until a method is called', async () => {
    const deps = await createDeps(config(BROKEN));
    built.push(deps);
    expect([
      deps.providers.get('aws')?.name,
      deps.federation.name,
      deps.gateway.name,
      deps.load.name,
    ]).toEqual(['aws', 'karmada', 'haproxy', 'prometheus']);
    await expect(deps.providers.get('aws')!.list('owner')).rejects.toThrow(
      /providers\.aws\.options: roleArn/,
    );
    await expect(deps.federation.list('owner')).rejects.toThrow(/federation\.options.*colour/);
    await expect(deps.load.observe({ clusters: [], windowSeconds: 60, now: new Date() })).rejects.toThrow(
      /load\.options.*url/,
    );
  });

  it('closes cleanly when no lazily built driver was ever used', async () => {
    const deps = await createDeps(config(BROKEN));
    await expect(closeDeps(deps)).resolves.toBeUndefined();
  });

  it('with eager, fails at once naming the field, as the local runtime wants at start', async () => {
    await expect(
      createDeps(config({ gateway: { driver: 'haproxy', options: { timeoutMs: 1000 } } }), { eager: true }),
    ).rejects.toThrow(/gateway\.options\.runtime/);
  });

  it('with eager, hands out the drivers themselves', async () => {
    const deps = await createDeps(config({}), { eager: true });
    built.push(deps);
    expect(deps.gateway).toBeInstanceOf(MemoryGateway);
  });

  it('uses an override as the driver itself, never wrapped', async () => {
    const gateway = new MemoryGateway();
    const deps = await createDeps(config(BROKEN), { overrides: { gateway } });
    built.push(deps);
    expect(deps.gateway).toBe(gateway);
  });
});
