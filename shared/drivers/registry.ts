import { join } from 'node:path';
import { z } from 'zod';
import type { Config, ProviderEntry } from '../config/config-schema.ts';
import { ConfigError } from '../errors.ts';
import { parseInput } from '../schemas/parse.ts';
import type { EventBus } from './bus/bus.ts';
import type { DnsDriver } from './dns/dns.ts';
import type { FederationDriver } from './federation/federation.ts';
import type { GatewayDriver } from './gateway/gateway.ts';
import type { LoadDriver } from './load/load.ts';
import type { ProviderDriver } from './provider/provider.ts';
import type { BurstStore } from './store/store.ts';

/**
 * Builds the configured driver of each capability. Drivers are imported on demand so that a
 * bundle only loads the ones its configuration names (esbuild splits them into chunks).
 */
export async function createProvider(entry: ProviderEntry, config: Config): Promise<ProviderDriver> {
  switch (entry.driver) {
    case 'simulated': {
      const { SimulatedProvider } = await import('./provider/simulated.ts');
      const provider = new SimulatedProvider(entry.name, {
        inventoryFile: join(config.stateDir, `${entry.name}-inventory.json`),
        ...entry.options,
      });
      await provider.restore();
      return provider;
    }
    case 'clusterapi': {
      const { ClusterApiProvider, ClusterApiOptionsSchema } = await import('./provider/clusterapi.ts');
      return new ClusterApiProvider(
        entry.name,
        parseInput(ClusterApiOptionsSchema, entry.options, where(entry)),
      );
    }
    case 'eks': {
      const { EksProvider, EksOptionsSchema } = await import('./provider/eks.ts');
      return new EksProvider(entry.name, parseInput(EksOptionsSchema, entry.options, where(entry)));
    }
    case 'gke': {
      const { GkeProvider, GkeOptionsSchema } = await import('./provider/gke.ts');
      return new GkeProvider(entry.name, parseInput(GkeOptionsSchema, entry.options, where(entry)));
    }
    case 'aks': {
      const { AksProvider, AksOptionsSchema } = await import('./provider/aks.ts');
      return new AksProvider(entry.name, parseInput(AksOptionsSchema, entry.options, where(entry)));
    }
    case 'magnum': {
      const { MagnumProvider, MagnumOptionsSchema } = await import('./provider/magnum.ts');
      return new MagnumProvider(entry.name, parseInput(MagnumOptionsSchema, entry.options, where(entry)));
    }
    default:
      throw notYet('providers', entry.driver);
  }
}

/** The configured federation driver. */
export async function createFederation(config: Config): Promise<FederationDriver> {
  switch (config.federation.driver) {
    case 'simulated': {
      const { SimulatedFederation } = await import('./federation/simulated.ts');
      return new SimulatedFederation();
    }
    case 'karmada': {
      const { KarmadaFederation, KarmadaOptionsSchema } = await import('./federation/karmada.ts');
      return new KarmadaFederation(
        parseInput(KarmadaOptionsSchema, config.federation.options, 'configuration federation.options'),
        undefined,
        config.installation.id,
      );
    }
    case 'kubefed': {
      const { KubefedFederation, KubefedOptionsSchema } = await import('./federation/kubefed.ts');
      return new KubefedFederation(
        parseInput(KubefedOptionsSchema, config.federation.options, 'configuration federation.options'),
        undefined,
        config.installation.id,
      );
    }
    default:
      throw notYet('federation', config.federation.driver);
  }
}

/** The configured DNS driver. */
export async function createDns(config: Config): Promise<DnsDriver> {
  switch (config.dns.driver) {
    case 'memory': {
      const { MemoryDns } = await import('./dns/memory.ts');
      return new MemoryDns();
    }
    case 'rfc2136': {
      const { Rfc2136Dns } = await import('./dns/rfc2136/rfc2136.ts');
      return new Rfc2136Dns({ zone: config.dns.zone, ...config.dns.options } as ConstructorParameters<
        typeof Rfc2136Dns
      >[0]);
    }
    case 'powerdns': {
      const { PowerDns } = await import('./dns/powerdns.ts');
      return new PowerDns({ zone: config.dns.zone, ...config.dns.options } as ConstructorParameters<
        typeof PowerDns
      >[0]);
    }
    case 'route53': {
      const { Route53Dns } = await import('./dns/route53.ts');
      return new Route53Dns({ zone: config.dns.zone, ...config.dns.options } as ConstructorParameters<
        typeof Route53Dns
      >[0]);
    }
    default:
      throw notYet('dns', config.dns.driver);
  }
}

