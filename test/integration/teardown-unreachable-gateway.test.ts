/**
 * A teardown never wedges on a gateway that cannot be reached: past the drain bound and the
 * leave deadline the cluster is deleted anyway, the gateway servers stay recorded as still to
 * remove, and once the gateway answers again finalize (record still open) or reconcile (record
 * closed) removes them. Run against the memory gateway with an injected outage and against a
 * real HAProxy 2.6 whose runtime API becomes unreachable (the link to it is cut) mid-teardown.
 */
import { readFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { reconcile } from '../../shared/core/reconcile.ts';
import { awaitDrain } from '../../shared/core/steps/await-drain.ts';
import { deleteCluster } from '../../shared/core/steps/delete-cluster.ts';
import { drain } from '../../shared/core/steps/drain.ts';
import { finalize } from '../../shared/core/steps/finalize.ts';
import type {
  GatewayDriver,
  GatewayServerRef,
  GatewayServerSpec,
} from '../../shared/drivers/gateway/gateway.ts';
import { HaproxyGateway } from '../../shared/drivers/gateway/haproxy.ts';
import { HaproxyGatewayOptionsSchema } from '../../shared/drivers/gateway/haproxy-options.ts';
import { MemoryGateway } from '../../shared/drivers/gateway/memory.ts';
import { DriverError } from '../../shared/errors.ts';
import { type HaproxyInstance, startHaproxy } from '../support/haproxy.ts';
import { type LifecycleWorld, startLifecycleWorld } from '../support/lifecycle-world.ts';

/** A service that may burst: marked so, in the namespace the default protection allows. */
const BURSTABLE = { burstable: true, namespace: 'clusterburst-demo' } as const;

const DRAIN_BOUND = 60;
const LEAVE_DEADLINE = 600;

/** A gateway the test can make unreachable, and what is really configured on it. */
interface Outage {
  readonly gateway: GatewayDriver;
  readonly backend: string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  /** Our servers as the gateway itself has them (not through the driver), once per place kept. */
  ours(): Promise<string[]>;
  /** How many places keep a server: HAProxy's running state and its config file. */
  readonly places: number;
  /** The changes the gateway accepted, in order. */
  log(): string[];
  stop(): Promise<void>;
}

/**
 * `inner` with every change it accepted logged (`drain backend/server`, `remove backend/server`),
 * each call first passing `guard` (which may refuse it).
 */
function recording(
  inner: GatewayDriver,
  guard: <T>(call: () => Promise<T>) => Promise<T> = (call) => call(),
) {
  const log: string[] = [];
  const logged =
    (op: string) =>
    async (ref: GatewayServerRef): Promise<void> => {
      log.push(`${op} ${ref.backend}/${ref.server}`);
    };
  const gateway: GatewayDriver = {
    name: inner.name,
    listOwned: (filter) => guard(() => inner.listOwned(filter)),
    add: (spec: GatewayServerSpec) => guard(() => inner.add(spec)),
    enable: (ref) => guard(() => inner.enable(ref)).then(() => logged('enable')(ref)),
    drain: (ref) => guard(() => inner.drain(ref)).then(() => logged('drain')(ref)),
    connections: (ref) => guard(() => inner.connections(ref)),
    remove: (ref, options) => guard(() => inner.remove(ref, options)).then(() => logged('remove')(ref)),
  };
  return { gateway, log: () => [...log] };
}

/** The memory gateway, every call failing as a refused connection while cut. */
function memoryOutage(): Outage {
  const inner = new MemoryGateway();
  let down = false;
  const guard = <T>(call: () => Promise<T>) =>
    down
      ? Promise.reject(new DriverError('memory-gateway', 'connect ECONNREFUSED', { retryable: true }))
      : call();
  const { gateway, log } = recording(inner, guard);
  return {
    gateway,
    log,
    backend: 'web',
    places: 1,
    cut: async () => {
      down = true;
    },
    restore: async () => {
      down = false;
    },
    ours: async () => (await inner.listOwned()).map((s) => `${s.backend}/${s.server}`),
    stop: async () => undefined,
  };
}

/**
 * A real HAProxy, its runtime API reached through a loopback link the test can cut: closed,
 * the driver's connections are refused, as when HAProxy or the network to it is down.
 */
async function haproxyOutage(): Promise<Outage> {
  const hx: HaproxyInstance = await startHaproxy();
  const [host, port] = hx.runtimeTcp.split(':') as [string, string];
  const sockets = new Set<Socket>();
  let link: Server | undefined;
  let linkPort = 0;
  const open = () =>
    new Promise<void>((resolve, reject) => {
      const server = createServer((client) => {
        const upstream = connect(Number(port), host);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject);
      server.listen(linkPort, '127.0.0.1', () => {
        const address = server.address();
        linkPort = typeof address === 'object' && address ? address.port : 0;
        link = server;
        resolve();
      });
    });
  const close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => (link ? link.close(() => resolve()) : resolve()));
    link = undefined;
  };
  await open();
  const { gateway, log } = recording(
    new HaproxyGateway(
      HaproxyGatewayOptionsSchema.parse({
        runtime: `127.0.0.1:${linkPort}`,
        configPath: hx.configDir,
        timeoutMs: 2000,
        deleteWaitMs: 500,
      }),
    ),
  );
  return {
    gateway,
    log,
    backend: hx.httpBackend,
    places: 2,
    cut: close,
    restore: open,
    async ours() {
      const state = await hx.command(`show servers state ${hx.httpBackend}`);
      const live = [...state.matchAll(/^\d+ (\S+) \d+ (cb-\S+) /gm)].map((m) => `${m[1]}/${m[2]}`);
      // A server left in the config file would come back on the next reload.
      const file = await readFile(hx.backendsFile, 'utf8');
      const written = [...file.matchAll(/^\s*server (cb-\S+) /gm)].map((m) => `${hx.httpBackend}/${m[1]}`);
      return [...live, ...written];
    },
    async stop() {
      await close();
      await hx.stop();
    },
  };
}

