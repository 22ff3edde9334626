import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HaproxyRuntime } from '../../shared/drivers/gateway/haproxy-runtime.ts';
import {
  type NamedHttpServer,
  type NamedTcpServer,
  startNamedHttpServer,
  startNamedTcpServer,
} from './haproxy-backends.ts';

/** A running HAProxy 2.6 (master-worker, foreground) with an HTTP and a TCP service on loopback. */
export interface HaproxyInstance {
  readonly dir: string;
  /** Runtime API as a unix socket in `dir`, and on loopback TCP: both `level admin`. */
  readonly socketPath: string;
  readonly runtimeTcp: string;
  /** The directory loaded with `-f`; its `50-backends.cfg` declares both backends. */
  readonly configDir: string;
  readonly backendsFile: string;
  readonly httpPort: number;
  readonly tcpPort: number;
  readonly httpBackend: 'be_http';
  readonly tcpBackend: 'be_tcp';
  /** The pre-existing servers named `home` in each backend: not ours, never to be touched. */
  readonly home: { readonly http: NamedHttpServer; readonly tcp: NamedTcpServer };
  /** Sends one runtime API command. */
  command(command: string): Promise<string>;
  /** The current worker's pid (changes on reload). */
  workerPid(): Promise<number>;
  /** Reloads the configuration (SIGUSR2 to the master) and waits for the new worker to answer. */
  reload(): Promise<void>;
  /** The last lines HAProxy wrote (for failure messages). */
  logs(): string;
  stop(): Promise<void>;
}

/** Options of `startHaproxy`. */
export interface HaproxyStartOptions {
  /** Health-check interval of the home servers. @default 500 */
  readonly checkInterMs?: number;
}

/** Starts HAProxy in a temp dir on free loopback ports, with a home server in each backend. */
export async function startHaproxy(options: HaproxyStartOptions = {}): Promise<HaproxyInstance> {
  const home = { http: await startNamedHttpServer('home'), tcp: await startNamedTcpServer('home') };
  let lastError: unknown;
  // A port picked as free can be taken before HAProxy binds it: try again with new ones.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await launch(home, options);
    } catch (error) {
      lastError = error;
    }
  }
  await Promise.all([home.http.stop(), home.tcp.stop()]);
  throw lastError;
}

async function launch(home: HaproxyInstance['home'], options: HaproxyStartOptions): Promise<HaproxyInstance> {
  const dir = await mkdtemp(join(tmpdir(), 'cb-haproxy-'));
  const configDir = join(dir, 'conf.d');
  await mkdir(configDir);
  const [httpPort, tcpPort, runtimePort] = [await freePort(), await freePort(), await freePort()];
  const socketPath = join(dir, 'admin.sock');
  const runtimeTcp = `127.0.0.1:${runtimePort}`;
  const inter = options.checkInterMs ?? 500;
  const mainFile = join(dir, 'haproxy.cfg');
  const backendsFile = join(configDir, '50-backends.cfg');
  await writeFile(
    mainFile,
    [
      'global',
      '    maxconn 4096',
      `    stats socket ${socketPath} mode 600 level admin`,
      `    stats socket ipv4@${runtimeTcp} level admin`,
      '    stats timeout 30s',
      // Old workers keep serving their open connections after a reload; not for ever in tests.
      '    hard-stop-after 20s',
      'defaults',
      '    timeout connect 2s',
      '    timeout client 30s',
      '    timeout server 30s',
      '    timeout http-keep-alive 10s',
      // A check answered late on a CPU-starved test machine is still a live server.
      '    timeout check 5s',
      'frontend fe_http',
      '    mode http',
      `    bind 127.0.0.1:${httpPort}`,
      '    default_backend be_http',
      'frontend fe_tcp',
      '    mode tcp',
      `    bind 127.0.0.1:${tcpPort}`,
      '    default_backend be_tcp',
      '',
    ].join('\n'),
  );
  await writeFile(
    backendsFile,
    [
      '# Backends clusterburst may add servers to; the home servers are the research infrastructure own.',
      'backend be_http',
      '    mode http',
      '    balance roundrobin',
      '    option httpchk GET /healthz',
      `    server home 127.0.0.1:${home.http.port} check inter ${inter} fall 5`,
      '',
      'backend be_tcp',
      '    mode tcp',
      '    balance roundrobin',
      `    server home 127.0.0.1:${home.tcp.port} check inter ${inter} fall 5`,
      '',
    ].join('\n'),
  );

  let output = '';
  const child: ChildProcess = spawn('haproxy', ['-W', '-db', '-f', mainFile, '-f', configDir], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const runtime = new HaproxyRuntime({ address: socketPath, timeoutMs: 5000 });

  const workerPid = async (): Promise<number> => {
    const info = await runtime.run('show info');
    return Number(/^Pid: (\d+)/m.exec(info)?.[1] ?? Number.NaN);
  };
  const waitForWorker = async (notPid: number | undefined, what: string): Promise<number> => {
    const deadline = Date.now() + 20_000;
    let exitCode: number | null | undefined;
    void exited.then((code) => {
      exitCode = code;
    });
    while (Date.now() < deadline && exitCode === undefined) {
      const pid = await workerPid().catch(() => Number.NaN);
      if (Number.isInteger(pid) && pid !== notPid) return pid;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`HAProxy ${what} failed (exit ${exitCode ?? 'none'}):\n${output}`);
  };

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitForWorker(undefined, 'start');
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    dir,
    socketPath,
    runtimeTcp,
    configDir,
    backendsFile,
    httpPort,
    tcpPort,
    httpBackend: 'be_http',
    tcpBackend: 'be_tcp',
    home,
    command: (command) => runtime.run(command),
    workerPid,
    async reload() {
      const before = await workerPid();
      child.kill('SIGUSR2');
      await waitForWorker(before, 'reload');
    },
    logs: () => output,
    async stop() {
      await stop();
      await Promise.all([home.http.stop(), home.tcp.stop()]);
    },
  };
}

/** A TCP port free on 127.0.0.1 right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
