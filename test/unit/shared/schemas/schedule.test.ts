import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../shared/errors.ts';
import { parseInput } from '../../../../shared/schemas/parse.ts';
import { SCHEDULE_TASKS, ScheduleEventSchema } from '../../../../shared/schemas/schedule.ts';
import { listEvents, loadEvent } from '../../../support/events.ts';

function issuesOf(input: unknown): readonly string[] {
  try {
    parseInput(ScheduleEventSchema, input, 'schedule event');
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  return [];
}

describe('ScheduleEventSchema', () => {
  it.each(listEvents('schedule'))('accepts the %s sample', (name) => {
    expect(issuesOf(loadEvent('schedule', name))).toEqual([]);
  });

  it.each(SCHEDULE_TASKS)('accepts the local task %s', (task) => {
    expect(parseInput(ScheduleEventSchema, { task }, 'schedule event')).toEqual({ task });
  });

  it('rejects an unknown task, naming the field', () => {
    expect(issuesOf(loadEvent('invalid', 'schedule-unknown-task'))).toEqual([
      'task: Invalid option: expected one of "scale-down"|"health"|"reconcile"',
    ]);
  });

  it('rejects an EventBridge scheduled event without its rule ARN', () => {
    const event = loadEvent('schedule', 'eventbridge-scheduled') as Record<string, unknown>;
    expect(issuesOf({ ...event, resources: [] })[0]).toMatch(/^resources: /);
    expect(issuesOf({ ...event, resources: ['arn:aws:sns:eu-west-1:493827160354:x'] })[0]).toMatch(
      /^resources\.0: must be an EventBridge rule ARN/,
    );
  });

  it('keeps fields EventBridge may add to a scheduled event', () => {
    const event = loadEvent('schedule', 'eventbridge-scheduled') as Record<string, unknown>;
    expect(parseInput(ScheduleEventSchema, { ...event, replay: 'none' }, 'schedule event')).toMatchObject({
      replay: 'none',
    });
  });
});
