/**
 * The build steps of deploy/onprem/Containerfile, run here without Docker: the esbuild
 * commands of its build stage, taken from the file itself, must produce a runtime that starts
 * with only production dependencies beside it, answers its probe, and a CLI that talks to it.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const CONTAINERFILE = readFileSync(join(ROOT, 'deploy/onprem/Containerfile'), 'utf8');

/** The `npx esbuild …` commands of the Containerfile, continuation lines joined. */
function esbuildCommands(text: string): string[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.startsWith('RUN '))
    .flatMap((line) => line.slice(4).split('&&'))
    .map((c) => c.trim().replace(/\s+/g, ' '))
    .filter((c) => c.startsWith('npx esbuild '));
}

describe('deploy/onprem/Containerfile build steps', () => {
  let dir: string;
  let server: ChildProcess | undefined;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cb-image-'));
    // The runtime stage has node_modules next to dist/; here a link to this checkout's.
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    for (const command of esbuildCommands(CONTAINERFILE)) {
      await run('sh', ['-c', command.replace(/--outfile=dist\//g, `--outfile=${dir}/dist/`)], { cwd: ROOT });
    }
    writeFileSync(
      join(dir, 'clusterburst.yaml'),
      `server: { port: 0 }\nstateDir: ${dir}/state\nstore: { path: ${dir}/state/state.db }\nlogLevel: INFO\n`,
    );
    const child = spawn(process.execPath, [join(dir, 'dist/local.mjs')], {
      cwd: dir,
      env: { PATH: process.env.PATH, CLUSTERBURST_CONFIG: join(dir, 'clusterburst.yaml') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server = child;
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`runtime did not start: ${out}`)), 30_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /listening on (http:\/\/[^"\s]+)/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.on('exit', (code) => reject(new Error(`runtime exited ${code}: ${out}`)));
    });
  }, 120_000);

  afterAll(async () => {
    if (server?.pid && server.exitCode === null) {
      const exited = new Promise((r) => server?.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('builds the runtime and the CLI from the commands in the file', () => {
    expect(esbuildCommands(CONTAINERFILE).map((c) => /--outfile=(\S+)/.exec(c)?.[1])).toEqual([
      'dist/local.mjs',
      'dist/cli.mjs',
    ]);
    expect(readFileSync(join(dir, 'dist/cli.mjs'), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(CONTAINERFILE).toContain('ENTRYPOINT ["node", "/app/dist/local.mjs"]');
  });

  it('starts the bundled runtime, which answers the probe route', async () => {
    const res = await fetch(new URL('/healthz', url));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it('ships a bundled CLI that reads the running runtime', async () => {
    const { stdout } = await run(process.execPath, [join(dir, 'dist/cli.mjs'), 'status', '-o', 'json'], {
      cwd: dir,
      env: { PATH: process.env.PATH, CLUSTERBURST_URL: url },
    });
    expect(JSON.parse(stdout)).toEqual({ bursts: [] });
  });
});
