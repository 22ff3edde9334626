import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ValidationError } from '../../../../shared/errors.ts';
import { parseInput } from '../../../../shared/schemas/parse.ts';

const Schema = z.object({
  name: z.string(),
  items: z.array(z.object({ state: z.enum(['on', 'off']) })),
});

function failure(input: unknown): ValidationError {
  try {
    parseInput(Schema, input, 'test payload');
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected parseInput to throw');
}

describe('parseInput', () => {
  it('returns the parsed value when the input is valid', () => {
    const value = parseInput(Schema, { name: 'a', items: [{ state: 'on' }] }, 'test payload');
    expect(value).toEqual({ name: 'a', items: [{ state: 'on' }] });
  });

  it('throws a ValidationError whose message names the source and the first problem', () => {
    const error = failure({ name: 'a', items: [{ state: 'maybe' }] });
    expect(error.message).toBe(
      'invalid test payload: items.0.state: Invalid option: expected one of "on"|"off"',
    );
    expect(error.retryable).toBe(false);
  });

  it('lists every problem as a path: message line', () => {
    const error = failure({ items: [{ state: 'maybe' }] });
    expect(error.issues).toEqual([
      'name: Invalid input: expected string, received undefined',
      'items.0.state: Invalid option: expected one of "on"|"off"',
    ]);
    expect(error.message).toContain('(and 1 more)');
  });

  it('names the root when the input is not an object at all', () => {
    const error = failure('not json object');
    expect(error.issues).toEqual(['(root): Invalid input: expected object, received string']);
  });
});

describe('parseInput with a union', () => {
  const Either = z.union([
    z.strictObject({ task: z.enum(['a', 'b']) }),
    z.object({ source: z.literal('cron'), rule: z.string() }),
  ]);

  it('names the field of the branch the input came closest to', () => {
    expect(() => parseInput(Either, { task: 'c' }, 'trigger')).toThrow(
      'invalid trigger: task: Invalid option: expected one of "a"|"b"',
    );
    expect(() => parseInput(Either, { source: 'cron' }, 'trigger')).toThrow(
      'invalid trigger: rule: Invalid input: expected string, received undefined',
    );
  });
});
