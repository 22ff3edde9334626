import { createConnection, type NetConnectOpts, type Socket } from 'node:net';
import { DriverError } from '../../errors.ts';

const DRIVER = 'haproxy';

/** Where the runtime API listens and how long one exchange may take. */
export interface HaproxyRuntimeOptions {
  /** `/path/admin.sock`, `unix:/path`, `host:port`, `ipv4@host:port` or `[::1]:port`. */
  readonly address: string;
  /** @default 5000 */
  readonly timeoutMs?: number;
}

/**
 * A client for HAProxy's runtime API (the stats socket at `level admin`). `run` sends one command
 * on its own connection (HAProxy answers and closes); `runAll` sends several on one connection in
 * interactive mode, which keeps a multi-command read consistent and saves connection set-ups.
 */
export class HaproxyRuntime {
  readonly #connect: NetConnectOpts;
  readonly #timeoutMs: number;

  constructor(options: HaproxyRuntimeOptions) {
    this.#connect = parseRuntimeAddress(options.address);
    this.#timeoutMs = options.timeoutMs ?? 5000;
  }

  /** Sends one command and returns its answer without the trailing blank line. */
  async run(command: string): Promise<string> {
    const [answer] = await this.runAll([command]);
    return answer ?? '';
  }

  /** Sends the commands in order on one connection and returns one answer per command. */
  async runAll(commands: readonly string[]): Promise<string[]> {
    for (const command of commands) assertSafeCommand(command);
    if (commands.length === 0) return [];
    const socket = await this.#open();
    try {
      if (commands.length === 1) {
        // Without `prompt`, HAProxy answers one command and closes the connection.
        socket.write(`${commands[0]}\n`);
        return [trimAnswer(await readUntil(socket, null, this.#timeoutMs))];
      }
      // Interactive mode: every answer is followed by a "> " prompt, which delimits it.
      socket.write('prompt\n');
      await readUntil(socket, PROMPT, this.#timeoutMs);
      const answers: string[] = [];
      for (const command of commands) {
        socket.write(`${command}\n`);
        const raw = await readUntil(socket, PROMPT, this.#timeoutMs);
        answers.push(trimAnswer(raw.slice(0, -PROMPT.length)));
      }
      socket.end('quit\n');
      return answers;
    } finally {
      socket.destroy();
    }
  }

  #open(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(this.#connect);
      const fail = (error: Error) => {
        socket.destroy();
        reject(unreachable(error));
      };
      socket.setTimeout(this.#timeoutMs, () =>
        fail(new Error(`connect timed out after ${this.#timeoutMs} ms`)),
      );
      socket.once('error', fail);
      socket.once('connect', () => {
        socket.off('error', fail);
        socket.setTimeout(0);
        resolve(socket);
      });
    });
  }
}

const PROMPT = '\n> ';

/** Turns the configured address into connection options (unix path or TCP host and port). */
export function parseRuntimeAddress(address: string): NetConnectOpts {
  const bare = address.replace(/^(unix@|unix:|ipv4@|ipv6@|tcp:\/\/)/, '');
  if (address.startsWith('unix') || bare.startsWith('/') || bare.startsWith('.')) return { path: bare };
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(bare);
  const port = Number(match?.[2]);
  if (!match?.[1] || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new DriverError(DRIVER, `runtime API address "${address}" is neither a socket path nor host:port`);
  }
  return { host: match[1], port };
}

/** Commands are line-based and `;` separates commands: a name carrying either would inject one. */
function assertSafeCommand(command: string): void {
  if (/[\r\n;]/.test(command) || command.trim() === '') {
    throw new DriverError(DRIVER, `refusing to send a runtime command with a line break or ";"`);
  }
}

function readUntil(socket: Socket, terminator: string | null, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const done = (error?: Error) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      if (error) reject(error);
      else resolve(text);
    };
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (terminator !== null && text.endsWith(terminator)) done();
    };
    const onEnd = () =>
      terminator === null ? done() : done(unreachable(new Error('connection closed mid-answer')));
    const onError = (error: Error) => done(unreachable(error));
    const timer = setTimeout(
      () => done(unreachable(new Error(`no answer within ${timeoutMs} ms`))),
      timeoutMs,
    );
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onError);
  });
}

function trimAnswer(raw: string): string {
  return raw.replace(/^\n+/, '').replace(/\s+$/, '');
}

/** The socket is missing, refused or slow: HAProxy may be restarting, so the caller may retry. */
function unreachable(error: Error): DriverError {
  return new DriverError(DRIVER, `runtime API unreachable: ${error.message}`, {
    cause: error,
    retryable: true,
  });
}

/** One row of `show servers state` (format version 1), with the fields the driver reads. */
export interface ServerStateRow {
  readonly backend: string;
  readonly server: string;
  readonly address: string;
  readonly port: number;
  /** 0 stopped, 1 starting, 2 running, 3 stopping. */
  readonly opState: number;
  /** Bit mask: 0x01 forced maint, 0x02 inherited maint, 0x04 config maint, 0x08 forced drain… */
  readonly adminState: number;
  readonly weight: number;
  /** 0 unknown, 1 neutral, 2 failed, 3 passed, 4 conditionally passed. */
  readonly checkResult: number;
}

/** Parses `show servers state [<backend>]`: a version line, a `#` header, one row per server. */
export function parseServersState(text: string): ServerStateRow[] {
  return parseTable(text, ' ').map((row) => ({
    backend: row.be_name ?? '',
    server: row.srv_name ?? '',
    address: row.srv_addr ?? '',
    port: toNumber(row.srv_port),
    opState: toNumber(row.srv_op_state),
    adminState: toNumber(row.srv_admin_state),
    weight: toNumber(row.srv_uweight),
    checkResult: toNumber(row.srv_check_result),
  }));
}

/** One row of `show servers conn`: connections in use and idle in the server's pool. */
export interface ServerConnRow {
  readonly backend: string;
  readonly server: string;
  readonly used: number;
  readonly idle: number;
}

/** Parses `show servers conn [<backend>]`; the per-thread columns at the end are ignored. */
export function parseServersConn(text: string): ServerConnRow[] {
  return parseTable(text, ' ').map((row) => {
    const [backend = '', server = ''] = (row['bkname/svname'] ?? '').split('/');
    return { backend, server, used: toNumber(row.used_cur), idle: toNumber(row.idle_cur) };
  });
}

/** Parses `show stat` CSV into one record per row, keyed by the header's field names. */
export function parseStatCsv(text: string): Record<string, string>[] {
  return parseTable(text, ',');
}

/** Answers that mean "the object is not there" (the same wording in every 2.x release we saw). */
export function isMissingAnswer(answer: string): boolean {
  return /^(No such (server|backend|proxy)|Can't find backend)/i.test(answer.trim());
}

function parseTable(text: string, separator: string): Record<string, string>[] {
  let header: string[] | undefined;
  const rows: Record<string, string>[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('#')) {
      header = trimmed.replace(/^#\s*/, '').split(separator === ' ' ? /\s+/ : separator);
      continue;
    }
    if (!header || trimmed === '') continue;
    const values = trimmed.split(separator === ' ' ? /\s+/ : separator);
    rows.push(Object.fromEntries(header.map((name, i) => [name, values[i] ?? ''])));
  }
  return rows;
}

function toNumber(value: string | undefined): number {
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}
