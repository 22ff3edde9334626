import { describe, expect, it } from 'vitest';
import { EVENT_FUNCTIONS } from '../../../functions/catalog.ts';
import { TEARDOWN_REQUESTED } from '../../../shared/core/steps/request-teardown.ts';
import { PHASE_EVENTS } from '../../../shared/core/transition.ts';

describe('the function catalog', () => {
  it('triggers every lifecycle function on an event that some phase change or teardown request emits', () => {
    const emitted = new Set([...Object.values(PHASE_EVENTS), TEARDOWN_REQUESTED]);
    const waiting = EVENT_FUNCTIONS.flatMap((fn) =>
      fn.events.filter((type) => !emitted.has(type)).map((type) => `${fn.name} waits for ${type}`),
    );
    expect(waiting).toEqual([]);
  });
});
