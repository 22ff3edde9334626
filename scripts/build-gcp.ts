/**
 * Build the Cloud Functions source directory dist/gcp: the bundle of functions/gcp/index.ts (every
 * function registered under its name) and a package.json whose only dependency is the
 * functions framework, which Cloud Functions installs and starts (it must not be bundled: the
 * functions register in the framework's own registry). Deploy with `--source dist/gcp`.
 * @example
 * npx tsx scripts/build-gcp.ts --config site.yaml
 * gcloud functions deploy capacityAlarm --gen2 --runtime nodejs22 --trigger-http \
 *   --entry-point capacityAlarm --source dist/gcp --set-env-vars CLUSTERBURST_CONFIG=clusterburst.yaml
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { buildFunctions, entryPath, GCP_ENTRY, ROOT } from './build-functions.ts';
import { checkDeployConfig } from './check-deploy-config.ts';

/** The Cloud Functions source directory. */
export const GCP_DIR = 'dist/gcp';

/**
 * Build dist/gcp; `config` is checked (schema, and credentials for the HTTP functions or an
 * explicit `server.auth: none`) and copied in as clusterburst.yaml when given. Without one, the
 * deployment must point CLUSTERBURST_CONFIG at a configuration; the HTTP functions refuse to
 * serve until it sets `server.auth`.
 */
export async function buildGcp(options: { readonly config?: string } = {}): Promise<string> {
  if (options.config) {
    checkDeployConfig(readFileSync(resolve(ROOT, options.config), 'utf8'), options.config);
  }
  const { outdir } = await buildFunctions({ outdir: GCP_DIR, entries: [GCP_ENTRY] });
  const ours = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const framework = '@google-cloud/functions-framework';
  const manifest = {
    name: 'clusterburst-gcp',
    private: true,
    type: 'module',
    main: `${entryPath(GCP_ENTRY)}.js`,
    engines: { node: '>=22' },
    dependencies: { [framework]: ours.dependencies[framework] },
  };
  writeFileSync(join(outdir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  if (options.config) copyFileSync(resolve(ROOT, options.config), join(outdir, 'clusterburst.yaml'));
  return outdir;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { config: { type: 'string' } } });
  console.log(`Cloud Functions source: ${await buildGcp({ config: values.config })}`);
  if (!values.config) {
    console.warn(
      'no --config: the HTTP functions will serve nothing until the configuration they load sets server.auth',
    );
  }
}
