import type { z } from 'zod';
import { ConfigError, ValidationError } from '../../errors.ts';
import { parseInput } from '../../schemas/parse.ts';

/**
 * Validates a driver's options once, at construction (cold start); a problem is a ConfigError
 * whose message names the field, e.g. `invalid configuration federation.options: clusterNamespace: ...`.
 */
export function parseDriverOptions<S extends z.ZodType>(
  schema: S,
  input: unknown,
  where: string,
): z.output<S> {
  try {
    return parseInput(schema, input ?? {}, `configuration ${where}`);
  } catch (error) {
    if (error instanceof ValidationError) throw new ConfigError(error.message, { cause: error });
    throw error;
  }
}
