import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  credentialsFromKubeconfig,
  kubeConfigFromCredentials,
} from '../../../../../shared/drivers/kube/credentials.ts';
import { DriverError } from '../../../../../shared/errors.ts';

const kubeconfig = (current: string) =>
  stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'a', cluster: { server: 'https://a.example:6443', 'certificate-authority-data': 'Q0FB' } },
      { name: 'b', cluster: { server: 'https://b.example:6443' } },
    ],
    users: [
      { name: 'ua', user: { token: 'token-a' } },
      { name: 'ub', user: { 'client-certificate-data': 'Q0VSVA==', 'client-key-data': 'S0VZ' } },
    ],
    contexts: [
      { name: 'ca', context: { cluster: 'a', user: 'ua' } },
      { name: 'cb', context: { cluster: 'b', user: 'ub' } },
    ],
    'current-context': current,
  });

describe('credentialsFromKubeconfig', () => {
  it.each([
    ['ca', { endpoint: 'https://a.example:6443', caData: 'Q0FB', token: 'token-a' }],
    ['cb', { endpoint: 'https://b.example:6443', clientCertData: 'Q0VSVA==', clientKeyData: 'S0VZ' }],
  ])('reads the cluster and user of the current context %s', (current, expected) => {
    const text = kubeconfig(current);
    expect(credentialsFromKubeconfig('capi', text)).toEqual({ ...expected, kubeconfig: text });
  });

  it('says what is wrong with a broken kubeconfig without quoting it', () => {
    const broken = 'users:\n- user: {token: s3cr3t-t0ken\n';
    const error = (() => {
      try {
        credentialsFromKubeconfig('capi', broken);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DriverError);
    expect((error as Error).message).toBe('capi: the kubeconfig is not valid YAML');
    expect(() => credentialsFromKubeconfig('capi', stringify({ clusters: [] }))).toThrow(
      /no cluster with a server/,
    );
  });
});

describe('kubeConfigFromCredentials', () => {
  it('builds one cluster and user from the fields, verifying TLS for https', () => {
    const kc = kubeConfigFromCredentials({ endpoint: 'https://m.example:6443', caData: 'Q0FB', token: 't' });
    expect(kc.getCurrentCluster()).toMatchObject({
      server: 'https://m.example:6443',
      caData: 'Q0FB',
      skipTLSVerify: false,
    });
    expect(kc.getCurrentUser()).toMatchObject({ token: 't' });
  });

  it('accepts a plain-HTTP endpoint, which has no TLS to verify', () => {
    expect(
      kubeConfigFromCredentials({ endpoint: 'http://127.0.0.1:8080', token: 't' }).getCurrentCluster()
        ?.skipTLSVerify,
    ).toBe(true);
  });

  it('prefers the whole kubeconfig when the provider handed one out', () => {
    const kc = kubeConfigFromCredentials({ endpoint: 'https://ignored', kubeconfig: kubeconfig('cb') });
    expect(kc.getCurrentCluster()?.server).toBe('https://b.example:6443');
    expect(kc.getCurrentUser()?.certData).toBe('Q0VSVA==');
  });
});
