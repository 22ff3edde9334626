import { join } from 'node:path';
import type { Config, ProviderEntry } from '../config/config-schema.ts';
import type { EventBus } from '../drivers/bus/bus.ts';
import type { DnsDriver } from '../drivers/dns/dns.ts';
import type { FederationDriver } from '../drivers/federation/federation.ts';
import type { GatewayDriver } from '../drivers/gateway/gateway.ts';
import type { LoadDriver } from '../drivers/load/load.ts';
import type { ProviderDriver } from '../drivers/provider/provider.ts';
import type { BurstStore } from '../drivers/store/store.ts';
import { ConfigError } from '../errors.ts';

/**
 * Builds the configured driver of each capability from the loaded configuration, whose options
 * were parsed with each driver's schema when it loaded (shared/config/driver-schemas.ts): nothing
 * is parsed here. Drivers are imported on demand so that a bundle only loads the ones its
 * configuration names (esbuild splits them into chunks). This lives in the runtime, not in
 * shared/drivers, because it reads the configuration: drivers never import it.
 */

/** How to build each driver of a capability, by driver name (a missing driver does not compile). */
type Builders<E extends { readonly driver: string }, T> = {
  readonly [D in E['driver']]: (entry: Extract<E, { readonly driver: D }>, config: Config) => Promise<T>;
};

/** Build `entry` with its driver's builder; `field` names the configuration field in the error. */
function build<E extends { readonly driver: string }, T>(
  field: string,
  builders: Builders<E, T>,
  entry: E,
  config: Config,
): Promise<T> {
  const builder = (
    builders as unknown as Record<string, ((entry: E, config: Config) => Promise<T>) | undefined>
  )[entry.driver];
  if (!builder)
    throw new ConfigError(`configuration ${field}: driver "${entry.driver}" is not available in this build`);
  return builder(entry, config);
}

const PROVIDERS: Builders<ProviderEntry, ProviderDriver> = {
  simulated: async (entry, config) => {
    const { SimulatedProvider } = await import('../drivers/provider/simulated.ts');
    const provider = new SimulatedProvider(entry.name, {
      inventoryFile: join(config.stateDir, `${entry.name}-inventory.json`),
      ...entry.options,
    });
    await provider.restore();
    return provider;
  },
  clusterapi: async (e) =>
    new (await import('../drivers/provider/clusterapi.ts')).ClusterApiProvider(e.name, e.options),
  eks: async (e) => new (await import('../drivers/provider/eks.ts')).EksProvider(e.name, e.options),
  gke: async (e) => new (await import('../drivers/provider/gke.ts')).GkeProvider(e.name, e.options),
  aks: async (e) => new (await import('../drivers/provider/aks.ts')).AksProvider(e.name, e.options),
  magnum: async (e) => new (await import('../drivers/provider/magnum.ts')).MagnumProvider(e.name, e.options),
};

const FEDERATIONS: Builders<Config['federation'], FederationDriver> = {
  simulated: async (e) => {
    const { SimulatedFederation } = await import('../drivers/federation/simulated.ts');
    const simulated = new SimulatedFederation(e.options);
    await simulated.restore();
    return simulated;
  },
  karmada: async (e, config) =>
    new (await import('../drivers/federation/karmada.ts')).KarmadaFederation(
      e.options,
      undefined,
      config.installation.id,
    ),
  kubefed: async (e, config) =>
    new (await import('../drivers/federation/kubefed.ts')).KubefedFederation(
      e.options,
      undefined,
      config.installation.id,
    ),
  liqo: async (e, config) =>
    new (await import('../drivers/federation/liqo.ts')).LiqoFederation(
      e.options,
      undefined,
      config.installation.id,
    ),
};

const DNS: Builders<Config['dns'], DnsDriver> = {
  memory: async () => new (await import('../drivers/dns/memory.ts')).MemoryDns(),
  rfc2136: async (e) => new (await import('../drivers/dns/rfc2136/rfc2136.ts')).Rfc2136Dns(e.options),
  powerdns: async (e) => new (await import('../drivers/dns/powerdns.ts')).PowerDns(e.options),
  route53: async (e) => new (await import('../drivers/dns/route53.ts')).Route53Dns(e.options),
};