/** Runs `step` until the burst leaves `phase`, at most `times` times; step errors count as waiting. */
async function stepOut(
  w: LifecycleWorld,
  id: string,
  step: (d: LifecycleWorld['deps'], id: string) => Promise<unknown>,
  times = 3,
) {
  const phase = (await w.record(id)).phase;
  for (let i = 0; i < times; i++) {
    await step(w.deps, id).catch(() => undefined);
    if ((await w.record(id)).phase !== phase) break;
  }
  return w.record(id);
}

describe.each([
  ['the memory gateway', memoryOutage],
  ['a real HAProxy', haproxyOutage],
] as const)('a teardown never wedges on an unreachable gateway (%s)', (_name, start) => {
  let outage: Outage | undefined;
  let w: LifecycleWorld | undefined;
  afterEach(async () => {
    await w?.close();
    await outage?.stop();
    w = outage = undefined;
  });

  /** An Active burst behind the gateway, asked to go, whose gateway then becomes unreachable. */
  async function drainingWithGatewayDown() {
    outage = await start();
    w = await startLifecycleWorld(
      {
        services: [
          {
            name: 'web',
            hostname: 'web.example.org',
            backend: outage.backend,
            protocol: 'http',
            ...BURSTABLE,
          },
        ],
        policy: { drainTimeoutSeconds: DRAIN_BOUND, leaveDeadlineSeconds: LEAVE_DEADLINE },
      },
      { overrides: { gateway: outage.gateway } },
    );
    const burst = await w.admit();
    const active = await w.walkTo(burst.id, 'Active');
    const server = `${outage.backend}/${active.name}`;
    expect(await outage.ours()).toEqual(Array(outage.places).fill(server));
    await drain(w.deps, burst.id, 'teardown requested by an operator');
    expect((await w.record(burst.id)).phase).toBe('Draining');
    await outage.cut();
    return { burst: active, server, w, outage };
  }

  /** Drives the burst through Leaving to Deleting while the gateway stays unreachable. */
  async function deleteWithGatewayDown(w: LifecycleWorld, id: string) {
    // Within the drain bound the gateway is waited for.
    await stepOut(w, id, awaitDrain);
    expect((await w.record(id)).phase).toBe('Draining');
    w.advance(DRAIN_BOUND + 1);
    const leaving = await stepOut(w, id, awaitDrain);
    expect(leaving.phase).toBe('Leaving');
    expect(leaving.history.at(-1)!.why).toMatch(
      /drain bound of 60s reached: workloads evicted; gateway unreachable/,
    );
    // Within the leave deadline the orderly path is still waited for.
    await stepOut(w, id, deleteCluster);
    expect((await w.record(id)).phase).toBe('Leaving');
    w.advance(LEAVE_DEADLINE + 1);
    const deleting = await stepOut(w, id, deleteCluster);
    expect(deleting.phase).toBe('Deleting');
    expect(deleting.history.at(-1)!.why).toMatch(
      /600s leave deadline.*gateway unreachable .*servers stay recorded for removal/,
    );
    expect(deleting.gatewayServers).not.toEqual([]);
    return deleting;
  }

  it('starts the teardown of an Active burst while the gateway is unreachable, drains its servers once it answers, and removes them', async () => {
    outage = await start();
    w = await startLifecycleWorld(
      {
        services: [
          {
            name: 'web',
            hostname: 'web.example.org',
            backend: outage.backend,
            protocol: 'http',
            ...BURSTABLE,
          },
        ],
        policy: { drainTimeoutSeconds: DRAIN_BOUND, leaveDeadlineSeconds: LEAVE_DEADLINE },
      },
      { overrides: { gateway: outage.gateway } },
    );
    const active = await w.walkTo((await w.admit()).id, 'Active');
    await outage.cut();
    await drain(w.deps, active.id, 'teardown requested by an operator');
    const draining = await w.record(active.id);
    expect(draining.phase).toBe('Draining');
    expect(draining.history.at(-1)!.why).toMatch(
      /^teardown requested by an operator; gateway unreachable .*drained once it answers, within the 60s drain bound$/,
    );
    await stepOut(w, active.id, awaitDrain);
    expect((await w.record(active.id)).phase).toBe('Draining');

    await outage.restore();
    const leaving = await stepOut(w, active.id, awaitDrain);
    expect(leaving.phase).toBe('Leaving');
    expect(leaving.history.at(-1)!.why).toMatch(/^drained in \d+s with no connection left; servers removed/);
    // The servers were put in drain before they were removed.
    const log = outage.log();
    expect(log.indexOf(`drain ${outage.backend}/${active.name}`)).toBeGreaterThanOrEqual(0);
    expect(log.indexOf(`drain ${outage.backend}/${active.name}`)).toBeLessThan(
      log.indexOf(`remove ${outage.backend}/${active.name}`),
    );
    expect((await stepOut(w, active.id, deleteCluster)).phase).toBe('Deleting');
    expect((await stepOut(w, active.id, finalize)).phase).toBe('Deleted');
    expect(await outage.ours()).toEqual([]);
  }, 60_000);

  it('deletes the cluster past the drain bound and the leave deadline, and finalize removes the servers once the gateway answers', async () => {
    const { burst, server, w, outage } = await drainingWithGatewayDown();
    await deleteWithGatewayDown(w, burst.id);
    expect(await w.provider.describe(burst.name)).toBeUndefined();
    // The cluster is gone; finalize waits for the gateway within the leave deadline.
    const waitingFor = await stepOut(w, burst.id, finalize);
    expect(waitingFor.phase).toBe('Deleting');
    expect(await outage.ours()).toContain(server);

    await outage.restore();
    const closed = await stepOut(w, burst.id, finalize);
    expect(closed.phase).toBe('Deleted');
    expect(closed.history.at(-1)!.why).toMatch(/1 gateway server\(s\) removed/);
    expect(closed.gatewayServers).toEqual([]);
    expect(await outage.ours()).toEqual([]);
  }, 60_000);

  it('closes the record with the servers still listed past the deadline, and reconcile removes them once the gateway answers', async () => {
    const { burst, server, w, outage } = await drainingWithGatewayDown();
    await deleteWithGatewayDown(w, burst.id);
    w.advance(LEAVE_DEADLINE + 1);
    const closed = await stepOut(w, burst.id, finalize);
    expect(closed.phase).toBe('Deleted');
    expect(closed.history.at(-1)!.why).toMatch(/gateway unreachable .*servers stay recorded for removal/);
    expect(closed.gatewayServers).toEqual([{ backend: outage.backend, server: burst.name }]);
    expect(await w.provider.describe(burst.name)).toBeUndefined();

    // Still down: reconcile reports the failure and keeps the record's list.
    const blind = await reconcile(w.deps);
    expect(blind.errors.map((e) => e.error).join('\n')).toMatch(/listing gateway servers/);
    expect(await outage.ours()).toContain(server);

    await outage.restore();
    const report = await reconcile(w.deps);
    expect(report.orphans.gatewayServers).toEqual([server]);
    expect(await outage.ours()).toEqual([]);
    expect((await w.record(burst.id)).gatewayServers).toEqual([]);
  }, 60_000);
});
