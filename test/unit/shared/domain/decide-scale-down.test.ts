import { describe, expect, it } from 'vitest';
import type { BurstCluster } from '../../../../shared/domain/burst-cluster.ts';
import { decideScaleDown } from '../../../../shared/domain/decide-scale-down.ts';
import type { Phase } from '../../../../shared/domain/lifecycle.ts';
import type { LoadReport } from '../../../../shared/domain/load-report.ts';
import { DEFAULT_POLICY, type Policy } from '../../../../shared/domain/policy.ts';
import { makeRecord } from '../../../support/records.ts';

const NOW = new Date('2026-11-22T12:00:00.000Z');
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();

interface Shape {
  /** Seconds since the record was created. @default 3600 */
  readonly age?: number;
  /** Seconds since it became Active. @default age - 120 */
  readonly activeFor?: number;
  readonly phase?: Phase;
  readonly manual?: boolean;
  /** Seconds until the TTL expires; negative means it already has. */
  readonly ttl?: number;
}

/** A record shaped for scale-down: created `age` ago, Active for `activeFor`. */
function cluster({ age = 3600, activeFor, phase = 'Active', manual, ttl }: Shape = {}): BurstCluster {
  const base = makeRecord({ createdAt: ago(age) });
  const active = Math.min(activeFor ?? age - 120, age);
  return {
    ...base,
    phase,
    reason: manual ? { ...base.reason, source: 'manual', signalKey: `manual:${base.id}` } : base.reason,
    history: [
      { phase: 'Requested', at: ago(age), why: 'test' },
      { phase: 'Active', at: ago(active), why: 'test' },
      ...(phase === 'Active' ? [] : [{ phase, at: ago(10), why: 'test' }]),
    ],
    ...(ttl === undefined ? {} : { expiresAt: ago(-ttl) }),
  };
}

function load(perCluster: Record<string, number>, extra: { windowSeconds?: number; overall?: number } = {}) {
  return { ok: true, windowSeconds: 600, perCluster, why: 'prometheus: max over 10m', ...extra } as const;
}

const UNKNOWN: LoadReport = { ok: false, why: 'prometheus unreachable' };

function decide(report: LoadReport, clusters: BurstCluster[], policy: Partial<Policy> = {}) {
  return decideScaleDown(report, clusters, { ...DEFAULT_POLICY, ...policy }, NOW);
}

const verdictOf = (d: ReturnType<typeof decide>, c: BurstCluster) => d.verdicts.find((v) => v.id === c.id);

describe('decideScaleDown: the ordinary case', () => {
  it('drains an old Active cluster whose utilisation stayed below the threshold, saying why', () => {
    const c = cluster();
    const d = decide(load({ [c.id]: 0.2 }), [c]);
    expect(d.drain).toEqual([c.id]);
    expect(verdictOf(d, c)).toEqual({
      id: c.id,
      drain: true,
      why: 'utilisation at most 0.2 < 0.5 over the whole 600s window',
    });
    expect(d.why).toBe(`draining ${c.id}; prometheus: max over 10m`);
  });

  it.each<Phase>(['Requested', 'Provisioning', 'Ready', 'Joined', 'Draining', 'Deleting', 'Failed'])(
    'never drains a %s cluster, whatever its load',
    (phase) => {
      const c = cluster({ phase });
      const d = decide(load({ [c.id]: 0 }), [c]);
      expect(d.drain).toEqual([]);
      expect(d.verdicts).toEqual([]);
    },
  );

  it.each<Phase>(['Requested', 'Provisioning', 'Ready', 'Joined', 'Active'])(
    'tears down a %s burst once its time to live expired, even with the load unknown',
    (phase) => {
      const c = cluster({ phase, manual: true, ttl: -60, age: 30 });
      const d = decide(UNKNOWN, [c]);
      expect(d.drain).toEqual([c.id]);
      expect(verdictOf(d, c)?.why).toMatch(/^time to live expired at /);
    },
  );

  it.each<Phase>(['Draining', 'Leaving', 'Deleting', 'Deleted', 'Failed'])(
    'does not tear down again an expired %s burst: its teardown is under way or done',
    (phase) => {
      const c = cluster({ phase, manual: true, ttl: -60 });
      expect(decide(UNKNOWN, [c]).drain).toEqual([]);
    },
  );

  it.each<[number, boolean]>([
    [0.49, true],
    [0.5, false],
    [0.9, false],
  ])('with utilisation %s against a threshold of 0.5, drains: %s', (util, drains) => {
    const c = cluster();
    const d = decide(load({ [c.id]: util }), [c]);
    expect(d.drain).toEqual(drains ? [c.id] : []);
    if (!drains) expect(verdictOf(d, c)?.why).toBe(`utilisation reached ${util} >= 0.5 within the window`);
  });

  it('falls back to the overall figure, and keeps a cluster with no figure at all', () => {
    const c = cluster();
    expect(decide(load({}, { overall: 0.1 }), [c]).drain).toEqual([c.id]);
    const d = decide(load({}), [c]);
    expect(d.drain).toEqual([]);
    expect(verdictOf(d, c)?.why).toBe('no load figure for this cluster: kept');
    expect(d.why).toBe('nothing to drain; prometheus: max over 10m');
  });
});

