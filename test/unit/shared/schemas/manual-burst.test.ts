import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../shared/errors.ts';
import { ManualBurstRequestSchema } from '../../../../shared/schemas/manual-burst.ts';
import { parseInput } from '../../../../shared/schemas/parse.ts';
import { listEvents, loadEvent } from '../../../support/events.ts';

function parse(input: unknown) {
  return parseInput(ManualBurstRequestSchema, input, 'burst request');
}

function issuesOf(input: unknown): readonly string[] {
  try {
    parse(input);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  return [];
}

describe('ManualBurstRequestSchema', () => {
  it.each(listEvents('manual'))('accepts the %s sample', (name) => {
    expect(parse(loadEvent('manual', name)).reason).not.toBe('');
  });

  it('normalises the sample ttl "2h" to 7200 seconds', () => {
    expect(parse(loadEvent('manual', 'burst-with-ttl')).ttl).toBe(7200);
  });

  it.each([
    [90, 90],
    ['90s', 90],
    ['30m', 1800],
    ['2h', 7200],
    ['1d', 86_400],
    ['600', 600],
    [' 45m ', 2700],
  ])('reads ttl %j as %d seconds', (ttl, seconds) => {
    expect(parse({ reason: 'test', ttl }).ttl).toBe(seconds);
  });

  it.each([0, -5, 1.5, 'two hours', '2w', '1h30m', '', '0s'])('rejects ttl %j, naming the field', (ttl) => {
    expect(issuesOf({ reason: 'test', ttl })).toEqual([
      'ttl: must be a positive number of seconds or a duration like "90s", "30m", "2h"',
    ]);
  });

  it('rejects a ttl over 30 days', () => {
    expect(issuesOf({ reason: 'test', ttl: '31d' })).toEqual([
      'ttl: must be at most 2592000 seconds (30 days)',
    ]);
  });

  it('rejects an unknown field, since a misspelt option must not be silently ignored', () => {
    expect(issuesOf(loadEvent('invalid', 'manual-unknown-field'))).toEqual([
      '(root): Unrecognized key: "node"',
    ]);
  });

  it('rejects a ttl that is not a duration', () => {
    expect(issuesOf(loadEvent('invalid', 'manual-bad-ttl'))[0]).toMatch(/^ttl: /);
  });

  it('rejects a blank reason', () => {
    expect(issuesOf(loadEvent('invalid', 'manual-empty-reason'))).toEqual(['reason: must not be empty']);
  });

  it('requires a reason', () => {
    expect(issuesOf({ nodes: 2 })).toEqual(['reason: Invalid input: expected string, received undefined']);
  });

  it('rejects a reason over 500 characters', () => {
    expect(issuesOf({ reason: 'x'.repeat(501) })[0]).toMatch(/^reason: /);
  });

  it.each([0, 1001, 2.5, '3'])('rejects nodes %j', (nodes) => {
    expect(issuesOf({ reason: 'test', nodes })[0]).toMatch(/^nodes: /);
  });

  it.each(['', 'has space', 'x'.repeat(129), 'semi;colon'])('rejects requestId %j', (requestId) => {
    expect(issuesOf({ reason: 'test', requestId })[0]).toMatch(/^requestId: /);
  });

  it('accepts a requestId of 128 allowed characters', () => {
    const requestId = `ops:2026-11-12_a.b-${'x'.repeat(108)}`;
    expect(parse({ reason: 'test', requestId }).requestId).toBe(requestId);
  });
});
