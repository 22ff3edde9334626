import { describe, expect, it } from 'vitest';
import { checkDeployConfig } from '../../../scripts/check-deploy-config.ts';

describe('the configuration a cloud build ships', () => {
  it('stops the build when server.auth is missing, naming the field and the opt-out', () => {
    expect(() => checkDeployConfig('store: { driver: kubernetes }\n', 'site.yaml')).toThrow(
      /^site\.yaml: configuration server\.auth: a cloud deployment needs a bearerToken or basic credentials \(or "auth: none"/,
    );
  });

  it('accepts a bearer token given by reference, whose value only the function knows', () => {
    expect(() =>
      checkDeployConfig('server: { auth: { bearerToken: "env:CLUSTERBURST_TOKEN" } }\n', 'site.yaml'),
    ).not.toThrow();
  });

  it('accepts basic credentials, and the explicit choice to serve without any', () => {
    const basic = 'server: { auth: { basic: { username: am, password: "env:PW" } } }\n';
    expect(() => checkDeployConfig(basic, 'site.yaml')).not.toThrow();
    expect(() => checkDeployConfig('server: { auth: none }\n', 'site.yaml')).not.toThrow();
  });

  it('still names an invalid field of the schema', () => {
    expect(() =>
      checkDeployConfig('server: { auth: none }\npolicy: { maxClusters: -1 }\n', 'x.yaml'),
    ).toThrow(/^x\.yaml: .*policy\.maxClusters/);
  });
});
