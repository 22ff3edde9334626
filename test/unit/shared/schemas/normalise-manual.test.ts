import { describe, expect, it } from 'vitest';
import { ManualBurstRequestSchema } from '../../../../shared/schemas/manual-burst.ts';
import { normaliseManual } from '../../../../shared/schemas/normalise-manual.ts';
import { parseInput } from '../../../../shared/schemas/parse.ts';
import { loadEvent } from '../../../support/events.ts';

const NOW = new Date('2026-11-12T13:05:00.000Z');

function sample(name: string) {
  return parseInput(ManualBurstRequestSchema, loadEvent('manual', name), name);
}

describe('normaliseManual', () => {
  it('turns a request into a firing signal keyed by the request id', () => {
    const signal = normaliseManual(sample('burst'), 'r-7f3a9c', NOW);
    expect(signal).toEqual({
      source: 'manual',
      status: 'firing',
      signalKey: 'manual:r-7f3a9c',
      dedupeKey: 'manual:r-7f3a9c',
      labels: { requestId: 'r-7f3a9c' },
      summary: 'Open call for the EOSC data challenge: web portal expected at 3x normal load from 14:00 CET',
      at: '2026-11-12T13:05:00.000Z',
    });
  });

  it('carries provider, region, nodes and the ttl in seconds as hints', () => {
    const request = sample('burst-with-ttl');
    expect(normaliseManual(request, request.requestId ?? 'unused', NOW).hints).toEqual({
      provider: 'aws',
      region: 'eu-west-1',
      nodes: 4,
      ttlSeconds: 7200,
    });
  });

  it('gives a client retry with the same request id the same dedupe key', () => {
    const request = sample('burst-with-ttl');
    const first = normaliseManual(request, 'ops-2026-11-12:cms-replay', NOW);
    const retry = normaliseManual(request, 'ops-2026-11-12:cms-replay', new Date('2026-11-12T13:06:00Z'));
    expect(retry.dedupeKey).toBe(first.dedupeKey);
  });

  it('gives two requests with different ids different keys, even with the same reason', () => {
    const request = sample('burst');
    expect(normaliseManual(request, 'a', NOW).dedupeKey).not.toBe(
      normaliseManual(request, 'b', NOW).dedupeKey,
    );
  });

  it('has no hints when the request names none', () => {
    expect(normaliseManual(sample('burst'), 'r-1', NOW).hints).toBeUndefined();
  });
});
