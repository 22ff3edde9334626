import { describe, expect, it } from 'vitest';
import {
  assertSameIdentity,
  enqueue,
  fromObject,
  objectFor,
  signalKeyLabel,
  statusOf,
} from '../../../../../shared/drivers/store/kubernetes-mapping.ts';
import { ClusterburstError, ValidationError } from '../../../../../shared/errors.ts';
import { makeEvent, makeRecord } from '../../../../support/records.ts';

const NOW = new Date('2026-11-22T10:00:00.000Z');

function stored(object: Record<string, unknown>, status?: Record<string, unknown>) {
  const meta = object.metadata as Record<string, unknown>;
  return { ...object, metadata: { ...meta, resourceVersion: '42' }, ...(status ? { status } : {}) };
}

describe('kubernetes store mapping', () => {
  it('round-trips a record through spec.initial before any status is written', () => {
    const record = { ...makeRecord({ apiEndpoint: 'https://x' }), version: 1 };
    const outbox = enqueue([], [makeEvent(record)], NOW);
    const back = fromObject(stored(objectFor(record, outbox, 'ns')));
    expect(back.record).toEqual(record);
    expect(back.outbox).toEqual(outbox);
    expect(back.resourceVersion).toBe('42');
  });

  it('prefers status over the admitted snapshot once status carries a version', () => {
    const record = { ...makeRecord(), version: 1 };
    const later = { ...record, phase: 'Provisioning' as const, version: 2 };
    const back = fromObject(stored(objectFor(record, [], 'ns'), statusOf(later, [])));
    expect(back.record).toEqual(later);
  });

  it('keeps identity facts out of status and labels the object with owner and burst id', () => {
    const record = { ...makeRecord(), version: 1 };
    const object = objectFor(record, [], 'ns') as { metadata: { labels: Record<string, string> } };
    expect(object.metadata.labels).toEqual({
      'clusterburst.io/owner': record.owner,
      'clusterburst.io/burst-id': record.id,
      'clusterburst.io/signal-key': signalKeyLabel(record.reason.signalKey),
    });
    expect(Object.keys(statusOf(record, []))).not.toContain('owner');
  });

  it('enqueues an event id only once', () => {
    const record = makeRecord();
    const event = makeEvent(record);
    const once = enqueue([], [event], NOW);
    expect(enqueue(once, [event, event], NOW)).toHaveLength(1);
  });

  it('refuses an update that changes a fact fixed at admission', () => {
    const record = makeRecord();
    expect(() => assertSameIdentity(record, { ...record, name: 'other' })).toThrow(ClusterburstError);
    expect(() => assertSameIdentity(record, { ...record, phase: 'Provisioning' })).not.toThrow();
  });

  it('rejects an object that is not a BurstCluster with a validation error naming the field', () => {
    const bad = stored({ metadata: { name: 'x' }, spec: { burstId: 'nope' } });
    expect(() => fromObject(bad)).toThrow(ValidationError);
    expect(() => fromObject(bad)).toThrow(/spec\.burstId/);
  });
});
