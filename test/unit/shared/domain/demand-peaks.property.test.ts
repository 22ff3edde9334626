import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DemandPeak, MAX_DEMAND_PEAKS, peaksAfter } from '../../../../shared/domain/demand-peaks.ts';
import { wantedCapacity } from '../../../../shared/domain/wanted-capacity.ts';

// Random demand series of one firing signal, written on a record as handleSignal writes them,
// against the windowed maximum computed from the whole series: what HPA's stabilisation wants.

const T0 = Date.parse('2026-11-22T12:00:00.000Z');
const seriesArb = fc.array(
  fc.record({ dt: fc.integer({ min: 1, max: 400 }), demand: fc.integer({ min: 0, max: 20 }) }),
  { minLength: 1, maxLength: 40 },
);

/** The demands with the time each started (seconds from T0). */
function timeline(series: readonly { dt: number; demand: number }[]): { t: number; demand: number }[] {
  let t = 0;
  return series.map((s) => {
    t += s.dt;
    return { t, demand: s.demand };
  });
}

/** The highest demand in effect at any time of [now - window, now] (a demand holds until the next). */
function exactMax(line: readonly { t: number; demand: number }[], now: number, window: number): number {
  return Math.max(
    ...line
      .filter((d, i) => d.t <= now && (i === line.length - 1 || line[i + 1]!.t > now - window))
      .map((d) => d.demand),
  );
}

function held(line: readonly { t: number; demand: number }[], window: number, now: number) {
  const policy = { nodesPerCluster: 3, scaleDownWindowSeconds: window };
  let record: { demand?: number; demandPeaks?: readonly DemandPeak[] } = {};
  for (const [i, d] of line.entries()) {
    const at = new Date(T0 + d.t * 1000).toISOString();
    record =
      i === 0
        ? { demand: d.demand }
        : { demand: d.demand, demandPeaks: peaksAfter(record, d.demand, at, policy) };
    expect(record.demandPeaks?.length ?? 0).toBeLessThanOrEqual(MAX_DEMAND_PEAKS);
  }
  const nodes = wantedCapacity({
    signals: [
      {
        signalKey: 'a',
        status: 'firing',
        demand: record.demand!,
        ...(record.demandPeaks && { peaks: record.demandPeaks }),
      },
    ],
    policy,
    now: new Date(T0 + now * 1000),
  }).nodes;
  return nodes;
}

describe('demand peaks (property)', () => {
  it('never want less than the highest demand of the window, nor more than the series ever asked', () => {
    fc.assert(
      fc.property(
        seriesArb,
        fc.constantFrom(60, 300, 600),
        fc.integer({ min: 0, max: 1200 }),
        (series, window, after) => {
          const line = timeline(series);
          const now = line.at(-1)!.t + after;
          const nodes = held(line, window, now);
          expect(nodes).toBeGreaterThanOrEqual(exactMax(line, now, window));
          expect(nodes).toBeLessThanOrEqual(Math.max(...line.map((d) => d.demand)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('want exactly the highest demand of the window while the list has not overflowed', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ dt: fc.integer({ min: 1, max: 400 }), demand: fc.integer({ min: 0, max: 20 }) }),
          {
            minLength: 1,
            maxLength: MAX_DEMAND_PEAKS + 1,
          },
        ),
        fc.constantFrom(60, 300, 600),
        fc.integer({ min: 0, max: 1200 }),
        (series, window, after) => {
          const line = timeline(series);
          const now = line.at(-1)!.t + after;
          expect(held(line, window, now)).toBe(exactMax(line, now, window));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('want only the current demand once a whole window has passed since the last delivery', () => {
    fc.assert(
      fc.property(seriesArb, fc.constantFrom(60, 300, 600), (series, window) => {
        const line = timeline(series);
        expect(held(line, window, line.at(-1)!.t + window)).toBe(line.at(-1)!.demand);
      }),
      { numRuns: 300 },
    );
  });
});
