/**
 * Bundle benchmark: each function's bundle (esbuild, minified ESM, node22, code splitting) as
 * a cold start loads it (entry + statically imported chunks) and the chunks it only loads on
 * demand (drivers named by the configuration), and the cold import time of each bundle in a
 * fresh `node` process (median of 9) next to an empty module's. Targets: every bundle < 1 MB,
 * cold import at most 3x an empty module's. With `--baseline DIR` (another checkout of the
 * repository, e.g. `git archive <commit> | tar -x -C DIR` with node_modules linked in), that
 * tree's bundles are built too and timed in the same rounds, for a same-run before/after.
 * @example
 * npx tsx bench/bundle.ts
 * npx tsx bench/bundle.ts --baseline /tmp/clusterburst-main
 */
import { execFile } from 'node:child_process';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { buildFunctions, entryPath, functionEntries, GCP_ENTRY } from '../scripts/build-functions.ts';

const run = promisify(execFile);

/** Where the benchmark builds (git- and lint-ignored). */
const OUT = 'dist/bench-bundle';
const RUNS = 9;
const LIMIT_BYTES = 1024 * 1024;

/** One function's figures. */
export interface BundleFigures {
  readonly name: string;
  readonly eagerBytes: number;
  readonly eagerFiles: number;
  readonly lazyBytes: number;
  readonly lazyFiles: number;
  readonly largestLazyBytes: number;
  readonly importMs: number;
}

// Timed inside the child so process start-up (the same for every bundle) is left out. PRELOAD is
// what the platform has loaded before it imports the function's module (see `preloadOf`).
const IMPORT_TIMER =
  'if(process.env.PRELOAD)await import(process.env.PRELOAD);const t=performance.now();await import(process.env.BUNDLE);process.stdout.write(String(performance.now()-t));';

/**
 * The Cloud Functions runtime is the functions framework itself: its main module has loaded its
 * loader, invoker and server (Express, body-parser) before it imports the function's module,
 * which then finds them in the module cache (that is why the bundle leaves the framework
 * external). So the gcp bundle is timed after those are loaded, as at a real cold start, and the
 * framework's own load is printed apart. Lambda's runtime loads nothing of ours first.
 */
const FRAMEWORK_PRELOAD = `// What functions-framework's main.js has required before it loads the function's module.
const { dirname, join } = require('node:path');
const dir = dirname(require.resolve('@google-cloud/functions-framework'));
for (const m of ['index.js', 'loader.js', 'invoker.js', 'server.js', 'options.js', 'logger.js']) require(join(dir, m));
`;
function preloadOf(file: string, preload: string): string | undefined {
  return file.endsWith(`${entryPath(GCP_ENTRY)}.js`) ? pathToFileURL(preload).href : undefined;
}

/** Time one cold import of a module in a fresh process. */
async function coldImportOnce(file: string, frameworkPreload: string): Promise<number> {
  const preload = preloadOf(file, frameworkPreload);
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', IMPORT_TIMER], {
    env: {
      ...process.env,
      BUNDLE: pathToFileURL(file).href,
      NODE_NO_WARNINGS: '1',
      ...(preload && { PRELOAD: preload }),
    },
    timeout: 60_000,
  });
  return Number(stdout);
}

/**
 * Median cold import time of each module. Runs go round-robin over the modules rather than
 * five in a row each, so a burst of load on a shared machine spreads over all of them.
 */
async function coldImportMs(files: readonly string[], frameworkPreload: string): Promise<number[]> {
  const times = files.map((): number[] => []);
  for (let r = 0; r < RUNS; r++) {
    for (const [i, file] of files.entries()) times[i]!.push(await coldImportOnce(file, frameworkPreload));
  }
  return times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]!);
}

const kB = (bytes: number) => (bytes / 1024).toFixed(1);

/** The baseline tree's bundles, built with that tree's own build script. */
async function baselineBundles(root: string): Promise<Map<string, string>> {
  const script = pathToFileURL(join(root, 'scripts/build-functions.ts')).href;
  const other = (await import(script)) as typeof import('../scripts/build-functions.ts');
  const out = join(root, OUT);
  const { outdir, bundles } = await other.buildFunctions({
    outdir: out,
    entries: other.functionEntries({ gcp: true }),
  });
  return new Map(bundles.map((b) => [b.name, join(outdir, b.entry)]));
}

