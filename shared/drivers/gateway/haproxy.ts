/**
 * The `haproxy` gateway driver: backend servers of the research infrastructure's HAProxy (2.6+),
 * changed through the runtime API, so adding or removing a burst cluster never needs a reload.
 *
 * Surviving a reload: servers added at runtime vanish when HAProxy reloads. We also write every
 * server we own as a `server` line into the config file that declares its backend (option
 * `configPath`: that file, or the directory given to `haproxy -f dir/`), rewritten atomically.
 * Chosen over `server-template cb- N` slots because:
 * - HAProxy's own management guide asks for exactly this ("the server created via the CLI is also
 *   manually inserted in the relevant haproxy configuration file");
 * - servers keep their real names `cb-<installation tag>-<id>`, so ownership stays visible in every stats page,
 *   log line and `show servers state`, and no slot-to-burst mapping has to be stored elsewhere;
 * - there is no slot count to size in advance, and any reload (systemd, an operator) restores
 *   them, with no state dump to remember first.
 * A server not yet enabled, or draining, is written `disabled`, so after a reload it takes no
 * new traffic before the core says so. Without `configPath` servers do not survive a reload (the
 * reconcile cron then sees them gone and re-drives the burst).
 *
 * Ownership: only names starting with the installation's prefix `cb-<tag>-` (`cb-` when no
 * installation is given) are listed or changed; any other name is refused, so installations
 * sharing one HAProxy never touch each other's servers.
 */

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { z } from 'zod';
import { GATEWAY_SERVER_PREFIX, ownedServerPrefix } from '../../domain/names.ts';
import { DriverError } from '../../errors.ts';
import { retry } from '../../retry.ts';
import { parseInput } from '../../schemas/parse.ts';
import type { GatewayDriver, GatewayServerRef, GatewayServerSpec, GatewayServerStatus } from './gateway.ts';
import { type ConfigServer, HaproxyConfigFiles } from './haproxy-config.ts';
import type { HaproxyGatewayOptions } from './haproxy-options.ts';
import {
  HaproxyRuntime,
  isMissingAnswer,
  parseServersConn,
  parseServersState,
  parseStatCsv,
  type ServerStateRow,
} from './haproxy-runtime.ts';
import { serverSchemas } from './server-schemas.ts';

const DRIVER = 'haproxy';

/** HAProxy names allow letters, digits and `-_.:`; anything else could split a runtime command. */
const NAME = /^[A-Za-z0-9_.:-]{1,128}$/;
const { ref: RefSchema, spec: SpecSchema } = serverSchemas({
  backend: z.string().regex(NAME),
  server: z.string().regex(NAME),
  burstId: z.string().regex(NAME),
  maxWeight: 256,
});

/** Admin-state bits: forced, inherited, config and resolution maintenance; forced or inherited drain. */
const MAINT = 0x01 | 0x02 | 0x04 | 0x20;
const DRAIN = 0x08 | 0x10;

/**
 * The gateway driver for HAProxy's runtime API.
 * @example
 * const gw = new HaproxyGateway({ runtime: '/run/haproxy/admin.sock', configPath: '/etc/haproxy/conf.d' });
 * await gw.add({ backend: 'web', server: 'cb-0a1b2c3d4e5f', burstId: 'b-0a1b2c3d4e5f', address: '203.0.113.7', port: 443 });
 */
export class HaproxyGateway implements GatewayDriver {
  readonly name = DRIVER;
  readonly #runtime: HaproxyRuntime;
  readonly #files: HaproxyConfigFiles | undefined;
  readonly #options: HaproxyGatewayOptions;
  readonly #resolve: (host: string) => Promise<string>;
  readonly #prefix: string;

  constructor(
    options: HaproxyGatewayOptions,
    deps: { readonly resolve?: (host: string) => Promise<string>; readonly owner?: string } = {},
  ) {
    this.#options = options;
    this.#runtime = new HaproxyRuntime({ address: options.runtime, timeoutMs: options.timeoutMs });
    this.#files = options.configPath ? new HaproxyConfigFiles(options.configPath) : undefined;
    this.#resolve = deps.resolve ?? (async (host) => (await lookup(host)).address);
    this.#prefix = deps.owner === undefined ? GATEWAY_SERVER_PREFIX : ownedServerPrefix(deps.owner);
  }

