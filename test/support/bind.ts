import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** A running BIND 9 primary for one zone, updatable and transferable with one TSIG key. */
export interface BindServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly zone: string;
  readonly keyName: string;
  readonly keyAlgorithm: 'hmac-sha256' | 'hmac-sha512';
  /** Base64, as `tsig-keygen` prints it. */
  readonly keySecret: string;
  /** The temp dir holding named.conf, the zone file and its journal. */
  readonly dir: string;
  /** Answers to `dig` for a name and type (`+short` lines, TXT still quoted). */
  query(name: string, type: string): Promise<string[]>;
  /** Answer records with their TTL. */
  answers(name: string, type: string): Promise<DigAnswer[]>;
  stop(): Promise<void>;
}

/** One answer line of `dig +noall +answer`. */
export interface DigAnswer {
  readonly name: string;
  readonly ttl: number;
  readonly type: string;
  readonly data: string;
}

/** Options of `startBind`. */
export interface BindOptions {
  /** @default 'example.org' */
  readonly zone?: string;
  /** @default 'clusterburst-key' */
  readonly keyName?: string;
  /** @default 'hmac-sha256' */
  readonly keyAlgorithm?: 'hmac-sha256' | 'hmac-sha512';
  /** Extra zone file lines, relative names allowed: `legacy 300 IN A 192.0.2.1`. */
  readonly records?: readonly string[];
}

/** A TCP and UDP port free on 127.0.0.1 right now (the OS picks it; we only check UDP too). */
export async function freeLoopbackPort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const socket = createSocket('udp4');
      socket.once('error', () => resolve(false));
      socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error('no free loopback port found');
}

/** Runs `dig` against a loopback server and returns the answer section. */
export async function digAnswers(port: number, name: string, type: string): Promise<DigAnswer[]> {
  const { stdout } = await execFileAsync('dig', [
    '@127.0.0.1',
    '-p',
    String(port),
    '+norecurse',
    '+noall',
    '+answer',
    '+time=5',
    '+tries=3',
    name,
    type,
  ]);
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith(';'))
    .map((line) => {
      const [owner = '', ttl = '0', , recordType = '', ...data] = line.split(/\s+/);
      return { name: owner.replace(/\.$/, ''), ttl: Number(ttl), type: recordType, data: data.join(' ') };
    });
}

/** Waits until a child prints `marker` on stderr, or rejects when it exits or the time is up. */
export function waitForOutput(
  child: ChildProcess,
  marker: RegExp,
  timeoutMs: number,
  what: string,
): Promise<void> {
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => done(new Error(`${what} did not start within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (marker.test(output)) done();
    };
    const onExit = (code: number | null): void => done(new Error(`${what} exited with ${code}:\n${output}`));
    function done(error?: Error): void {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve();
    }
    child.stderr?.on('data', onData);
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Stops a child we started: SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function namedConf(
  dir: string,
  port: number,
  zone: string,
  keyName: string,
  algorithm: string,
  secret: string,
): string {
  return `options {
  directory "${dir}";
  pid-file "${dir}/named.pid";
  session-keyfile "${dir}/session.key";
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  notify no;
  dnssec-validation no;
};
controls { };
key "${keyName}" { algorithm ${algorithm}; secret "${secret}"; };
zone "${zone}" {
  type primary;
  file "${dir}/zone.db";
  update-policy { grant ${keyName} zonesub ANY; };
  allow-transfer { key ${keyName}; };
};
`;
}

function zoneFile(zone: string, records: readonly string[]): string {
  return [
    `$ORIGIN ${zone}.`,
    '$TTL 300',
    `@ IN SOA ns.${zone}. hostmaster.${zone}. 1 3600 600 86400 30`,
    `@ IN NS ns.${zone}.`,
    'ns IN A 127.0.0.1',
    ...records,
    '',
  ].join('\n');
}

/**
 * Starts `named -g` in a fresh temp dir on a free loopback port and resolves once it serves the
 * zone. One per test file (in `beforeAll`); `stop()` in `afterAll`.
 * @example
 * const bind = await startBind({ records: ['legacy 300 IN A 192.0.2.1'] });
 */
export async function startBind(options: BindOptions = {}): Promise<BindServer> {
  const zone = options.zone ?? 'example.org';
  const keyName = options.keyName ?? 'clusterburst-key';
  const keyAlgorithm = options.keyAlgorithm ?? 'hmac-sha256';
  const keySecret = randomBytes(keyAlgorithm === 'hmac-sha256' ? 32 : 64).toString('base64');
  const dir = await mkdtemp(join(tmpdir(), 'cb-bind-'));
  await writeFile(join(dir, 'zone.db'), zoneFile(zone, options.records ?? []));
  let lastError: unknown;
  // The port is free when picked but another process may take it first: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeLoopbackPort();
    await writeFile(join(dir, 'named.conf'), namedConf(dir, port, zone, keyName, keyAlgorithm, keySecret));
    const child = spawn('named', ['-g', '-n', '1', '-c', join(dir, 'named.conf'), '-u', 'root'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      await waitForOutput(child, /running\n/, 30_000, 'named');
    } catch (error) {
      lastError = error;
      await stopChild(child);
      continue;
    }
    return {
      host: '127.0.0.1',
      port,
      zone,
      keyName,
      keyAlgorithm,
      keySecret,
      dir,
      query: async (name, type) => (await digAnswers(port, name, type)).map((answer) => answer.data),
      answers: (name, type) => digAnswers(port, name, type),
      stop: async () => {
        await stopChild(child);
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError;
}
