import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuildResult, buildFunctions, functionEntries, ROOT } from '../../scripts/build-functions.ts';

// What a cold start imports is each bundle's entry and its static chunks; zod (and the schemas
// built with it) loads with the first input a function parses (bench/bundle.ts measures why).
let dir: string;
let result: BuildResult;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cb-cold-'));
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
