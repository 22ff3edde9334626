/**
 * The check both cloud builds (scripts/build-lambda.ts, scripts/build-gcp.ts) run on the
 * configuration they ship, so a mistake stops the build (and `serverless deploy`, which runs
 * it) rather than the first cold start.
 */
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../shared/config/load-config.ts';
import { requireAuth } from '../shared/runtime/auth.ts';

/**
 * Validate a configuration to deploy: the schema, and credentials for the HTTP functions (or an
 * explicit `server.auth: none`), since on a cloud every route is reachable from the Internet.
 * Secrets (`env:NAME`) are only known to the deployed function, so any value stands in for them.
 * Throws an Error starting with `where`.
 * @example
 * checkDeployConfig(readFileSync('site.yaml', 'utf8'), 'site.yaml');
 */
export function checkDeployConfig(text: string, where: string): void {
  const anyValue = new Proxy({}, { get: () => 'set-at-runtime' }) as NodeJS.ProcessEnv;
  try {
    const config = loadConfig({ value: parseYaml(text) ?? {}, env: anyValue });
    requireAuth(config.server.auth, 'a cloud deployment');
  } catch (error) {
    throw new Error(`${where}: ${(error as Error).message}`);
  }
}
