import { describe, expect, it } from 'vitest';
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
});