  async listOwned(filter: { readonly burstId?: string } = {}): Promise<GatewayServerStatus[]> {
    const [stateText = '', statText = ''] = await this.#runtime.runAll([
      'show servers state',
      'show stat -1 4 -1',
    ]);
    const stats = new Map(parseStatCsv(statText).map((r) => [`${r.pxname}/${r.svname}`, r]));
    const recorded = new Map((await this.#recorded()).map((c) => [`${c.backend}/${c.server}`, c]));
    const live = parseServersState(stateText).filter((r) => r.server.startsWith(this.#prefix));
    const seen = new Set(live.map((r) => `${r.backend}/${r.server}`));
    const statuses: GatewayServerStatus[] = live.map((row) => {
      const key = `${row.backend}/${row.server}`;
      const stat = stats.get(key);
      return {
        backend: row.backend,
        server: row.server,
        burstId: recorded.get(key)?.burstId || burstIdOf(row.server),
        address: row.address,
        port: row.port,
        protocol: stat?.mode === 'tcp' ? 'tcp' : 'http',
        weight: row.weight,
        state: stateOf(row, recorded.get(key)),
        connections: Number(stat?.scur ?? 0) || 0,
      };
    });
    // A line only in the config returns at the next reload: list it so reconcile can remove it.
    for (const [key, c] of recorded) {
      if (seen.has(key) || !c.server.startsWith(this.#prefix)) continue;
      const { check: _check, state: _state, ...rest } = c;
      statuses.push({ ...rest, burstId: c.burstId || burstIdOf(c.server), state: 'maint', connections: 0 });
    }
    return statuses.filter((s) => filter.burstId === undefined || s.burstId === filter.burstId);
  }

  async add(input: GatewayServerSpec): Promise<void> {
    assertOurs(input, this.#prefix);
    const spec = parseInput(SpecSchema, input, 'gateway server');
    const address = isIP(spec.address) ? spec.address : await this.#resolveAddress(spec.address);
    const [stateText = '', statText = ''] = await this.#runtime.runAll([
      `show servers state ${spec.backend}`,
      `show stat ${spec.backend} 2 -1`,
    ]);
    if (isMissingAnswer(stateText)) throw new DriverError(DRIVER, `backend ${spec.backend} does not exist`);
    const mode = parseStatCsv(statText)[0]?.mode;
    if (spec.protocol && mode && mode !== spec.protocol) {
      throw new DriverError(DRIVER, `backend ${spec.backend} is mode ${mode}, not ${spec.protocol}`);
    }
    const existing = parseServersState(stateText).find((r) => r.server === spec.server);
    if (existing && (existing.address !== address || existing.port !== spec.port)) {
      throw new DriverError(
        DRIVER,
        `${key(spec)} already points at ${existing.address}:${existing.port}, not ${address}:${spec.port}`,
      );
    }
    // A repeated add must not undo a later enable or drain, in HAProxy or in the config line.
    const state = existing ? stateOf(existing, await this.#recordOf(spec)) : 'disabled';
    await this.#record({ ...spec, address, state: state === 'maint' ? 'disabled' : state });
    if (existing) return;
    const weight = spec.weight === undefined ? '' : ` weight ${spec.weight}`;
    const answer = await this.#runtime.run(
      `add server ${key(spec)} ${hostPort(address, spec.port)}${weight}${this.#checkWords()}`,
    );
    if (!/New server registered/i.test(answer) && !/already exists/i.test(answer)) {
      throw refused(`add server ${key(spec)}`, answer);
    }
    // HAProxy checks a dynamic server only once asked; checking while disabled means it is known
    // healthy (or already marked down) by the time the core enables it.
    if (this.#options.check.enabled) await this.#expectEmpty(`enable health ${key(spec)}`);
  }

  async enable(ref: GatewayServerRef): Promise<void> {
    const row = await this.#find(ref);
    if (!row) throw new DriverError(DRIVER, `${key(ref)} does not exist: add it first`);
    await this.#record(this.#entryFor(row, 'ready', await this.#recordOf(ref)));
    if (this.#options.check.enabled) await this.#expectEmpty(`enable health ${key(ref)}`);
    await this.#expectEmpty(`set server ${key(ref)} state ready`);
  }

  async drain(ref: GatewayServerRef): Promise<void> {
    const row = await this.#find(ref);
    // Nothing to drain: a retried teardown may find the server already gone.
    if (!row) return;
    await this.#record(this.#entryFor(row, 'drain', await this.#recordOf(ref)));
    await this.#expectEmpty(`set server ${key(ref)} state drain`);
  }

  async connections(ref: GatewayServerRef): Promise<number> {
    assertOurs(ref, this.#prefix);
    parseInput(RefSchema, ref, 'gateway server');
    const [statText = '', connText = ''] = await this.#runtime.runAll([
      `show stat ${ref.backend} 4 -1`,
      `show servers conn ${ref.backend}`,
    ]);
    const sessions = Number(parseStatCsv(statText).find((r) => r.svname === ref.server)?.scur ?? 0) || 0;
    const used = parseServersConn(connText).find((r) => r.server === ref.server)?.used ?? 0;
    return Math.max(sessions, used);
  }

  async remove(ref: GatewayServerRef, options: { readonly force?: boolean } = {}): Promise<void> {
    const row = await this.#find(ref);
    if (row) {
      const open = await this.connections(ref);
      if (open > 0 && !options.force) {
        throw new DriverError(DRIVER, `${key(ref)} still has ${open} connections; drain longer or force`, {
          retryable: true,
        });
      }
      await this.#expectEmpty(`set server ${key(ref)} state maint`);
      await this.#delete(ref, options.force === true);
    }
    await this.#files?.delete(ref.backend, ref.server);
  }

  /** `del server` refuses while sessions remain; cut ones take a moment to close. */
  async #delete(ref: GatewayServerRef, force: boolean): Promise<void> {
    const command = `del server ${key(ref)}`;
    let busy: DriverError | undefined;
    await retry(
      async () => {
        if (force) await this.#expectEmpty(`shutdown sessions server ${key(ref)}`, true);
        const answer = await this.#runtime.run(command);
        if (/Server deleted/i.test(answer) || isMissingAnswer(answer)) return;
        const stillOpen = /connections/i.test(answer);
        const error = refused(command, answer, stillOpen);
        busy = stillOpen ? error : undefined;
        throw error;
      },
      {
        attempts: Number.POSITIVE_INFINITY,
        baseMs: 50,
        maxMs: 500,
        maxElapsedMs: this.#options.deleteWaitMs,
        // Only "still has connections" heals by waiting; any other failure is thrown as it is.
        retryIf: (e) => e === busy,
      },
    );
  }

  async #find(ref: GatewayServerRef): Promise<ServerStateRow | undefined> {
    assertOurs(ref, this.#prefix);
    parseInput(RefSchema, ref, 'gateway server');
    const answer = await this.#runtime.run(`show servers state ${ref.backend}`);
    if (isMissingAnswer(answer)) return undefined;
    return parseServersState(answer).find((r) => r.server === ref.server);
  }

  async #expectEmpty(command: string, missingIsFine = false): Promise<void> {
    const answer = await this.#runtime.run(command);
    if (answer === '' || (missingIsFine && isMissingAnswer(answer))) return;
    throw refused(command, answer);
  }

  #checkWords(): string {
    const c = this.#options.check;
    return c.enabled ? ` check inter ${c.interMs} rise ${c.rise} fall ${c.fall}` : '';
  }

  #entryFor(row: ServerStateRow, state: ConfigServer['state'], recorded?: ConfigServer): ConfigServer {
    return {
      backend: row.backend,
      server: row.server,
      burstId: recorded?.burstId || burstIdOf(row.server),
      address: row.address,
      port: row.port,
      weight: row.weight,
      state,
      check: this.#checkWords().trim(),
    };
  }

  async #record(entry: Omit<ConfigServer, 'check'> & { readonly check?: string }): Promise<void> {
    await this.#files?.put({ ...entry, check: entry.check ?? this.#checkWords().trim() });
  }

  async #recorded(): Promise<ConfigServer[]> {
    return (await this.#files?.list()) ?? [];
  }

  async #recordOf(ref: GatewayServerRef): Promise<ConfigServer | undefined> {
    return (await this.#recorded()).find((c) => c.backend === ref.backend && c.server === ref.server);
  }

  async #resolveAddress(host: string): Promise<string> {
    // HAProxy 2.6 never resolves a dynamic server's name ("init-addr none"): resolve it here, once.
    try {
      return await this.#resolve(host);
    } catch (error) {
      throw new DriverError(DRIVER, `cannot resolve ${host}`, { cause: error, retryable: true });
    }
  }
}

