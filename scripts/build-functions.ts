/**
 * esbuild builds of the function entry points (functions/lambda/*, functions/gcp/index): minified ESM for Node 22,
 * one build per function, code splitting on so that drivers loaded with `await import()` (the
 * registry) become chunks a function only loads when its configuration names them. Shared by
 * the Lambda packaging (scripts/build-lambda.ts) and the bundle benchmark (bench/bundle.ts).
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Modules left out of bundles: better-sqlite3 is a native addon; the functions framework must
 * be the very copy the Cloud Functions runtime starts from node_modules, or the functions would
 * register in a second, unseen registry.
 */
export const EXTERNAL = ['better-sqlite3', '@google-cloud/functions-framework'];

/** The Cloud Functions bundle's entry name (every function registered in one module). */
export const GCP_ENTRY = 'gcp';

/** Lambda entry names (files in functions/lambda/ without `.ts`), sorted. */
export function functionEntries(options: { readonly gcp?: boolean } = {}): string[] {
  const lambda = readdirSync(join(ROOT, 'functions/lambda'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3));
  return [...lambda, ...(options.gcp ? [GCP_ENTRY] : [])].sort();
}

/**
 * Where an entry's source is and where its bundle lands, without `.ts`/`.js`: Lambda entries
 * at `functions/lambda/<name>` (serverless.yml's `handler: functions/lambda/<name>.handler`),
 * the Cloud Functions entry at `functions/gcp/index`. Only these files carry platform libraries.
 */
export function entryPath(name: string): string {
  return name === GCP_ENTRY ? 'functions/gcp/index' : `functions/lambda/${name}`;
}

/** Options of `buildFunctions`. */
export interface BuildFunctionsOptions {
  /** Output directory (absolute, or relative to the repository root). */
  readonly outdir: string;
  /** Entry names; every function (Lambda entries) when omitted. */
  readonly entries?: readonly string[];
  /** @default true */
  readonly minify?: boolean;
}

/** One function's bundle: its entry file and the files it loads, relative to the outdir. */
export interface FunctionBundle {
  readonly name: string;
  readonly entry: string;
  /** The entry and every chunk it imports statically: what a cold start loads. */
  readonly eager: readonly string[];
  /** Chunks reachable only through dynamic imports (optional drivers), with their own imports. */
  readonly lazy: readonly string[];
}

/** The result of a build. */
export interface BuildResult {
  readonly outdir: string;
  readonly metafile: Metafile;
  readonly bundles: readonly FunctionBundle[];
}

// ESM output has no `require`; bundled CommonJS packages that call it for Node built-ins need one.
const REQUIRE_SHIM =
  "import{createRequire as __cbRequire}from'node:module';const require=__cbRequire(import.meta.url);";

/**
 * `import { z } from 'zod'` makes the bundler keep the whole `z` namespace object, including
 * `z.locales`: some 260 kB of translated error messages per bundle. We never switch locale
 * (zod configures English itself, from its own import of `en.js`), so `z.locales` is cut down to
 * English. Loading time of every function drops accordingly.
 */
const englishOnlyZodLocales: Plugin = {
  name: 'zod-english-only-locales',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${sep}zod${sep}`)
        ? { path: join(dirname(args.importer), '../locales/index.js'), namespace: 'zod-locales' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: "export { default as en } from './en.js';",
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

/** Marks the build output as ES modules. */
export const PACKAGE_JSON = '{ "type": "module" }\n';

/** Bundle the function entry points; entries land at `entryPath(name).js`, chunks in `chunks/`. */
export async function buildFunctions(options: BuildFunctionsOptions): Promise<BuildResult> {
  const outdir = resolve(ROOT, options.outdir);
  // Chunk names carry content hashes: clear old ones so packages hold only this build's files.
  rmSync(outdir, { recursive: true, force: true });
  const entries = options.entries ?? functionEntries();
  // One build per function: a cold start loads the entry and the chunks it imports statically,
  // and a build of all functions together splits their shared code into a chunk per set of
  // functions sharing it (some twenty small files each, every one a module load). Built alone, a
  // function's code splits only between what it loads at import and what it loads on demand.
  // Chunks are named by content, so two builds that share one write the same file.
  const results = await Promise.all(
    entries.map((name) =>
      build({
        absWorkingDir: ROOT,
        entryPoints: { [entryPath(name)]: `${entryPath(name)}.ts` },
        outdir,
        write: false,
        bundle: true,
        splitting: true,
        format: 'esm',
        platform: 'node',
        target: 'node22',
        minify: options.minify ?? true,
        metafile: true,
        chunkNames: 'chunks/[name]-[hash]',
        external: EXTERNAL,
        banner: { js: REQUIRE_SHIM },
        legalComments: 'none',
        logLevel: 'warning',
        plugins: [englishOnlyZodLocales],
      }),
    ),
  );
  const written = new Set<string>();
  for (const file of results.flatMap((r) => r.outputFiles)) {
    if (written.has(file.path)) continue;
    written.add(file.path);
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.contents);
  }
  const metafile: Metafile = {
    inputs: Object.assign({}, ...results.map((r) => r.metafile.inputs)),
    outputs: Object.assign({}, ...results.map((r) => r.metafile.outputs)),
  };
  // `.js` files are ESM by this package.json, for Lambda (it ships in each zip) and for
  // `serverless invoke local`, which can load `.js` but not `.mjs` handlers.
  writeFileSync(join(outdir, 'package.json'), PACKAGE_JSON);
  const bundles = entries.map((name) => bundleOf(metafile, outdir, name));
  return { outdir, metafile, bundles };
}

function bundleOf(metafile: Metafile, outdir: string, name: string): FunctionBundle {
  const outputs = metafile.outputs;
  const source = `${entryPath(name)}.ts`;
  const entry = Object.keys(outputs).find((o) => outputs[o]!.entryPoint === source);
  if (!entry) throw new Error(`esbuild produced no output for ${source}`);
  const closure = (start: readonly string[], kinds: readonly string[]): Set<string> => {
    const seen = new Set<string>();
    const todo = [...start];
    while (todo.length) {
      const file = todo.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const imp of outputs[file]?.imports ?? []) {
        if (!imp.external && kinds.includes(imp.kind)) todo.push(imp.path);
      }
    }
    return seen;
  };
  const eager = closure([entry], ['import-statement']);
  const everything = closure([entry], ['import-statement', 'dynamic-import']);
  const lazy = [...everything].filter((f) => !eager.has(f));
  const rel = (f: string) => relative(outdir, resolve(ROOT, f));
  return { name, entry: rel(entry), eager: [...eager].map(rel), lazy: lazy.map(rel) };
}
