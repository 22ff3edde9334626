/**
 * `npm start`: the local / on-premises control plane, one process, embedded defaults.
 * @example
 * PORT=8080 npm start                       # no config file needed
 * CLUSTERBURST_CONFIG=site.yaml npm start   # a site's configuration
 */
import { loadConfig } from '../../shared/config/load-config.ts';
import { ClusterburstError } from '../../shared/errors.ts';
import { createLogger } from '../../shared/runtime/logger.ts';
import { Metrics } from '../../shared/runtime/metrics.ts';
import { startLocalRuntime } from './runtime.ts';

async function main(): Promise<void> {
  const logger = createLogger();
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    logger.error((error as Error).message);
    process.exitCode = 2;
    return;
  }
  if (process.env.PORT) config = { ...config, server: { ...config.server, port: Number(process.env.PORT) } };
  logger.setLogLevel(config.logLevel);
  try {
    const runtime = await startLocalRuntime(config, { logger, metrics: new Metrics().withProcessMetrics() });
    const shutdown = (signal: string) => {
      logger.info(`${signal}: stopping`);
      void runtime.stop().then(() => process.exit(0));
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  } catch (error) {
    logger.error(
      error instanceof ClusterburstError ? error.message : `start-up failed: ${(error as Error).stack}`,
    );
    process.exitCode = 1;
  }
}

await main();
