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
export async function createProvider(entry: ProviderEntry, config: Config): Promise<ProviderDriver> {
  switch (entry.driver) {
    case 'simulated': {
      const { SimulatedProvider } = await import('../drivers/provider/simulated.ts');
      const provider = new SimulatedProvider(entry.name, {
        inventoryFile: join(config.stateDir, `${entry.name}-inventory.json`),
        ...entry.options,
      });
      await provider.restore();
      return provider;
    }
    case 'clusterapi': {
      const { ClusterApiProvider } = await import('../drivers/provider/clusterapi.ts');
      return new ClusterApiProvider(entry.name, entry.options);
    }
    case 'eks': {
      const { EksProvider } = await import('../drivers/provider/eks.ts');
      return new EksProvider(entry.name, entry.options);
    }
    case 'gke': {
      const { GkeProvider } = await import('../drivers/provider/gke.ts');
      return new GkeProvider(entry.name, entry.options);
    }
    case 'aks': {
      const { AksProvider } = await import('../drivers/provider/aks.ts');
      return new AksProvider(entry.name, entry.options);
    }
    case 'magnum': {
      const { MagnumProvider } = await import('../drivers/provider/magnum.ts');
      return new MagnumProvider(entry.name, entry.options);
    }
    default:
      throw notYet('providers', (entry as { driver: string }).driver);
  }
}

/** The configured federation driver. */
export async function createFederation(config: Config): Promise<FederationDriver> {
  const federation = config.federation;
  switch (federation.driver) {
    case 'simulated': {
      const { SimulatedFederation } = await import('../drivers/federation/simulated.ts');
      return new SimulatedFederation();
    }
    case 'karmada': {
      const { KarmadaFederation } = await import('../drivers/federation/karmada.ts');
      return new KarmadaFederation(federation.options, undefined, config.installation.id);
    }
    case 'kubefed': {
      const { KubefedFederation } = await import('../drivers/federation/kubefed.ts');
      return new KubefedFederation(federation.options, undefined, config.installation.id);
    }
    case 'liqo': {
      const { LiqoFederation } = await import('../drivers/federation/liqo.ts');
      return new LiqoFederation(federation.options, undefined, config.installation.id);
    }
    default:
      throw notYet('federation', (federation as { driver: string }).driver);
  }
}

/** The configured DNS driver. */
export async function createDns(config: Config): Promise<DnsDriver> {
  const dns = config.dns;
  switch (dns.driver) {
    case 'memory': {
      const { MemoryDns } = await import('../drivers/dns/memory.ts');
      return new MemoryDns();
    }
    case 'rfc2136': {
      const { Rfc2136Dns } = await import('../drivers/dns/rfc2136/rfc2136.ts');
      return new Rfc2136Dns(dns.options);
    }
    case 'powerdns': {
      const { PowerDns } = await import('../drivers/dns/powerdns.ts');
      return new PowerDns(dns.options);
    }
    case 'route53': {
      const { Route53Dns } = await import('../drivers/dns/route53.ts');
      return new Route53Dns(dns.options);
    }
    default:
      throw notYet('dns', (dns as { driver: string }).driver);
  }
}

/** The configured gateway driver, scoped to this installation's servers. */
export async function createGateway(config: Config): Promise<GatewayDriver> {
  const owner = config.installation.id;
  const gateway = config.gateway;
  switch (gateway.driver) {
    case 'memory': {
      const { MemoryGateway } = await import('../drivers/gateway/memory.ts');
      return new MemoryGateway({ owner });
    }
    case 'haproxy': {
      const { HaproxyGateway } = await import('../drivers/gateway/haproxy.ts');
      return new HaproxyGateway(gateway.options, { owner });
    }
    case 'gateway-api': {
      const { GatewayApiGateway } = await import('../drivers/gateway/gateway-api.ts');
      const { loadKubeConfig } = await import('../drivers/kube/kubeconfig-source.ts');
      return new GatewayApiGateway(loadKubeConfig(gateway.options, 'gateway.options'), gateway.options, {
        owner,
      });
    }
    case 'octavia': {
      const { OctaviaGateway } = await import('../drivers/gateway/octavia.ts');
      // Every routed service has its pool: the configuration checked that when it loaded.
      return new OctaviaGateway(gateway.options, { owner });
    }
    default:
      throw notYet('gateway', (gateway as { driver: string }).driver);
  }
}

/** The configured store. */
export async function createStore(config: Config): Promise<BurstStore> {
  const store = config.store;
  switch (store.driver) {
    case 'sqlite': {
      const { SqliteStore } = await import('../drivers/store/sqlite.ts');
      return new SqliteStore(store.path, { retentionSeconds: store.retentionSeconds });
    }
    case 'kubernetes': {
      const { KubernetesStore } = await import('../drivers/store/kubernetes.ts');
      const { loadKubeConfig } = await import('../drivers/kube/kubeconfig-source.ts');
      return new KubernetesStore({
        kubeConfig: loadKubeConfig(store.options, 'store.options'),
        namespace: store.options.namespace,
        owner: config.installation.id,
        retentionSeconds: store.retentionSeconds,
      });
    }
    case 'dynamodb': {
      const { DynamoDbStore } = await import('../drivers/store/dynamodb.ts');
      return DynamoDbStore.create({
        ...store.options,
        owner: config.installation.id,
        retentionSeconds: store.retentionSeconds,
      });
    }
    default:
      throw notYet('store', (store as { driver: string }).driver);
  }
}

/** The configured bus. */
export async function createBus(config: Config): Promise<EventBus> {
  const bus = config.bus;
  switch (bus.driver) {
    case 'memory': {
      const { MemoryBus } = await import('../drivers/bus/memory.ts');
      return new MemoryBus();
    }
    case 'eventbridge': {
      const { EventBridgeBus } = await import('../drivers/bus/eventbridge.ts');
      return new EventBridgeBus(bus.options);
    }
    default:
      throw notYet('bus', (bus as { driver: string }).driver);
  }
}

/** The configured load driver. */
export async function createLoad(config: Config): Promise<LoadDriver> {
  const load = config.load;
  switch (load.driver) {
    case 'signal': {
      const { SignalLoad } = await import('../drivers/load/signal.ts');
      return new SignalLoad();
    }
    case 'prometheus': {
      const { PrometheusLoad } = await import('../drivers/load/prometheus.ts');
      return new PrometheusLoad(load.options);
    }
    default:
      throw notYet('load', (load as { driver: string }).driver);
  }
}

function notYet(field: string, driver: string): ConfigError {
  return new ConfigError(`configuration ${field}: driver "${driver}" is not available in this build`);
}
