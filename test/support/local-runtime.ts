import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalRuntime, startLocalRuntime } from '../../functions/local/runtime.ts';
import type { ConfigInput } from '../../shared/config/config-schema.ts';
import { loadConfig } from '../../shared/config/load-config.ts';
import type { CreateDepsOptions } from '../../shared/runtime/create-deps.ts';

/** Schedules that never fire by themselves (tests run them through POST /schedule/...). */
export const MANUAL_SCHEDULES = { scaleDown: '0 0 0 1 1 *', health: '* * * * * *', reconcile: '0 0 0 1 1 *' };

/** A parsed JSON answer; tests read fields freely. */
// biome-ignore lint/suspicious/noExplicitAny: JSON answers are checked by the assertions that read them.
export type Json = any;

/** A local runtime in a temp state directory on a free port, with helpers to talk to it. */
export interface TestRuntime extends LocalRuntime {
  readonly dir: string;
  request(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: Json }>;
  /** Poll `GET /bursts/{id}` until its phase is `phase` (or time runs out). */
  waitForPhase(id: string, phase: string, timeoutMs?: number): Promise<Json>;
  close(): Promise<void>;
}

/** The embedded configuration with a temp state dir and port 0, plus `overrides`. */
export function testConfig(dir: string, overrides: ConfigInput = {}): ConfigInput {
  return {
    stateDir: dir,
    store: { path: join(dir, 'state.db') },
    server: { port: 0 },
    logLevel: 'ERROR',
    schedules: MANUAL_SCHEDULES,
    ...overrides,
  };
}

/** Start a runtime for a test; `close` stops it and removes its state. */
export async function startTestRuntime(
  overrides: ConfigInput = {},
  options: CreateDepsOptions & { readonly dir?: string } = {},
): Promise<TestRuntime> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'cb-runtime-'));
  const config = loadConfig({ value: testConfig(dir, overrides) });
  const runtime = await startLocalRuntime(config, options);
  const request: TestRuntime['request'] = async (method, path, body, headers = {}) => {
    const res = await fetch(new URL(path, runtime.url), {
      method,
      headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {}
    return { status: res.status, body: parsed };
  };
  return {
    ...runtime,
    dir,
    request,
    async waitForPhase(id, phase, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      let last: Json;
      while (Date.now() < deadline) {
        last = (await request('GET', `/bursts/${id}`)).body;
        if (last?.phase === phase) return last;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(
        `burst ${id} did not reach ${phase} in ${timeoutMs} ms; last: ${JSON.stringify(last?.history ?? last)}`,
      );
    },
    async close() {
      await runtime.stop();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
