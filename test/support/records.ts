import { createHash } from 'node:crypto';
import type { BurstCluster } from '../../shared/domain/burst-cluster.ts';
import { clusterNameFor } from '../../shared/domain/names.ts';
import type { LifecycleEvent, LifecycleEventType } from '../../shared/schemas/lifecycle-event.ts';

let counter = 0;

/** A valid burst id, unique within the test run unless `seed` is given. */
export function burstId(seed?: string): string {
  const input = seed ?? `${process.pid}-${Date.now()}-${counter++}-${Math.random()}`;
  return `b-${createHash('sha256').update(input).digest('hex').slice(0, 12)}`;
}

/** A complete BurstCluster record in phase Requested, with overrides. */
export function makeRecord(overrides: Partial<BurstCluster> = {}): BurstCluster {
  const id = overrides.id ?? burstId();
  const owner = overrides.owner ?? 'test-owner';
  const at = overrides.createdAt ?? new Date('2026-11-22T10:00:00Z').toISOString();
  return {
    id,
    // Named as the runtime names it, so installation-scoped drivers take it for this owner's.
    name: clusterNameFor(owner, id),
    owner,
    phase: 'Requested',
    provider: 'simulated',
    region: 'local',
    nodes: 3,
    reason: {
      source: 'alertmanager',
      signalKey: `alertmanager:${id}`,
      dedupeKey: `alertmanager:${id}@${at}`,
      summary: 'test',
    },
    dnsRecords: [],
    gatewayServers: [],
    services: [],
    costPerHour: 0.3,
    teardown: {},
    createdAt: at,
    updatedAt: at,
    history: [{ phase: overrides.phase ?? 'Requested', at, why: 'test record' }],
    version: 0,
    ...overrides,
  };
}

/** A lifecycle event for `record`. */
export function makeEvent(record: BurstCluster, type: LifecycleEventType = 'BurstRequested'): LifecycleEvent {
  return {
    id: `${record.id}:${type}:${record.version + 1}`,
    type,
    burstId: record.id,
    phase: record.phase,
    at: record.updatedAt,
  };
}
