import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError, ValidationError } from '../errors.ts';
import { parseInput } from '../schemas/parse.ts';
import { type Config, ConfigSchema } from './config-schema.ts';

/** Where configuration comes from. */
export interface ConfigSource {
  /** Path of the YAML file; `CLUSTERBURST_CONFIG`, else `clusterburst.yaml` if it exists. */
  readonly path?: string;
  /** Already-parsed configuration (tests, embedding); wins over the file. */
  readonly value?: unknown;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Load, validate and resolve the configuration once, at start-up (or cold start), driver options
 * included. Errors are ConfigErrors naming the field:
 * `invalid configuration clusterburst.yaml: gateway.options.runtime: Invalid input: expected string, received undefined`.
 * Secrets written as `env:NAME` are replaced by the variable's value; a missing one is an error.
 */
export function loadConfig(source: ConfigSource = {}): Config {
  const env = source.env ?? process.env;
  let raw: unknown = source.value ?? {};
  let where = 'embedded defaults';
  if (source.value === undefined) {
    const explicit = source.path ?? env.CLUSTERBURST_CONFIG;
    const path = explicit ?? 'clusterburst.yaml';
    try {
      raw = parseYaml(readFileSync(path, 'utf8')) ?? {};
      where = path;
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      if (!missing || explicit) {
        throw new ConfigError(`cannot read configuration ${path}: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
  }
  try {
    const config = parseInput(ConfigSchema, resolveEnv(raw, env, []), `configuration ${where}`);
    return config;
  } catch (error) {
    // No `cause`: a zod error may carry the rejected input, and that may be a secret.
    if (error instanceof ValidationError) throw new ConfigError(error.message);
    throw error;
  }
}

/** Replace every `env:NAME` string with the variable's value, naming the field if it is unset. */
function resolveEnv(value: unknown, env: NodeJS.ProcessEnv, path: string[]): unknown {
  if (typeof value === 'string' && value.startsWith('env:')) {
    const name = value.slice(4);
    const resolved = env[name];
    if (resolved === undefined || resolved === '') {
      throw new ConfigError(`configuration ${path.join('.')}: environment variable ${name} is not set`);
    }
    return resolved;
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveEnv(v, env, [...path, String(i)]));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveEnv(v, env, [...path, k])]));
  }
  return value;
}
