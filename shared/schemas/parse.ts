import type { z } from 'zod';
import { ValidationError } from '../errors.ts';

/** Formats a zod issue path as dotted segments (`alerts.0.status`); `(root)` for the whole input. */
function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path.map((segment) => String(segment)).join('.');
}

/**
 * Validates input from outside against a schema and returns the typed value, or throws a
 * `ValidationError` whose message names the source and whose `issues` are `path: message` lines.
 * Runtime adapters map that error to a 4xx, so nothing here may throw anything else.
 * @example
 * const payload = parseInput(AlertmanagerWebhookSchema, body, 'Alertmanager webhook');
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  const first = issues[0] ?? 'invalid input';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  throw new ValidationError(`invalid ${what}: ${first}${more}`, issues, { cause: result.error });
}
