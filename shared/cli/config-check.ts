/**
 * `clusterburst config check [FILE]`: validate a configuration offline, the way the runtime will
 * at start-up, and print the effective configuration (defaults applied) with secrets masked.
 */
import { readFileSync } from 'node:fs';
import { parseDocument, stringify } from 'yaml';
import { ConfigError } from '../errors.ts';
import { effectiveAuth } from '../runtime/auth.ts';
import { checkAgainstSchema } from './driver-options.ts';
import { UsageError } from './usage-error.ts';

/** What the check found: the effective configuration as YAML, and notes for the operator. */
export interface ConfigCheck {
  readonly where: string;
  readonly effective: string;
  readonly notes: readonly string[];
}

/** Keys whose literal values are credentials and are never printed. */
const SECRET_KEY = /token|password|secret|credential|apikey|api_key|privatekey|accesskey/i;
const MASK = '********';

type Path = readonly string[];

/** Every `env:NAME` reference in the raw file, with where it is. */
function envRefs(value: unknown, path: Path = []): { path: Path; name: string }[] {
  if (typeof value === 'string' && value.startsWith('env:')) return [{ path, name: value.slice(4) }];
  if (Array.isArray(value)) return value.flatMap((v, i) => envRefs(v, [...path, String(i)]));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => envRefs(v, [...path, k]));
  return [];
}

/** Replace each reference by its value where this shell has it; keep the reference otherwise. */
function resolveWhereSet(value: unknown, env: NodeJS.ProcessEnv): unknown {
  if (typeof value === 'string' && value.startsWith('env:')) return env[value.slice(4)] || value;
  if (Array.isArray(value)) return value.map((v) => resolveWhereSet(v, env));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveWhereSet(v, env)]));
  return value;
}

/** The configuration to print: references shown as written, literal secrets masked. */
function masked(value: unknown, refs: ReadonlyMap<string, string>, path: Path = []): unknown {
  const ref = refs.get(path.join('\0'));
  if (ref !== undefined) return `env:${ref}`;
  if (Array.isArray(value)) return value.map((v, i) => masked(v, refs, [...path, String(i)]));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, masked(v, refs, [...path, k])]));
  if (typeof value === 'string' && SECRET_KEY.test(path.at(-1) ?? '')) return MASK;
  return value;
}

/**
 * Check the file at `path`, driver options included (nothing is contacted, nothing is started).
 * Throws UsageError naming the field when the runtime would refuse the file.
 */
export async function checkConfig(path: string | undefined, env: NodeJS.ProcessEnv): Promise<ConfigCheck> {
  let raw: unknown = {};
  const where = path ?? 'embedded defaults';
  if (path !== undefined) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read configuration ${path}: ${(error as Error).message}`);
    }
    const doc = parseDocument(text);
    const syntax = doc.errors[0];
    if (syntax) {
      const at = syntax.linePos?.[0];
      throw new UsageError(
        `invalid configuration ${path}${at ? ` line ${at.line} column ${at.col}` : ''}: ${syntax.message.split('\n')[0]}`,
      );
    }
    raw = doc.toJS() ?? {};
  }
  const refs = envRefs(raw);
  const unresolved = new Set(refs.filter((r) => !env[r.name]).map((r) => r.path.join('.')));
  const checked = checkAgainstSchema(resolveWhereSet(raw, env), unresolved, where);
  if (checked.issues)
    // One line per problem when there are several, so each field is named.
    throw new UsageError(
      [checked.message, ...(checked.issues.length > 1 ? checked.issues.map((i) => `  ${i}`) : [])].join('\n'),
    );
  const { config } = checked;
  // The same rule the local runtime applies at start-up (shared/runtime/auth.ts).
  try {
    effectiveAuth(config.server.auth, config.server.host);
  } catch (error) {
    if (error instanceof ConfigError)
      throw new UsageError(`invalid configuration ${where}: ${error.message.replace(/^configuration /, '')}`);
    throw error;
  }
  const notes = refs
    .filter((r) => !env[r.name])
    .map((r) => `${r.path.join('.')}: environment variable ${r.name} is not set here; the runtime needs it`);
  const refMap = new Map(refs.map((r) => [r.path.join('\0'), r.name]));
  return { where, effective: stringify(masked(config, refMap)), notes };
}
