import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Cron } from 'croner';
import type { Config } from '../../config/config-schema.ts';
import { handleEvent } from '../../core/handle-event.ts';
import { MemoryBus } from '../../drivers/bus/memory.ts';
import { effectiveAuth } from '../auth.ts';
import type { FunctionCatalog } from '../catalog.ts';
import { type CreateDepsOptions, closeDeps, createDeps, type RuntimeDeps } from '../create-deps.ts';
import type { HttpRoute } from '../http/route.ts';
import { createHttpServer } from './http-server.ts';

/** A running local control plane. */
export interface LocalRuntime {
  readonly url: string;
  readonly deps: RuntimeDeps;
  readonly server: Server;
  /** Stop schedules, the relay and the server, and close every driver. */
  stop(): Promise<void>;
}

/**
 * Start the whole control plane in this process: every function of `catalog` behind one HTTP
 * server, the in-process bus fed by the outbox relay, and the schedules (croner). Embedded
 * defaults need no configuration file and no cloud account. Entry: functions/local/.
 */
export async function startRuntime(
  catalog: FunctionCatalog,
  config: Config,
  options: CreateDepsOptions = {},
): Promise<LocalRuntime> {
  const { host, port } = config.server;
  const auth = effectiveAuth(config.server.auth, host);
  // Every driver now: a bad option stops the server at start rather than at its first use.
  const deps = await createDeps(config, { eager: true, ...options });
  if (deps.bus instanceof MemoryBus)
    deps.bus.subscribe(async (event) => void (await handleEvent(deps, event)));
  deps.relay.start(1000);
  const crons = catalog.schedules.map((fn) => {
    const pattern = {
      'scale-down': config.schedules.scaleDown,
      health: config.schedules.health,
      reconcile: config.schedules.reconcile,
    }[fn.task];
    // Croner names are process-wide: two installations in one process (tests) each get theirs.
    return new Cron(pattern, { protect: true, name: `${fn.name}@${config.installation.id}` }, async () => {
      try {
        await fn.run(deps);
      } catch (error) {
        deps.logger.error(`${fn.name} failed: ${(error as Error).message}`);
      }
    });
  });
  const routes: HttpRoute[] = [...catalog.http, ...runtimeRoutes(deps, catalog)];
  const server = createHttpServer(deps, { routes, auth });
  server.listen(port, host);
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  deps.logger.info(`clusterburst listening on ${url}`, {
    store: deps.store.name,
    providers: [...deps.providers.keys()],
    federation: deps.federation.name,
    dns: deps.dns.name,
    gateway: deps.gateway.name,
    bus: deps.bus.name,
    events: catalog.events.map((f) => f.name),
  });
  let stopped = false;
  return {
    url,
    deps,
    server,
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const cron of crons) cron.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await closeDeps(deps);
    },
  };
}

/** Routes the local runtime adds: health, metrics, and running a schedule now. */
function runtimeRoutes(deps: RuntimeDeps, catalog: FunctionCatalog): HttpRoute[] {
  return [
    { method: 'GET', path: '/healthz', handle: async () => ({ status: 200, body: { ok: true } }) },
    {
      method: 'GET',
      path: '/metrics',
      handle: async () => ({ status: 200, body: await deps.metrics.registry.metrics() }),
    },
    ...catalog.schedules.map(
      (fn): HttpRoute => ({
        method: 'POST',
        path: `/schedule/${fn.task}`,
        auth: true,
        handle: async () => ({ status: 200, body: await fn.run(deps) }),
      }),
    ),
  ];
}