describe('decideScaleDown: unknown load and time to live', () => {
  it('drains nothing when the load is unknown, and says it failed safe', () => {
    const c = cluster();
    const d = decide(UNKNOWN, [c]);
    expect(d.drain).toEqual([]);
    expect(verdictOf(d, c)?.why).toBe('load unknown (prometheus unreachable): fail safe');
    expect(d.why).toBe('nothing to drain; load unknown: prometheus unreachable; nothing drained on load');
  });

  it.each<[string, number]>([
    ['expired a minute ago', -60],
    ['expiring right now', 0],
  ])('still drains a burst whose time to live %s when the load is unknown', (_name, ttl) => {
    const expired = cluster({ manual: true, ttl, age: 30 });
    const kept = cluster();
    const d = decide(UNKNOWN, [expired, kept]);
    expect(d.drain).toEqual([expired.id]);
    expect(verdictOf(d, expired)?.why).toBe(`time to live expired at ${expired.expiresAt}`);
  });

  it('keeps a manual burst without a time to live even at zero load', () => {
    const c = cluster({ manual: true });
    const d = decide(load({ [c.id]: 0 }), [c]);
    expect(d.drain).toEqual([]);
    expect(verdictOf(d, c)?.why).toBe('manual burst without time to live: only a delete removes it');
  });

  it('judges a manual burst whose time to live is still running by its load', () => {
    const c = cluster({ manual: true, ttl: 3600 });
    expect(decide(load({ [c.id]: 0.1 }), [c]).drain).toEqual([c.id]);
    expect(decide(load({ [c.id]: 0.8 }), [c]).drain).toEqual([]);
  });
});

describe('decideScaleDown: time rules', () => {
  it.each<[number, boolean]>([
    [1199, false],
    [1200, true],
  ])('with a minimum lifetime of 1200s, drains a %is old idle cluster: %s', (age, drains) => {
    const c = cluster({ age, activeFor: age });
    const d = decide(load({ [c.id]: 0.1 }), [c], { minLifetimeSeconds: 1200 });
    expect(d.drain).toEqual(drains ? [c.id] : []);
    if (!drains) expect(verdictOf(d, c)?.why).toBe('younger than the minimum lifetime (1199s < 1200s)');
  });

  it.each<[Phase, number, boolean]>([
    ['Requested', 300, false],
    ['Active', 599, false],
    ['Provisioning', 60, false],
    ['Active', 600, true],
    ['Deleted', 60, true],
  ])('after a %s cluster was added %is ago, drains an old idle one: %s', (phase, age, drains) => {
    const old = cluster();
    const added = cluster({ phase, age });
    const d = decide(load({ [old.id]: 0.1, [added.id]: 0.9 }), [old, added]);
    expect(d.drain).toEqual(drains ? [old.id] : []);
    if (!drains) expect(verdictOf(d, old)?.why).toBe('a cluster was added less than 600s ago');
  });

  it('keeps everything when the load report does not cover the whole window', () => {
    const c = cluster();
    const d = decide(load({ [c.id]: 0 }, { windowSeconds: 300 }), [c]);
    expect(d.drain).toEqual([]);
    expect(verdictOf(d, c)?.why).toBe('load covers 300s, the window needs 600s');
  });

  it.each<[number, boolean]>([
    [599, false],
    [600, true],
  ])('drains a cluster that has been Active for %is of a 600s window: %s', (activeFor, drains) => {
    const c = cluster({ age: 3600, activeFor });
    const d = decide(load({ [c.id]: 0.1 }), [c]);
    expect(d.drain).toEqual(drains ? [c.id] : []);
    if (!drains) expect(verdictOf(d, c)?.why).toBe('active for less than the 600s window');
  });
});

describe('decideScaleDown: how many at once', () => {
  it('drains one non-empty cluster at a time, the least used first', () => {
    const [a, b, c] = [cluster(), cluster(), cluster()];
    const d = decide(load({ [a!.id]: 0.3, [b!.id]: 0.1, [c!.id]: 0.2 }), [a!, b!, c!]);
    expect(d.drain).toEqual([b!.id]);
    for (const kept of [a!, c!]) {
      expect(verdictOf(d, kept)?.why).toBe('unneeded, but one non-empty cluster is drained at a time');
    }
  });

  it('breaks a utilisation tie by draining the older cluster', () => {
    const younger = cluster({ age: 2000 });
    const older = cluster({ age: 4000 });
    expect(decide(load({}, { overall: 0.2 }), [younger, older]).drain).toEqual([older.id]);
  });

  it('drains all empty clusters together, and no non-empty one with them', () => {
    const [e1, e2, busy] = [cluster(), cluster(), cluster()];
    const d = decide(load({ [e1!.id]: 0, [e2!.id]: 0, [busy!.id]: 0.2 }), [e1!, e2!, busy!]);
    expect([...d.drain].sort()).toEqual([e1!.id, e2!.id].sort());
    expect(verdictOf(d, e1!)?.why).toBe('empty for the whole 600s window');
  });

  it('counts an expired burst as the one drained this round', () => {
    const expired = cluster({ manual: true, ttl: -1 });
    const idle = cluster();
    expect(decide(load({ [idle.id]: 0.2 }), [expired, idle]).drain).toEqual([expired.id]);
  });

  it.each<Phase>(['Draining', 'Leaving'])(
    'drains no non-empty cluster while another is %s, but still the empty ones',
    (phase) => {
      const busy = cluster();
      const empty = cluster();
      const other = cluster({ phase });
      expect(decide(load({ [busy.id]: 0.2 }), [busy, other]).drain).toEqual([]);
      expect(decide(load({ [busy.id]: 0.2, [empty.id]: 0 }), [busy, empty, other]).drain).toEqual([empty.id]);
    },
  );
});
