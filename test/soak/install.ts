import { Logger } from '@aws-lambda-powertools/logger';
import { loadConfig } from '../../shared/config/load-config.ts';
import { recordKey } from '../../shared/domain/dns-changes.ts';
import { OWNER_LABEL } from '../../shared/domain/names.ts';
import type { GatewayServerRef } from '../../shared/drivers/gateway/gateway.ts';
import { SignalLoad } from '../../shared/drivers/load/signal.ts';
import type { ProviderDriver } from '../../shared/drivers/provider/provider.ts';
import { SqliteStore } from '../../shared/drivers/store/sqlite.ts';
import { createDeps } from '../../shared/runtime/create-deps.ts';
import { Metrics } from '../../shared/runtime/metrics.ts';
import { faulty } from './faults.ts';
import type { Delivery, Installation, World } from './world.ts';

/** The providers of every installation: the cheaper one first, the dearer one for quota fallback. */
export const PROVIDERS = [
  { name: 'cheap', price: 0.1 },
  { name: 'dear', price: 0.15 },
] as const;
const silent = new Logger({ logLevel: 'SILENT' });
/** prom-client metrics are only counted, never read: one set for every run of the process. */
const metrics = new Metrics();

/**
 * One installation's `Deps` (through `createDeps`, as a runtime builds them): its own in-memory
 * store and bus queue, the world's backends, every driver and the store behind the fault
 * injector, ownership checked before every write and the budget after every store write.
 */
export async function install(world: World, id: string): Promise<Installation> {
  const s = world.scenario;
  const config = loadConfig({
    value: {
      installation: { id },
      logLevel: 'ERROR',
      policy: {
        maxClusters: s.maxClusters,
        hourlyBudget: s.hourlyBudget,
        cooldownSeconds: 60,
        scaleDownWindowSeconds: 120,
        scaleDownDelayAfterAddSeconds: 60,
        minLifetimeSeconds: 60,
        provisioningDeadlineSeconds: 600,
        drainTimeoutSeconds: 120,
        dnsTtlSeconds: 30,
        stuckAfterSeconds: 120,
      },
      providers: PROVIDERS.map((p, n) => ({
        name: p.name,
        driver: 'simulated' as const,
        regions: ['eu'],
        pricePerNodeHour: p.price,
        priority: -n,
      })),
      services: [
        { name: 'web', hostname: 'web.soak.test' },
        { name: 'db', hostname: 'db.soak.test', protocol: 'tcp', port: 5432 },
      ],
    },
  });
  const inst: Partial<Installation> & { queue: Delivery[]; limbo: Delivery[] } = {
    id,
    queue: [],
    limbo: [],
  };
  const store = new SqliteStore(':memory:');
  const j = world.injector;
  const providers = new Map<string, ProviderDriver>(
    world.clouds.map((c) => [
      c.name,
      faulty(
        c,
        `${c.name}`,
        j,
        { create: 'create', describe: 'read', delete: 'write', credentials: 'read', list: 'read' },
        (method, args) => {
          const name = method === 'create' ? (args[0] as { name: string }).name : (args[0] as string);
          const owner = c.all().find((x) => x.name === name)?.labels[OWNER_LABEL];
          if (owner && owner !== id) world.foreign(id, `${c.name}.${method}(${name}) of ${owner}'s cluster`);
        },
      ),
    ]),
  );
  const fed = world.federation;
  const federation = faulty(
    fed,
    'federation',
    j,
    {
      join: 'write',
      status: 'read',
      cordon: 'write',
      uncordon: 'write',
      evict: 'write',
      place: 'write',
      serviceStatus: 'read',
      unplace: 'write',
      labels: 'read',
      leave: 'write',
      list: 'read',
    },
    (method, args) => {
      const name = method === 'join' ? (args[0] as { name: string }).name : (args[0] as string);
      const owner = fed.all().find((m) => m.name === name)?.labels[OWNER_LABEL];
      if (owner && owner !== id) world.foreign(id, `federation.${method}(${name}) of ${owner}'s member`);
    },
  );
  const dns = faulty(world.dns, 'dns', j, { listOwned: 'read', apply: 'write' }, (_m, args) => {
    const plan = args[0] as { changes: { action: string; previous?: { name: string; type: 'A' } }[] };
    for (const change of plan.changes) {
      if (!change.previous) continue;
      const stored = world.dns.records().find((r) => recordKey(r) === recordKey(change.previous!));
      if (stored?.owner && stored.owner !== id)
        world.foreign(id, `dns ${change.action} of ${stored.owner}'s ${stored.name}`);
    }
  });
  const gw = world.gateway;
  const gateway = faulty(
    gw,
    'gateway',
    j,
    {
      listOwned: 'read',
      add: 'write',
      enable: 'write',
      drain: 'write',
      connections: 'read',
      remove: 'write',
    },
    (method, args) => {
      const ref = args[0] as GatewayServerRef;
      const key = `${ref.backend}/${ref.server}`;
      const by = world.serverAddedBy.get(key);
      if (by && by !== id) world.foreign(id, `gateway.${method}(${key}) of ${by}'s server`);
      if (method === 'add' && !by) world.serverAddedBy.set(key, id);
      if (method === 'remove') world.serverAddedBy.delete(key);
    },
  );
  const wrappedStore = faulty(
    store,
    'store',
    j,
    { get: 'read', list: 'read', admit: 'write', update: 'write' },
    undefined,
    () => world.checkBudget(),
  );
  const deps = await createDeps(config, {
    logger: silent,
    metrics,
    overrides: {
      store: wrappedStore,
      providers,
      federation,
      dns,
      gateway,
      load: new SignalLoad(),
      bus: {
        name: 'soak',
        publish: async (events) => {
          for (const event of events) inst.queue.push({ event, attempts: 0 });
        },
      },
      now: () => world.clock.now(),
      // The world answers an ingress while the service's replicas on the member are ready.
      probe: async (_service, ingress) => world.reachable(`http://${ingress.host}:${ingress.port}`),
      checkpoint: (name) => j.checkpoint(name),
    },
  });
  return Object.assign(inst, { deps, store }) as Installation;
}
