/**
 * Build one deployment package per Lambda function for serverless.yml (`package.artifact`):
 * the esbuild output of scripts/build-functions.ts (the function's entry, every chunk it may
 * load) plus the configuration as `clusterburst.yaml`, zipped to dist/lambda/<function>.zip.
 * The serverless.yml plugin scripts/serverless-build.mjs runs this before packaging.
 * @example
 * npx tsx scripts/build-lambda.ts --stage prod --config deploy/aws/clusterburst.yaml
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { buildFunctions, PACKAGE_JSON, ROOT } from './build-functions.ts';
import { checkDeployConfig } from './check-deploy-config.ts';
import { type ZipEntry, zip } from './zip.ts';

/** Where the packages go (serverless.yml points at these files). */
export const LAMBDA_DIR = 'dist/lambda';

/** Options of `buildLambda`. */
export interface BuildLambdaOptions {
  /** Stage, used in the starter configuration's installation id. @default 'dev' */
  readonly stage?: string;
  /** The configuration to ship; `CLUSTERBURST_LAMBDA_CONFIG`, else a starter one. */
  readonly config?: string;
}

/** One built package. */
export interface LambdaPackage {
  readonly name: string;
  readonly file: string;
  readonly bytes: number;
  readonly files: number;
}

/**
 * What ships when no configuration is given. Lambda instances share no disk, so neither the
 * SQLite store nor the in-process bus fits: lifecycle events go to the stage's EventBridge bus
 * and records to the stage's DynamoDB table (both created by serverless.yml). The HTTP routes
 * are reachable from the Internet, so the webhook token is not optional.
 */
function starterConfig(stage: string): string {
  const id = `clusterburst-${stage.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 41);
  return [
    '# Written by scripts/build-lambda.ts: no configuration was given (--config FILE or',
    '# CLUSTERBURST_LAMBDA_CONFIG). Lambda instances share no disk: the bus is EventBridge',
    '# (the bus serverless.yml creates) and the store the DynamoDB table it creates (or the',
    '# kubernetes store, for a function that reaches the federation). The HTTP functions check',
    '# the token serverless.yml passes in CLUSTERBURST_TOKEN.',
    `installation: { id: ${id} }`,
    'server: { auth: { bearerToken: "env:CLUSTERBURST_TOKEN" } }',
    'bus:',
    '  driver: eventbridge',
    '  options: { busName: "env:CLUSTERBURST_EVENT_BUS" }',
    'store:',
    '  driver: dynamodb',
    '  options: { table: "env:CLUSTERBURST_STATE_TABLE" }',
    'stateDir: /tmp/clusterburst',
    '',
  ].join('\n');
}

/** Build and zip every Lambda function; returns what was written. */
export async function buildLambda(options: BuildLambdaOptions = {}): Promise<LambdaPackage[]> {
  const out = resolve(ROOT, LAMBDA_DIR);
  const configPath = options.config ?? process.env.CLUSTERBURST_LAMBDA_CONFIG;
  const config = configPath
    ? readFileSync(resolve(ROOT, configPath), 'utf8')
    : starterConfig(options.stage ?? 'dev');
  checkDeployConfig(config, configPath ?? 'starter configuration');
  rmSync(out, { recursive: true, force: true });
  const { outdir, bundles } = await buildFunctions({ outdir: join(LAMBDA_DIR, 'build') });
  const packages: LambdaPackage[] = [];
  for (const bundle of bundles) {
    const files = [...new Set([...bundle.eager, ...bundle.lazy])].sort();
    const entries: ZipEntry[] = [
      ...files.map((f) => ({ name: f.split('\\').join('/'), data: readFileSync(join(outdir, f)) })),
      { name: 'clusterburst.yaml', data: Buffer.from(config) },
      { name: 'package.json', data: Buffer.from(PACKAGE_JSON) },
    ];
    const file = join(out, `${bundle.name}.zip`);
    const archive = zip(entries);
    mkdirSync(out, { recursive: true });
    writeFileSync(file, archive);
    packages.push({ name: bundle.name, file, bytes: archive.length, files: entries.length });
  }
  return packages;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { stage: { type: 'string' }, config: { type: 'string' } } });
  const packages = await buildLambda({ stage: values.stage, config: values.config });
  for (const p of packages) {
    console.log(
      `${p.name.padEnd(16)} ${(p.bytes / 1024).toFixed(1).padStart(8)} kB zipped, ${p.files} files`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