/** The configured gateway driver, scoped to this installation's servers. */
export async function createGateway(config: Config): Promise<GatewayDriver> {
  const owner = config.installation.id;
  switch (config.gateway.driver) {
    case 'memory': {
      const { MemoryGateway } = await import('./gateway/memory.ts');
      return new MemoryGateway({ owner });
    }
    case 'haproxy': {
      const { HaproxyGateway } = await import('./gateway/haproxy.ts');
      return new HaproxyGateway(config.gateway.options as ConstructorParameters<typeof HaproxyGateway>[0], {
        owner,
      });
    }
    case 'gateway-api': {
      const { GatewayApiGateway, GatewayApiOptionsSchema } = await import('./gateway/gateway-api.ts');
      const { loadKubeConfig } = await import('./kube/kubeconfig-source.ts');
      const options = parseInput(
        GatewayApiOptionsSchema,
        config.gateway.options,
        'configuration gateway.options',
      );
      return new GatewayApiGateway(loadKubeConfig(options), options, { owner });
    }
    case 'octavia': {
      const { OctaviaGateway } = await import('./gateway/octavia.ts');
      const { OctaviaGatewayOptionsSchema } = await import('./gateway/octavia-options.ts');
      const options = parseInput(
        OctaviaGatewayOptionsSchema,
        config.gateway.options,
        'configuration gateway.options',
      );
      // Every routed service needs its pool: say so at start-up, not at the first burst.
      const missing = config.services.map((s) => s.backend ?? s.name).find((b) => !(b in options.pools));
      if (missing !== undefined)
        throw new ConfigError(`configuration gateway.options.pools: no pool for backend "${missing}"`);
      return new OctaviaGateway(options, { owner: config.installation.id });
    }
    default:
      throw notYet('gateway', config.gateway.driver);
  }
}

/** The configured store. */
export async function createStore(config: Config): Promise<BurstStore> {
  switch (config.store.driver) {
    case 'sqlite': {
      const { SqliteStore } = await import('./store/sqlite.ts');
      return new SqliteStore(config.store.path, { retentionSeconds: config.store.retentionSeconds });
    }
    case 'kubernetes': {
      const { KubernetesStore } = await import('./store/kubernetes.ts');
      const { KUBECONFIG_SOURCE_FIELDS, loadKubeConfig } = await import('./kube/kubeconfig-source.ts');
      const options = parseInput(
        z.strictObject({ ...KUBECONFIG_SOURCE_FIELDS, namespace: z.string().min(1).optional() }),
        config.store.options,
        'configuration store.options',
      );
      return new KubernetesStore({
        kubeConfig: loadKubeConfig(options),
        namespace: options.namespace,
        owner: config.installation.id,
        retentionSeconds: config.store.retentionSeconds,
      });
    }
    case 'dynamodb': {
      const { DynamoDbStore, DynamoDbStoreOptionsSchema } = await import('./store/dynamodb.ts');
      const options = parseInput(
        DynamoDbStoreOptionsSchema,
        config.store.options,
        'configuration store.options',
      );
      return DynamoDbStore.create({
        ...options,
        owner: config.installation.id,
        retentionSeconds: config.store.retentionSeconds,
      });
    }
    default:
      throw notYet('store', config.store.driver);
  }
}

/** The configured bus. */
export async function createBus(config: Config): Promise<EventBus> {
  switch (config.bus.driver) {
    case 'memory': {
      const { MemoryBus } = await import('./bus/memory.ts');
      return new MemoryBus();
    }
    case 'eventbridge': {
      const { EventBridgeBus } = await import('./bus/eventbridge.ts');
      return EventBridgeBus.fromConfig(config.bus.options);
    }
    default:
      throw notYet('bus', config.bus.driver);
  }
}

/** The configured load driver. */
export async function createLoad(config: Config): Promise<LoadDriver> {
  switch (config.load.driver) {
    case 'signal': {
      const { SignalLoad } = await import('./load/signal.ts');
      return new SignalLoad();
    }
    case 'prometheus': {
      const { PrometheusLoad } = await import('./load/prometheus.ts');
      return PrometheusLoad.fromConfig(config.load.options);
    }
    default:
      throw notYet('load', config.load.driver);
  }
}

function where(entry: ProviderEntry): string {
  return `configuration providers.${entry.name}.options`;
}

function notYet(field: string, driver: string): ConfigError {
  return new ConfigError(`configuration ${field}: driver "${driver}" is not available in this build`);
}
