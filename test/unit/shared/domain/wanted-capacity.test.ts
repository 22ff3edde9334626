import { describe, expect, it } from 'vitest';
import { type DemandPeak, MAX_DEMAND_PEAKS, peaksAfter } from '../../../../shared/domain/demand-peaks.ts';
import { DEFAULT_POLICY } from '../../../../shared/domain/policy.ts';
import { type SignalState, wantedCapacity } from '../../../../shared/domain/wanted-capacity.ts';

const NOW = new Date('2026-11-22T12:00:00.000Z');
const policy = { ...DEFAULT_POLICY, nodesPerCluster: 3, scaleDownWindowSeconds: 600 };
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();

const wanted = (signals: SignalState[]) => wantedCapacity({ signals, policy, now: NOW });

describe('wantedCapacity', () => {
  it.each([
    ['a firing signal wants its demand', [{ signalKey: 'a', status: 'firing', demand: 4 }], 4],
    ['a firing signal without demand wants the default step', [{ signalKey: 'a', status: 'firing' }], 3],
    [
      'a fractional demand is rounded up to whole nodes',
      [{ signalKey: 'a', status: 'firing', demand: 2.2 }],
      3,
    ],
    [
      'signals add up',
      [
        { signalKey: 'a', status: 'firing', demand: 4 },
        { signalKey: 'b', status: 'firing' },
      ],
      7,
    ],
    [
      'a signal resolved within the window keeps its demand',
      [{ signalKey: 'a', status: 'resolved', demand: 4, resolvedAt: ago(599) }],
      4,
    ],
    [
      'a signal resolved a whole window ago wants nothing',
      [{ signalKey: 'a', status: 'resolved', demand: 4, resolvedAt: ago(600) }],
      0,
    ],
    [
      'a resolved signal without a time wants nothing',
      [{ signalKey: 'a', status: 'resolved', demand: 4 }],
      0,
    ],
    [
      'the later entry of one signal replaces the earlier',
      [
        { signalKey: 'a', status: 'firing', demand: 4 },
        { signalKey: 'a', status: 'firing', demand: 10 },
      ],
      10,
    ],
    ['no signal wants nothing', [], 0],
  ] as [string, SignalState[], number][])('%s', (_name, signals, nodes) => {
    expect(wanted(signals).nodes).toBe(nodes);
  });

  it('says for each signal why it wants what it wants', () => {
    const result = wanted([
      { signalKey: 'a', status: 'firing', demand: 4 },
      { signalKey: 'b', status: 'resolved', resolvedAt: ago(60) },
    ]);
    expect(result.signals.map((s) => s.why)).toEqual([
      'a fires with a demand of 4 node(s)',
      'b resolved at 2026-11-22T11:59:00.000Z; its 3 node(s) are kept until the 600s scale-down window ends at 2026-11-22T12:09:00.000Z',
    ]);
    expect(result.why).toBe('7 burst node(s) wanted: a 4, b 3');
  });

  it('passes placement hints through with the signal', () => {
    const result = wanted([{ signalKey: 'a', status: 'firing', hints: { provider: 'aws' } }]);
    expect(result.signals[0]?.hints).toEqual({ provider: 'aws' });
  });

  describe('stabilises the way down over the scale-down window, like HPA', () => {
    /** What the records remember after each delivery, written as handleSignal writes it. */
    interface Remembered {
      demand?: number;
      signalResolvedAt?: string;
      demandPeaks?: readonly DemandPeak[];
    }
    type Delivery = readonly [seconds: number, demand: number | 'resolved'];
    const T0 = Date.parse('2026-11-22T12:00:00.000Z');
    const at = (seconds: number) => new Date(T0 + seconds * 1000);

    /** Replays deliveries (seconds after T0) and answers the nodes wanted at `seconds`. */
    function wantedAt(deliveries: readonly Delivery[], seconds: number): number {
      let r: Remembered = {};
      let first = true;
      for (const [t, demand] of deliveries) {
        if (demand === 'resolved') {
          r = { ...r, signalResolvedAt: at(t).toISOString() };
        } else if (first) {
          r = { demand };
        } else {
          r = { demand, demandPeaks: peaksAfter(r, demand, at(t).toISOString(), policy) };
        }
        first = false;
      }
      const state: SignalState = {
        signalKey: 'a',
        status: r.signalResolvedAt ? 'resolved' : 'firing',
        ...(r.demand !== undefined && { demand: r.demand }),
        ...(r.signalResolvedAt && { resolvedAt: r.signalResolvedAt }),
        ...(r.demandPeaks && { peaks: r.demandPeaks }),
      };
      return wantedCapacity({ signals: [state], policy, now: at(seconds) }).nodes;
    }

    it.each([
      [
        'a drop from 10 to 4 keeps 10 just after it',
        [
          [0, 10],
          [60, 4],
        ],
        61,
        10,
      ],
      [
        'a drop from 10 to 4 keeps 10 until the window since the last 10 has nearly passed',
        [
          [0, 10],
          [60, 4],
        ],
        659,
        10,
      ],
      [
        'a drop from 10 to 4 follows to 4 once the window since the last 10 has passed',
        [
          [0, 10],
          [60, 4],
        ],
        660,
        4,
      ],
      [
        'a rise is followed at once',
        [
          [0, 4],
          [60, 10],
        ],
        60,
        10,
      ],
      [
        'a rise during a held drop is followed at once',
        [
          [0, 10],
          [60, 4],
          [120, 12],
        ],
        120,
        12,
      ],
      [
        'a repeat of the high demand restarts the window',
        [
          [0, 10],
          [60, 4],
          [300, 10],
          [360, 4],
        ],
        900,
        10,
      ],
      [
        'steps down are held one after another: 10, 8, 4 keeps 8 once 10 has left',
        [
          [0, 10],
          [60, 8],
          [300, 4],
        ],
        700,
        8,
      ],
      [
        'steps down are held one after another: then 4 once 8 has left',
        [
          [0, 10],
          [60, 8],
          [300, 4],
        ],
        900,
        4,
      ],
      [
        'a drop held across a resolution: resolved, the highest of the window still counts',
        [
          [0, 10],
          [60, 4],
          [120, 'resolved'],
        ],
        600,
        10,
      ],
      [
        'a resolved signal keeps its last demand for the window after it resolved',
        [
          [0, 10],
          [60, 4],
          [120, 'resolved'],
        ],
        700,
        4,
      ],
      [
        'a resolved signal wants nothing once the window has passed',
        [
          [0, 10],
          [60, 4],
          [120, 'resolved'],
        ],
        720,
        0,
      ],
      [
        'firing again lower after a resolution keeps the demand held until it resolved',
        [
          [0, 10],
          [100, 'resolved'],
          [200, 3],
        ],
        650,
        10,
      ],
      [
        'firing again lower after a resolution follows it once that window has passed',
        [
          [0, 10],
          [100, 'resolved'],
          [200, 3],
        ],
        700,
        3,
      ],
    ] as [string, Delivery[], number, number][])('%s', (_name, deliveries, seconds, nodes) => {
      expect(wantedAt(deliveries, seconds)).toBe(nodes);
    });

    it('says which demand it keeps and until when', () => {
      const demandPeaks = peaksAfter({ demand: 10 }, 4, at(60).toISOString(), policy);
      const result = wantedCapacity({
        signals: [
          { signalKey: 'a', status: 'firing', demand: 4, ...(demandPeaks && { peaks: demandPeaks }) },
        ],
        policy,
        now: at(120),
      });
      expect(result.signals[0]?.why).toBe(
        'a fires with a demand of 4 node(s); the 10 node(s) it asked for until 2026-11-22T12:01:00.000Z are kept until the 600s scale-down window ends at 2026-11-22T12:11:00.000Z',
      );
    });

    it('keeps the peaks the records remember when the delivered signal repeats the key', () => {
      const result = wanted([
        { signalKey: 'a', status: 'firing', demand: 4, peaks: [{ nodes: 10, until: ago(60) }] },
        { signalKey: 'a', status: 'firing', demand: 4 },
      ]);
      expect(result.nodes).toBe(10);
    });

    it('never holds less than the exact windowed maximum when many steps down overflow the list', () => {
      // 20 steps down a minute apart: more than the list keeps, so neighbours merge upwards.
      let r: Remembered = { demand: 30 };
      const demands: number[] = [30];
      for (let i = 1; i <= 20; i++) {
        const demand = 30 - i;
        r = { demand, demandPeaks: peaksAfter(r, demand, at(i * 30).toISOString(), policy) };
        demands.push(demand);
      }
      expect(r.demandPeaks!.length).toBeLessThanOrEqual(MAX_DEMAND_PEAKS);
      for (let s = 600; s <= 1300; s += 10) {
        // Demand i held over [30 i, 30 (i + 1)); the window is [s - 600, s].
        const exact = Math.max(...demands.filter((_d, i) => i === 20 || 30 * (i + 1) > s - 600));
        const held = wantedCapacity({
          signals: [{ signalKey: 'a', status: 'firing', demand: r.demand!, peaks: r.demandPeaks! }],
          policy,
          now: at(s),
        }).nodes;
        expect(held).toBeGreaterThanOrEqual(exact);
        expect(held).toBeLessThanOrEqual(30);
        // Merged peaks still leave the window: 600 s after the last step down, only the current.
        if (s >= 1200) expect(held).toBe(10);
      }
    });
  });
});
