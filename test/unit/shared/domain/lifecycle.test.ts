import { describe, expect, it } from 'vitest';
import {
  canTransition,
  isLive,
  PHASES,
  type Phase,
  TEARDOWN_PHASES,
  TERMINAL_PHASES,
  TRANSITIONS,
  teardownEntry,
} from '../../../../shared/domain/lifecycle.ts';

/** The edges DESIGN.md draws, written out independently of the table under test. */
const EDGES: readonly (readonly [Phase, Phase])[] = [
  ['Requested', 'Provisioning'],
  ['Requested', 'Deleting'],
  ['Requested', 'Failed'],
  ['Provisioning', 'Ready'],
  ['Provisioning', 'Deleting'],
  ['Provisioning', 'Failed'],
  ['Ready', 'Joined'],
  ['Ready', 'Deleting'],
  ['Ready', 'Failed'],
  ['Joined', 'Active'],
  ['Joined', 'Leaving'],
  ['Joined', 'Failed'],
  ['Active', 'Draining'],
  ['Active', 'Failed'],
  ['Draining', 'Leaving'],
  ['Draining', 'Joined'],
  ['Draining', 'Failed'],
  ['Leaving', 'Deleting'],
  ['Leaving', 'Failed'],
  ['Deleting', 'Deleted'],
  ['Deleting', 'Failed'],
];

const LIVE_PHASES = PHASES.filter((p) => !TERMINAL_PHASES.includes(p));

/** Phases reachable from `start` by following the table. */
function reachable(start: Phase): Set<Phase> {
  const seen = new Set<Phase>([start]);
  const queue: Phase[] = [start];
  for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
    for (const next of TRANSITIONS[p]) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}

describe('lifecycle transition table', () => {
  it.each(EDGES)('allows %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  it('allows no edge other than the ones in the design', () => {
    const allowed = PHASES.flatMap((from) =>
      PHASES.filter((to) => canTransition(from, to)).map((to) => `${from}->${to}`),
    );
    expect(allowed.sort()).toEqual(EDGES.map(([from, to]) => `${from}->${to}`).sort());
  });

  it('lists every phase in the table, and only phases', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...PHASES].sort());
    for (const targets of Object.values(TRANSITIONS)) {
      for (const to of targets) expect(PHASES).toContain(to);
    }
  });

  it('never goes back to an earlier phase nor stays in place, but for a cancelled drain', () => {
    const cancel = ([from, to]: readonly [Phase, Phase]) => from === 'Draining' && to === 'Joined';
    for (const [from, to] of EDGES.filter((e) => !cancel(e))) {
      expect(PHASES.indexOf(to), `${from} -> ${to}`).toBeGreaterThan(PHASES.indexOf(from));
    }
  });

  it('walks the happy path from Requested to Deleted one edge at a time', () => {
    const path: Phase[] = [
      'Requested',
      'Provisioning',
      'Ready',
      'Joined',
      'Active',
      'Draining',
      'Leaving',
      'Deleting',
      'Deleted',
    ];
    for (let i = 1; i < path.length; i++) expect(canTransition(path[i - 1]!, path[i]!)).toBe(true);
  });

  it('reaches every phase from Requested', () => {
    expect([...reachable('Requested')].sort()).toEqual([...PHASES].sort());
  });
});

describe('terminal phases', () => {
  it('are exactly Deleted and Failed', () => {
    expect([...TERMINAL_PHASES].sort()).toEqual(['Deleted', 'Failed']);
  });

  it.each(TERMINAL_PHASES)('%s has no way out and holds nothing', (phase) => {
    expect(TRANSITIONS[phase]).toEqual([]);
    for (const to of PHASES) expect(canTransition(phase, to)).toBe(false);
    expect(isLive(phase)).toBe(false);
  });

  it.each(LIVE_PHASES)('%s is live, can always fail, and can still end as Deleted', (phase) => {
    expect(isLive(phase)).toBe(true);
    expect(canTransition(phase, 'Failed')).toBe(true);
    expect(reachable(phase).has('Deleted')).toBe(true);
  });
});

describe('teardownEntry', () => {
  it.each<[Phase, Phase | undefined]>([
    ['Requested', 'Deleting'],
    ['Provisioning', 'Deleting'],
    ['Ready', 'Deleting'],
    ['Joined', 'Leaving'],
    ['Active', 'Draining'],
    ['Draining', undefined],
    ['Leaving', undefined],
    ['Deleting', undefined],
    ['Deleted', undefined],
    ['Failed', undefined],
  ])('starts the teardown of a %s record at %s', (phase, entry) => {
    expect(teardownEntry(phase)).toBe(entry);
  });

  it.each(PHASES.filter((p) => teardownEntry(p) !== undefined))(
    'from %s enters a teardown phase through an edge of the table',
    (phase) => {
      const entry = teardownEntry(phase)!;
      expect(TEARDOWN_PHASES).toContain(entry);
      expect(canTransition(phase, entry)).toBe(true);
    },
  );

  it('has no entry for a record already on its way out or gone', () => {
    for (const phase of [...TEARDOWN_PHASES, ...TERMINAL_PHASES]) {
      expect(teardownEntry(phase), phase).toBeUndefined();
    }
  });

  it('drains traffic only for an Active record and unjoins only a record that may have joined', () => {
    const draining = PHASES.filter((p) => teardownEntry(p) === 'Draining');
    const leaving = PHASES.filter((p) => teardownEntry(p) === 'Leaving');
    expect(draining).toEqual(['Active']);
    expect(leaving).toEqual(['Joined']);
  });
});
