import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { entryPath, functionEntries, GCP_ENTRY, ROOT } from '../../scripts/build-functions.ts';

const MIDDY = /^@middy\//;
const FRAMEWORK = /^@google-cloud\/functions-framework/;
const LOCAL_ENTRY = 'functions/local/main.ts';

/** Packages each entry loads, statically or on demand, across its whole import graph. */
let packagesOf: Map<string, Set<string>>;

beforeAll(async () => {
  const lambda = functionEntries().map((name) => `${entryPath(name)}.ts`);
  const entries = [...lambda, `${entryPath(GCP_ENTRY)}.ts`, LOCAL_ENTRY];
  packagesOf = new Map();
  // One build per entry: with `packages: 'external'` every package import stays visible.
  for (const entry of entries) {
    const { metafile } = await build({
      absWorkingDir: ROOT,
      entryPoints: [entry],
      bundle: true,
      write: false,
      outdir: 'out',
      format: 'esm',
      platform: 'node',
      packages: 'external',
      metafile: true,
      logLevel: 'silent',
    });
    const imported = Object.values(metafile.outputs).flatMap((o) =>
      o.imports.filter((i) => i.external).map((i) => i.path),
    );
    packagesOf.set(entry, new Set(imported));
  }
}, 120_000);

describe('function entries load only their own platform', () => {
  it('keeps every platform library out of the function definitions in functions/*.ts', async () => {
    const files = readdirSync(join(ROOT, 'functions')).filter((f) => f.endsWith('.ts'));
    for (const file of files) {
      const { metafile } = await build({
        absWorkingDir: ROOT,
        entryPoints: [`functions/${file}`],
        bundle: true,
        write: false,
        outdir: 'out',
        format: 'esm',
        platform: 'node',
        packages: 'external',
        metafile: true,
        logLevel: 'silent',
      });
      const imported = Object.values(metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
      expect(
        imported.filter((p) => MIDDY.test(p) || FRAMEWORK.test(p)),
        file,
      ).toEqual([]);
    }
  });

  it('builds the Lambda bundles without the functions framework, and with middy', () => {
    for (const name of functionEntries()) {
      const packages = [...packagesOf.get(`${entryPath(name)}.ts`)!];
      expect(
        packages.filter((p) => FRAMEWORK.test(p)),
        name,
      ).toEqual([]);
      expect(
        packages.some((p) => MIDDY.test(p)),
        name,
      ).toBe(true);
    }
  });

  it('builds the Cloud Functions bundle without middy, and with the functions framework', () => {
    const packages = [...packagesOf.get(`${entryPath(GCP_ENTRY)}.ts`)!];
    expect(packages.filter((p) => MIDDY.test(p))).toEqual([]);
    expect(packages.some((p) => FRAMEWORK.test(p))).toBe(true);
  });

  it('starts the local runtime without middy or the functions framework', () => {
    const packages = [...packagesOf.get(LOCAL_ENTRY)!];
    expect(packages.filter((p) => MIDDY.test(p) || FRAMEWORK.test(p))).toEqual([]);
  });

  it('imports nothing from functions/ anywhere in shared/', () => {
    const files = readdirSync(join(ROOT, 'shared'), { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.ts'),
    );
    const offenders = files.filter((f) =>
      /from '(?:\.\.\/)+functions\//.test(readFileSync(join(ROOT, 'shared', f), 'utf8')),
    );
    expect(offenders).toEqual([]);
  });
});
