import { describe, expect, it } from 'vitest';
import { type BurstCluster, upgradeRecord } from '../../../../shared/domain/burst-cluster.ts';
import { makeRecord } from '../../../support/records.ts';

describe('records written before services were placed', () => {
  it('read their API endpoint as apiEndpoint and have no services', () => {
    const { services: _s, ...current } = makeRecord({ phase: 'Active' });
    const old = { ...current, endpoint: 'https://203.0.113.10:6443' } as unknown as BurstCluster;
    const read = upgradeRecord(old);
    expect(read.apiEndpoint).toBe('https://203.0.113.10:6443');
    expect(read.services).toEqual([]);
    expect(read).not.toHaveProperty('endpoint');
  });

  it('read as they were when written by this version', () => {
    const record = makeRecord({
      apiEndpoint: 'https://x',
      services: [{ name: 'web', ingress: '198.51.100.7:80', readyReplicas: 1, routed: true }],
    });
    expect(upgradeRecord(record)).toEqual(record);
  });
});