/** Build, measure and print every function's bundle; returns the figures. */
export async function main(): Promise<BundleFigures[]> {
  const { values } = parseArgs({ options: { baseline: { type: 'string' } }, strict: false });
  rmSync(OUT, { recursive: true, force: true });
  const { outdir, bundles } = await buildFunctions({ outdir: OUT, entries: functionEntries({ gcp: true }) });
  const baseline = typeof values.baseline === 'string' ? await baselineBundles(values.baseline) : new Map();
  const baseNames = [...baseline.keys()];
  const size = (files: readonly string[]) =>
    files.reduce((sum, f) => sum + statSync(join(outdir, f)).size, 0);
  const empty = join(outdir, 'empty.mjs');
  writeFileSync(empty, 'export {};\n');
  const preload = join(outdir, 'framework-preload.cjs');
  writeFileSync(preload, FRAMEWORK_PRELOAD);
  const [emptyMs, frameworkMs, ...allMs] = await coldImportMs(
    [empty, preload, ...bundles.map((b) => join(outdir, b.entry)), ...baseNames.map((n) => baseline.get(n)!)],
    preload,
  );
  const importMs = allMs.slice(0, bundles.length);
  const baseMs = new Map(baseNames.map((n, i) => [n, allMs[bundles.length + i]!]));
  const figures: BundleFigures[] = bundles.map((b, i) => ({
    name: b.name,
    eagerBytes: size(b.eager),
    eagerFiles: b.eager.length,
    lazyBytes: size(b.lazy),
    lazyFiles: b.lazy.length,
    largestLazyBytes: Math.max(0, ...b.lazy.map((f) => size([f]))),
    importMs: importMs[i]!,
  }));
  console.log(
    'bundle sizes (esbuild, minified ESM, node22, splitting; better-sqlite3 and functions-framework external)',
  );
  console.log(`cold import: fresh node ${process.version} per run, median of ${RUNS}`);
  console.log(
    `${'function'.padEnd(15)}${'bundle kB'.padStart(11)}${'files'.padStart(7)}${'lazy kB'.padStart(10)}${'chunks'.padStart(8)}${'largest'.padStart(9)}${'import ms'.padStart(11)}`,
  );
  console.log(`${'(empty module)'.padEnd(15)}${''.padStart(45)}${emptyMs!.toFixed(1).padStart(11)}`);
  console.log(
    `(${GCP_ENTRY}: timed with the functions framework already loaded, as its runtime loads it first; the framework's own load: ${frameworkMs!.toFixed(1)} ms)`,
  );
  const times = (ms: number) => `${(ms / emptyMs!).toFixed(1)}x`;
  for (const f of figures) {
    const before = baseMs.get(f.name);
    console.log(
      `${f.name.padEnd(15)}${kB(f.eagerBytes).padStart(11)}${String(f.eagerFiles).padStart(7)}${kB(f.lazyBytes).padStart(10)}${String(f.lazyFiles).padStart(8)}${kB(f.largestLazyBytes).padStart(9)}${f.importMs.toFixed(1).padStart(11)}${times(f.importMs).padStart(7)}${before === undefined ? '' : `   baseline ${before.toFixed(1)} ms ${times(before)}`}`,
    );
  }
  for (const name of baseNames.filter((n) => !figures.some((f) => f.name === n))) {
    console.log(
      `${name.padEnd(15)}${'(gone)'.padStart(11)}${''.padStart(45)}   baseline ${baseMs.get(name)!.toFixed(1)} ms ${times(baseMs.get(name)!)}`,
    );
  }
  const worst = Math.max(...figures.map((f) => f.importMs)) / emptyMs!;
  console.log(
    worst <= 3
      ? `cold import target met: every bundle within 3x an empty module (worst ${worst.toFixed(1)}x)`
      : `cold import target missed: worst bundle ${worst.toFixed(1)}x an empty module (target 3x)`,
  );
  const over = figures.filter((f) => f.eagerBytes >= LIMIT_BYTES);
  console.log(
    over.length
      ? `target missed: ${over.map((f) => f.name).join(', ')} load 1 MB or more at cold start`
      : `target met: every bundle (entry + static chunks) under 1 MB (largest ${kB(Math.max(...figures.map((f) => f.eagerBytes)))} kB)`,
  );
  return figures;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
