import type * as z from 'zod/v4/core';
import { ValidationError } from '../errors.ts';

/** Formats a zod issue path as dotted segments (`alerts.0.status`); `(root)` for the whole input. */
function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path.map((segment) => String(segment)).join('.');
}

/**
 * Flattens issues to `path: message` lines. A failed union says only "Invalid input"; instead,
 * report the branch that came closest (fewest issues), which is almost always the one the sender
 * meant, so the line names the real field.
 */
function describe(issues: readonly z.$ZodIssue[], prefix: readonly PropertyKey[] = []): string[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const closest = issue.errors.reduce((best, branch) => (branch.length < best.length ? branch : best));
      if (closest.length > 0) return describe(closest, path);
    }
    return [`${formatPath(path)}: ${issue.message}`];
  });
}

/**
 * What `parseInput` needs of a schema: classic zod schemas (config, drivers) and zod/mini ones
 * (function inputs, for a small cold start) both have it.
 */
export interface SafeParser<T> {
  safeParse(input: unknown): { success: true; data: T } | { success: false; error: z.$ZodError };
}

/**
 * Validates input from outside against a schema and returns the typed value, or throws a
 * `ValidationError` whose message names the source and whose `issues` are `path: message` lines.
 * Runtime adapters map that error to a 4xx, so nothing here may throw anything else.
 * @example
 * const payload = parseInput(AlertmanagerWebhookSchema, body, 'Alertmanager webhook');
 */
export function parseInput<T>(schema: SafeParser<T>, input: unknown, what: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = describe(result.error.issues);
  const first = issues[0] ?? 'invalid input';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  throw new ValidationError(`invalid ${what}: ${first}${more}`, issues, { cause: result.error });
}
