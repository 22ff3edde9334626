import { Logger } from '@aws-lambda-powertools/logger';

/**
 * Structured JSON logs (Powertools): one line per event, burst id as a key where there is one.
 * Core sees it only as its `Logger` interface (shared/core/telemetry.ts).
 */
export type { Logger };

/** The root logger of a process. */
export function createLogger(level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' = 'INFO'): Logger {
  return new Logger({ serviceName: 'clusterburst', logLevel: level });
}

/** A child logger whose every line carries the burst id. */
export function burstLogger(logger: Logger, burstId: string): Logger {
  return logger.createChild({ persistentKeys: { burstId } });
}
