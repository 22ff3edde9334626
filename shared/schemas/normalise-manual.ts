import type { CapacitySignal, PlacementHints } from '../domain/capacity-signal.ts';
import type { ManualBurstRequest } from './manual-burst.ts';

/**
 * Normalises an operator's burst request to a `CapacitySignal`. Each request is its own signal
 * and episode, keyed by the request id (the client's `requestId`, or one the caller generated),
 * so a client retrying with the same id gets the same burst and never a second one.
 * @example
 * const signal = normaliseManual(request, request.requestId ?? randomUUID(), new Date());
 */
export function normaliseManual(request: ManualBurstRequest, requestId: string, now: Date): CapacitySignal {
  const key = `manual:${requestId}`;
  const hints: PlacementHints = {
    ...(request.provider !== undefined && { provider: request.provider }),
    ...(request.region !== undefined && { region: request.region }),
    ...(request.nodes !== undefined && { nodes: request.nodes }),
    ...(request.ttl !== undefined && { ttlSeconds: request.ttl }),
  };
  return {
    source: 'manual',
    status: 'firing',
    signalKey: key,
    dedupeKey: key,
    labels: { requestId },
    summary: request.reason,
    at: now.toISOString(),
    ...(Object.keys(hints).length > 0 && { hints }),
    ...(request.nodes !== undefined && { demand: request.nodes }),
  };
}
