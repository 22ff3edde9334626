/**
 * The configuration checked offline with the very schema the runtime loads it with (driver
 * options included: each driver's schema is part of it, shared/config/driver-schemas.ts), so
 * `config check` finds a missing `classRef` or a bad runtime address before a deploy does.
 * The one difference: a field holding an `env:` reference this shell cannot resolve is not
 * judged, since its value is only known where the runtime runs.
 */
import { type Config, ConfigSchema } from '../config/config-schema.ts';
import { ValidationError } from '../errors.ts';
import { parseInput } from '../schemas/parse.ts';

/** The checked configuration, or the problems as `path: message` lines naming fields in the file. */
export type CheckedConfig =
  | { readonly config: Config; readonly issues?: undefined }
  | { readonly config?: undefined; readonly issues: readonly string[]; readonly message: string };

/**
 * Check `input` (references resolved where this shell has them); `unresolved` holds the dotted
 * paths of the references it has not. When only those fail, each section that holds one is
 * kept as written and the others get their defaults, so the effective configuration still prints.
 */
export function checkAgainstSchema(
  input: unknown,
  unresolved: ReadonlySet<string>,
  where: string,
): CheckedConfig {
  try {
    return { config: parseInput(ConfigSchema, input, `configuration ${where}`) };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const judged = error.issues.filter((line) => !unresolved.has(line.slice(0, line.indexOf(': '))));
    if (judged.length > 0) {
      const more = judged.length > 1 ? ` (and ${judged.length - 1} more)` : '';
      return { issues: judged, message: `invalid configuration ${where}: ${judged[0]}${more}` };
    }
    const raw = (input ?? {}) as Record<string, unknown>;
    const sections = Object.entries(ConfigSchema.shape).map(([key, schema]) => {
      const parsed = schema.safeParse(raw[key]);
      return [key, parsed.success ? parsed.data : raw[key]] as const;
    });
    return { config: Object.fromEntries(sections) as Config };
  }
}
