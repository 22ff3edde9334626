import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../../../../shared/config/load-config.ts';
import { loadKubeConfig } from '../../../../../shared/drivers/kube/kubeconfig-source.ts';
import { ConfigError } from '../../../../../shared/errors.ts';

const text = stringify({
  apiVersion: 'v1',
  kind: 'Config',
  clusters: [
    { name: 'one', cluster: { server: 'https://one.example' } },
    { name: 'two', cluster: { server: 'https://two.example' } },
  ],
  users: [{ name: 'u', user: { token: 'tok' } }],
  contexts: [
    { name: 'one', context: { cluster: 'one', user: 'u' } },
    { name: 'two', context: { cluster: 'two', user: 'u' } },
  ],
  'current-context': 'one',
});

describe('loadKubeConfig', () => {
  it('loads an inline kubeconfig, and switches context on request', () => {
    expect(loadKubeConfig({ kubeconfig: text }).getCurrentCluster()?.server).toBe('https://one.example');
    expect(loadKubeConfig({ kubeconfig: text, context: 'two' }).getCurrentCluster()?.server).toBe(
      'https://two.example',
    );
  });

  it('loads a kubeconfig file by path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-kubeconfig-'));
    try {
      writeFileSync(join(dir, 'config'), text);
      expect(loadKubeConfig({ kubeconfigPath: join(dir, 'config') }).getCurrentCluster()?.server).toBe(
        'https://one.example',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [{ kubeconfig: text, kubeconfigPath: '/x' }, /give only one of kubeconfig, kubeconfigPath/],
    [{ kubeconfig: text, context: 'three' }, /context: no context named "three"/],
    [{ kubeconfigPath: '/does/not/exist' }, /cannot load the kubeconfig from kubeconfigPath: .*ENOENT/],
  ])('refuses %o with a ConfigError naming the field', (source, message) => {
    expect(() => loadKubeConfig(source, 'federation.options')).toThrow(ConfigError);
    expect(() => loadKubeConfig(source, 'federation.options')).toThrow(message);
  });

  it('does not quote an inline kubeconfig that fails to load (it may hold a token)', () => {
    expect(() => loadKubeConfig({ kubeconfig: 'users: [{user: {token: s3cr3t' })).toThrow(
      /^kubeconfig: cannot load the kubeconfig from kubeconfig: not a valid kubeconfig$/,
    );
  });
});

describe('kubeconfig-source options in the configuration', () => {
  it('applies the defaults of a driver schema when the configuration loads', () => {
    const config = loadConfig({
      value: { federation: { driver: 'karmada', options: { kubeconfig: text } } },
    });
    expect(config.federation.options).toEqual({
      kubeconfig: text,
      clusterNamespace: 'karmada-cluster',
      memberNamespace: 'karmada-cluster',
      tokenTimeoutSeconds: 30,
      leaveTimeoutSeconds: 600,
      homeClusters: { matchExpressions: [{ key: 'clusterburst.io/burst', operator: 'DoesNotExist' }] },
      homeWeight: 1,
      burstWeight: 1,
      policyPriority: 100,
      bindingWaitSeconds: 10,
    });
  });

  it('refuses two kubeconfig sources when the configuration loads, naming the second', () => {
    expect(() =>
      loadConfig({
        value: {
          store: { driver: 'kubernetes', options: { kubeconfig: text, kubeconfigPath: '/etc/kubeconfig' } },
        },
      }),
    ).toThrow(/store\.options\.kubeconfigPath: give only one of kubeconfig, kubeconfigPath/);
  });

  it('names the field of a bad option', () => {
    expect(() =>
      loadConfig({ value: { federation: { driver: 'karmada', options: { clusterNamspace: 'x' } } } }),
    ).toThrow(/invalid configuration embedded defaults: federation\.options: .*clusterNamspace/);
  });
});
