/**
 * osls (Serverless Framework v3 fork) plugin: builds the Lambda packages with our own esbuild
 * script (scripts/build-lambda.ts) before `serverless package` / `deploy` look for the
 * `package.artifact` of each function, so no bundling plugin (serverless-esbuild) is needed.
 * Options: `custom.build.config` (configuration file to ship; else CLUSTERBURST_LAMBDA_CONFIG,
 * else a starter one).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./build-lambda.ts', import.meta.url));

/** The plugin class osls instantiates with (serverless, cliOptions, { log }). */
export default class ClusterburstBuild {
  constructor(serverless, options, utils) {
    this.serverless = serverless;
    this.options = options;
    this.log = utils?.log;
    this.built = false;
    this.hooks = {
      'before:package:createDeploymentArtifacts': () => this.build(),
      'before:package:function:package': () => this.build(),
      'before:invoke:local:invoke': () => this.invokeLocal(),
    };
  }

  /**
   * `serverless invoke local -f capacityAlarmCloudWatch --path events/cloudwatch/alarm.json`:
   * run the built bundle rather than the TypeScript source, against the local state (the
   * embedded defaults or ./clusterburst.yaml, or CLUSTERBURST_LOCAL_CONFIG), not the shipped
   * Lambda configuration.
   */
  invokeLocal() {
    this.build();
    this.options.extraServicePath = 'dist/lambda/build';
    if (process.env.CLUSTERBURST_LOCAL_CONFIG)
      process.env.CLUSTERBURST_CONFIG = process.env.CLUSTERBURST_LOCAL_CONFIG;
    else delete process.env.CLUSTERBURST_CONFIG;
  }

  build() {
    if (this.built) return;
    const stage = this.options.stage ?? this.serverless.service.provider.stage ?? 'dev';
    const config = this.serverless.service.custom?.build?.config;
    const args = [
      '--import',
      'tsx',
      SCRIPT,
      '--stage',
      String(stage),
      ...(config ? ['--config', config] : []),
    ];
    this.log?.notice?.('Building Lambda packages (scripts/build-lambda.ts)');
    const run = spawnSync(process.execPath, args, {
      cwd: this.serverless.serviceDir,
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
    });
    if (run.status !== 0) {
      throw new this.serverless.classes.Error(`scripts/build-lambda.ts failed (exit ${run.status})`);
    }
    for (const line of run.stdout.trim().split('\n')) this.log?.info?.(line);
    this.built = true;
  }
}
