import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../../shared/config/load-config.ts';
import { controlPlaneCsr, publicKeyPem } from '../../../../../shared/drivers/federation/liqo-csr.ts';
import { LiqoOptionsSchema } from '../../../../../shared/drivers/federation/liqo-options.ts';

describe('liqo federation options', () => {
  it('defaults to the per-node cap, LocalAndRemote and no in-cluster routing', () => {
    expect(LiqoOptionsSchema.parse({ kubeconfigPath: '/etc/home.kubeconfig' })).toMatchObject({
      liqoNamespace: 'liqo',
      tokenNamespace: 'clusterburst-liqo',
      resources: {},
      perNode: { cpu: 4, memoryMiB: 16384, pods: 110 },
      podOffloadingStrategy: 'LocalAndRemote',
      inClusterRouting: false,
    });
  });

  it('refuses a cap that is not a Kubernetes quantity and an unknown strategy, naming the field', () => {
    const load = (options: unknown) => () =>
      loadConfig({ value: { federation: { driver: 'liqo', options } } });
    expect(load({ resources: { cpu: 'four' } })).toThrow(
      /federation\.options\.resources\.cpu: must be a Kubernetes quantity/,
    );
    expect(load({ podOffloadingStrategy: 'Anywhere' })).toThrow(/federation\.options\.podOffloadingStrategy/);
    expect(load({ kubeconfig: 'x', inCluster: true })).toThrow(
      /federation\.options\.inCluster: give only one of kubeconfig, inCluster/,
    );
  });
});

describe('the certificate request a Liqo consumer sends in its Tenant', () => {
  it.each(['ed25519', 'rsa'] as const)(
    'is a PKCS#10 request OpenSSL verifies, O=liqo.io CN=<cluster id> (%s key)',
    (type) => {
      const { privateKey } =
        type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
      const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const file = join(mkdtempSync(join(tmpdir(), 'cb-csr-')), 'req.pem');
      writeFileSync(file, controlPlaneCsr(pem, 'home-cluster-1'));
      const out = execFileSync('openssl', ['req', '-in', file, '-noout', '-verify', '-subject', '-pubkey'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      expect(out).toMatch(/subject=O\s*=\s*liqo\.io, CN\s*=\s*home-cluster-1/);
      expect(out).toContain(publicKeyPem(pem).trim());
    },
  );
});