/** Server names end in the burst id's hex: `cb-<tag>-<hex>` (or older `cb-<hex>`, `cb-b-<hex>`). */
function burstIdOf(server: string): string {
  return `b-${server.slice(server.lastIndexOf('-') + 1)}`;
}

function stateOf(row: ServerStateRow, recorded: ConfigServer | undefined): GatewayServerStatus['state'] {
  if (row.adminState & DRAIN) return 'drain';
  if (!(row.adminState & MAINT)) return 'ready';
  // Maintenance looks the same at runtime whatever put it there; the config line says which.
  if (recorded?.state === 'drain') return 'drain';
  return recorded?.state === 'ready' ? 'maint' : 'disabled';
}

function key(ref: GatewayServerRef): string {
  return `${ref.backend}/${ref.server}`;
}

function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

function assertOurs(ref: GatewayServerRef, prefix: string): void {
  if (!ref.server.startsWith(prefix)) {
    throw new DriverError(
      DRIVER,
      `refusing to touch ${key(ref)}: not a clusterburst server of this installation`,
    );
  }
}

function refused(command: string, answer: string, retryable = false): DriverError {
  const firstLine = answer.split('\n')[0] || '(empty answer)';
  const hint = /permission denied/i.test(answer) ? ' (the stats socket needs "level admin")' : '';
  return new DriverError(DRIVER, `${command}: ${firstLine}${hint}`, { retryable });
}
