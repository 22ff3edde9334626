import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { ConfigInput } from '../../shared/config/config-schema.ts';

/** A free loopback port (bound, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** The control plane as a separate process, the way `npm start` runs it. */
export interface RuntimeProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** Resolves with the signal (or exit code) the process ended with. */
  readonly exited: Promise<string | number | null>;
  /** Output so far, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** Write `config` into `dir` and start `npm start`'s entry point with it. */
export async function spawnRuntime(
  dir: string,
  config: ConfigInput,
  env: Record<string, string> = {},
): Promise<RuntimeProcess> {
  const file = join(dir, 'clusterburst.yaml');
  writeFileSync(file, JSON.stringify(config));
  const child = spawn(process.execPath, ['--import', 'tsx', 'functions/local/main.ts'], {
    env: { ...process.env, CLUSTERBURST_CONFIG: file, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = once(child, 'exit').then(([code, signal]) => (signal ?? code) as string | number | null);
  const url = `http://127.0.0.1:${(config.server as { port: number }).port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`runtime exited at start:\n${out}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`runtime did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    url,
    exited,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
