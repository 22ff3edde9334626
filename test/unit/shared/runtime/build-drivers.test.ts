import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../../../shared/config/config-schema.ts';
import { loadConfig } from '../../../../shared/config/load-config.ts';
import {
  createBus,
  createDns,
  createFederation,
  createGateway,
  createLoad,
  createProvider,
  createStore,
} from '../../../../shared/runtime/build-drivers.ts';

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: 'https://127.0.0.1:6443' } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`;

const config = (value: ConfigInput) => loadConfig({ value });

const OCTAVIA = {
  authUrl: 'https://keystone.example.org:5000/v3',
  auth: { type: 'applicationCredential', id: 'ac', secret: 's' },
  pools: { portal: 'portal-pool' },
};
const SERVICES = [{ name: 'portal', hostname: 'portal.example.org' }];

describe('building drivers from the loaded configuration', () => {
  it.each([
    [
      'dns rfc2136',
      () =>
        createDns(
          config({
            dns: {
              driver: 'rfc2136',
              zone: 'burst.example.org',
              options: {
                server: '127.0.0.1',
                keyName: 'k',
                keySecret: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0',
              },
            },
          }),
        ),
      'rfc2136',
    ],
    [
      'dns powerdns',
      () =>
        createDns(
          config({
            dns: {
              driver: 'powerdns',
              zone: 'burst.example.org',
              options: { apiUrl: 'http://127.0.0.1:8081', apiKey: 'k' },
            },
          }),
        ),
      'powerdns',
    ],
    [
      'gateway haproxy',
      () =>
        createGateway(config({ gateway: { driver: 'haproxy', options: { runtime: '/run/haproxy.sock' } } })),
      'haproxy',
    ],
    [
      'gateway gateway-api',
      () =>
        createGateway(config({ gateway: { driver: 'gateway-api', options: { kubeconfig: KUBECONFIG } } })),
      'gateway-api',
    ],
    [
      'gateway octavia',
      () =>
        createGateway(
          config({ gateway: { driver: 'octavia', options: OCTAVIA as never }, services: SERVICES }),
        ),
      'octavia',
    ],
    [
      'federation karmada',
      () =>
        createFederation(config({ federation: { driver: 'karmada', options: { kubeconfig: KUBECONFIG } } })),
      'karmada',
    ],
    [
      'federation kubefed',
      () =>
        createFederation(config({ federation: { driver: 'kubefed', options: { kubeconfig: KUBECONFIG } } })),
      'kubefed',
    ],
    [
      'bus eventbridge',
      () =>
        createBus(
          config({
            bus: { driver: 'eventbridge', options: { busName: 'clusterburst-ci', region: 'eu-west-1' } },
          }),
        ),
      'eventbridge',
    ],
    [
      'load prometheus',
      () =>
        createLoad(
          config({ load: { driver: 'prometheus', options: { url: 'http://127.0.0.1:9090', query: 'up' } } }),
        ),
      'prometheus',
    ],
  ])('builds the configured %s driver', async (_what, build, name) => {
    const driver = await build();
    expect(driver.name).toBe(name);
    await driver.close?.();
  });

  it('builds a Cluster API provider under its configured name', async () => {
    const c = config({
      providers: [
        {
          name: 'capi-ovh',
          driver: 'clusterapi',
          regions: ['gra'],
          pricePerNodeHour: 0.05,
          options: {
            kubeconfig: KUBECONFIG,
            classRef: { name: 'quick-start' },
            kubernetesVersion: 'v1.31.0',
          },
        },
      ],
    });
    const provider = await createProvider(c.providers[0]!, c);
    expect(provider.name).toBe('capi-ovh');
  });

  it('never gets a wrong driver option: the configuration refuses it when it loads, naming the field', () => {
    const eks = { name: 'aws', driver: 'eks' as const, regions: ['eu-west-1'], pricePerNodeHour: 0.2 };
    expect(() => config({ providers: [{ ...eks, options: { region: 'eu-west-1' } as never }] })).toThrow(
      /providers\.0\.options\.roleArn/,
    );
    expect(() =>
      config({ federation: { driver: 'karmada', options: { kubeconfig: KUBECONFIG, colour: 1 } as never } }),
    ).toThrow(/federation\.options: Unrecognized key: "colour"/);
  });

  it('refuses, when the configuration loads, an octavia gateway without a pool for a routed service', () => {
    expect(() =>
      config({
        gateway: { driver: 'octavia', options: OCTAVIA as never },
        services: [...SERVICES, { name: 'docs', hostname: 'docs.example.org', backend: 'docs-be' }],
      }),
    ).toThrow(/gateway\.options\.pools: no pool for backend "docs-be"/);
  });

  it('builds the dynamodb store on its table; a wrong store option fails when the configuration loads', async () => {
    const store = await createStore(
      config({
        store: { driver: 'dynamodb', options: { table: 'clusterburst-prod-state', region: 'eu-west-1' } },
      }),
    );
    expect(store.name).toBe('dynamodb');
    await store.close();
    expect(() => config({ store: { driver: 'dynamodb', options: { table: 'a b' } } })).toThrow(
      /store\.options\.table/,
    );
    expect(() =>
      config({ store: { driver: 'dynamodb', options: { table: 'states', endpoint: 'not a url' } } }),
    ).toThrow(/store\.options\.endpoint/);
  });
});
