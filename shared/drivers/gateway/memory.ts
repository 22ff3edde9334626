import { GATEWAY_SERVER_PREFIX, ownedServerPrefix } from '../../domain/names.ts';
import { DriverError } from '../../errors.ts';
import type { GatewayDriver, GatewayServerRef, GatewayServerSpec, GatewayServerStatus } from './gateway.ts';

/**
 * The embedded gateway: backend servers in a map, with the state a real gateway would report.
 * `setConnections` lets tests and the simulated cluster say how many connections are open.
 * Given the installation (`owner`), it lists and touches only that installation's servers.
 */
export class MemoryGateway implements GatewayDriver {
  readonly name = 'memory';
  readonly #servers: Map<string, GatewayServerStatus>;
  readonly #prefix: string;

  /** `servers`: the state of a gateway several installations share (tests). */
  constructor(
    options: { readonly owner?: string; readonly servers?: Map<string, GatewayServerStatus> } = {},
  ) {
    this.#servers = options.servers ?? new Map();
    this.#prefix = options.owner === undefined ? GATEWAY_SERVER_PREFIX : ownedServerPrefix(options.owner);
  }
  /** Every operation, for status and tests. */
  readonly log: { readonly at: string; readonly op: string; readonly server: string }[] = [];

  async listOwned(filter: { readonly burstId?: string } = {}): Promise<GatewayServerStatus[]> {
    return [...this.#servers.values()].filter(
      (s) =>
        s.server.startsWith(this.#prefix) && (filter.burstId === undefined || s.burstId === filter.burstId),
    );
  }

  async add(spec: GatewayServerSpec): Promise<void> {
    assertOurs(spec, this.#prefix);
    if (this.#servers.has(key(spec))) return;
    this.#servers.set(key(spec), { ...spec, state: 'disabled', connections: 0 });
    this.#record('add', spec);
  }

  async enable(ref: GatewayServerRef): Promise<void> {
    this.#setState(ref, 'ready');
  }

  async drain(ref: GatewayServerRef): Promise<void> {
    this.#setState(ref, 'drain');
  }

  async connections(ref: GatewayServerRef): Promise<number> {
    return this.#servers.get(key(ref))?.connections ?? 0;
  }

  async remove(ref: GatewayServerRef, options: { readonly force?: boolean } = {}): Promise<void> {
    assertOurs(ref, this.#prefix);
    const server = this.#servers.get(key(ref));
    if (!server) return;
    if (server.connections > 0 && !options.force) {
      throw new DriverError('memory-gateway', `${key(ref)} still has ${server.connections} connections`, {
        retryable: true,
      });
    }
    this.#servers.delete(key(ref));
    this.#record(options.force ? 'remove (forced)' : 'remove', ref);
  }

  /** Pretend `count` connections are open to a server. */
  setConnections(ref: GatewayServerRef, count: number): void {
    const server = this.#servers.get(key(ref));
    if (server) this.#servers.set(key(ref), { ...server, connections: count });
  }

  #setState(ref: GatewayServerRef, state: GatewayServerStatus['state']): void {
    assertOurs(ref, this.#prefix);
    const server = this.#servers.get(key(ref));
    if (!server) throw new DriverError('memory-gateway', `${key(ref)} does not exist`);
    if (server.state === state) return;
    this.#servers.set(key(ref), { ...server, state });
    this.#record(state, ref);
  }

  #record(op: string, ref: GatewayServerRef): void {
    this.log.push({ at: new Date().toISOString(), op, server: key(ref) });
  }
}

function key(ref: GatewayServerRef): string {
  return `${ref.backend}/${ref.server}`;
}

function assertOurs(ref: GatewayServerRef, prefix: string): void {
  if (!ref.server.startsWith(prefix)) {
    throw new DriverError(
      'memory-gateway',
      `refusing to touch ${key(ref)}: not a clusterburst server of this installation`,
    );
  }
}
