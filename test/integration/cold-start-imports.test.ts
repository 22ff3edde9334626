import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BuildResult,
  buildFunctions,
  entryPath,
  functionEntries,
  ROOT,
} from '../../scripts/build-functions.ts';
import { loadEvent } from '../support/events.ts';
import { httpApiEvent } from '../support/lambda-events.ts';

// What a cold start imports is each bundle's entry and its static chunks; zod (and the schemas
// built with it) loads with the first input a function parses (bench/bundle.ts measures why).
let dir: string;
let result: BuildResult;

beforeAll(async () => {
  // Under the repository, so the bundles' external packages (better-sqlite3) resolve.
  dir = mkdtempSync(join(ROOT, 'dist', 'cold-start-test-'));
  result = await buildFunctions({ outdir: dir, entries: functionEntries({ gcp: true }) });
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The source files bundled into what `name` loads at import, and into what it loads later. */
function sources(name: string): { eager: string[]; lazy: string[] } {
  const bundle = result.bundles.find((b) => b.name === name)!;
  const inputsOf = (files: readonly string[]) =>
    files.flatMap((f) => Object.keys(result.metafile.outputs[relative(ROOT, resolve(dir, f))]?.inputs ?? {}));
  return { eager: inputsOf(bundle.eager), lazy: inputsOf(bundle.lazy) };
}

describe('what a function loads at a cold start', () => {
  it.each(functionEntries({ gcp: true }))('%s imports no zod and no schema until it parses input', (name) => {
    const { eager, lazy } = sources(name);
    expect(eager.length).toBeGreaterThan(0);
    expect(eager.filter((f) => f.includes('node_modules/zod/') || /shared\/schemas\/.*zod/.test(f))).toEqual(
      [],
    );
    // The schemas are still in the package, loaded on first use.
    expect(lazy.some((f) => f.includes('node_modules/zod/'))).toBe(true);
  });
});

describe('a built function whose schemas load on first use', () => {
  it('answers its first requests in a fresh process as before: 400 naming the field, then the burst', async () => {
    const state = mkdtempSync(join(tmpdir(), 'cb-cold-state-'));
    try {
      const config = join(state, 'clusterburst.yaml');
      writeFileSync(
        config,
        `logLevel: ERROR\nserver: { auth: { bearerToken: cold-start-token } }\nstore: { path: ${join(state, 'state.db')} }\nstateDir: ${state}\n`,
      );
      const headers = { authorization: 'Bearer cold-start-token' };
      const route = '/alerts/alertmanager';
      const firing = loadEvent('alertmanager', 'firing') as Record<string, unknown>;
      const events = [
        httpApiEvent({ method: 'POST', route, headers, body: { ...firing, status: 'burning' } }),
        httpApiEvent({ method: 'POST', route, headers, body: firing }),
      ];
      const bundle = pathToFileURL(join(dir, `${entryPath('capacityAlarm')}.js`)).href;
      // A fresh process: nothing of the bundle, zod or the schemas is loaded before the request.
      const script = `const { handler } = await import(${JSON.stringify(bundle)});
const context = { functionName: 'capacityAlarm', awsRequestId: 'r', getRemainingTimeInMillis: () => 30000 };
const answers = [];
for (const event of ${JSON.stringify(events)}) answers.push(await handler(event, context));
process.stdout.write(JSON.stringify(answers));`;
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
        env: { ...process.env, CLUSTERBURST_CONFIG: config, NODE_NO_WARNINGS: '1' },
        timeout: 60_000,
      });
      const [bad, good] = JSON.parse(stdout) as { statusCode: number; body: string }[];
      expect(bad!.statusCode).toBe(400);
      expect(JSON.parse(bad!.body).error).toBe(
        'invalid Alertmanager webhook: status: Invalid option: expected one of "firing"|"resolved"',
      );
      expect(good!.statusCode).toBe(202);
      expect(JSON.parse(good!.body)).toMatchObject({ decision: 'burst' });
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  }, 90_000);
});