/** Gateways are scoped to this installation's servers. */
const GATEWAYS: Builders<Config['gateway'], GatewayDriver> = {
  memory: async (_, config) =>
    new (await import('../drivers/gateway/memory.ts')).MemoryGateway({ owner: config.installation.id }),
  haproxy: async (e, config) =>
    new (await import('../drivers/gateway/haproxy.ts')).HaproxyGateway(e.options, {
      owner: config.installation.id,
    }),
  'gateway-api': async (e, config) => {
    const { GatewayApiGateway } = await import('../drivers/gateway/gateway-api.ts');
    const { loadKubeConfig } = await import('../drivers/kube/kubeconfig-source.ts');
    return new GatewayApiGateway(loadKubeConfig(e.options, 'gateway.options'), e.options, {
      owner: config.installation.id,
    });
  },
  // Every routed service has its pool: the configuration checked that when it loaded.
  octavia: async (e, config) =>
    new (await import('../drivers/gateway/octavia.ts')).OctaviaGateway(e.options, {
      owner: config.installation.id,
    }),
};

const STORES: Builders<Config['store'], BurstStore> = {
  sqlite: async (e) =>
    new (await import('../drivers/store/sqlite.ts')).SqliteStore(e.path, {
      retentionSeconds: e.retentionSeconds,
    }),
  kubernetes: async (e, config) => {
    const { KubernetesStore } = await import('../drivers/store/kubernetes.ts');
    const { loadKubeConfig } = await import('../drivers/kube/kubeconfig-source.ts');
    return new KubernetesStore({
      kubeConfig: loadKubeConfig(e.options, 'store.options'),
      namespace: e.options.namespace,
      owner: config.installation.id,
      retentionSeconds: e.retentionSeconds,
    });
  },
  dynamodb: async (e, config) =>
    (await import('../drivers/store/dynamodb.ts')).DynamoDbStore.create({
      ...e.options,
      owner: config.installation.id,
      retentionSeconds: e.retentionSeconds,
    }),
};

const BUSES: Builders<Config['bus'], EventBus> = {
  memory: async () => new (await import('../drivers/bus/memory.ts')).MemoryBus(),
  eventbridge: async (e) => new (await import('../drivers/bus/eventbridge.ts')).EventBridgeBus(e.options),
};

const LOADS: Builders<Config['load'], LoadDriver> = {
  signal: async () => new (await import('../drivers/load/signal.ts')).SignalLoad(),
  prometheus: async (e) => new (await import('../drivers/load/prometheus.ts')).PrometheusLoad(e.options),
};

/** The configured provider `entry`. */
export const createProvider = (entry: ProviderEntry, config: Config): Promise<ProviderDriver> =>
  build('providers', PROVIDERS, entry, config);
/** The configured federation driver. */
export const createFederation = (config: Config): Promise<FederationDriver> =>
  build('federation', FEDERATIONS, config.federation, config);
/** Whether the configured federation routes in-cluster (Liqo with `inClusterRouting`). */
export const inClusterRouting = (config: Config): boolean =>
  config.federation.driver === 'liqo' && config.federation.options.inClusterRouting;
/** The configured DNS driver. */
export const createDns = (config: Config): Promise<DnsDriver> => build('dns', DNS, config.dns, config);
/** The configured gateway driver, scoped to this installation's servers. */
export const createGateway = (config: Config): Promise<GatewayDriver> =>
  build('gateway', GATEWAYS, config.gateway, config);
/** The configured store. */
export const createStore = (config: Config): Promise<BurstStore> =>
  build('store', STORES, config.store, config);
/** The configured bus. */
export const createBus = (config: Config): Promise<EventBus> => build('bus', BUSES, config.bus, config);
/** The configured load driver. */
export const createLoad = (config: Config): Promise<LoadDriver> => build('load', LOADS, config.load, config);
