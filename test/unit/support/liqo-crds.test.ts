import { describe, expect, it } from 'vitest';
import { liqoWriteProblems } from '../../support/liqo-crds.ts';

const slice = (spec: Record<string, unknown>) => ({
  apiVersion: 'authentication.liqo.io/v1beta1',
  kind: 'ResourceSlice',
  metadata: { name: 'cb-1', namespace: 'liqo-tenant-x' },
  spec,
});

describe('Liqo writes checked against the upstream CRDs', () => {
  it('passes a ResourceSlice as liqoctl writes it', () => {
    expect(
      liqoWriteProblems(
        slice({
          class: 'default',
          providerClusterID: 'burst-1',
          resources: { cpu: '4', memory: '8Gi', pods: '110' },
        }),
      ),
    ).toEqual([]);
  });

  it('reports a field the API server would prune, and a value it would reject', () => {
    expect(liqoWriteProblems(slice({ providerClusterID: 'Burst_1', capacity: '4' }))).toEqual([
      'ResourceSlice .spec.providerClusterID: does not match ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
      'ResourceSlice .spec.capacity: would be pruned',
    ]);
  });

  it('checks enums and required fields, but not required fields of a merge patch', () => {
    const tenant = {
      apiVersion: 'authentication.liqo.io/v1beta1',
      kind: 'Tenant',
      spec: { tenantCondition: 'Paused' },
    };
    expect(liqoWriteProblems(tenant, true)).toEqual([
      'Tenant .spec.tenantCondition: must be one of Active, Cordoned, Drained',
    ]);
    const fc = {
      apiVersion: 'core.liqo.io/v1beta1',
      kind: 'ForeignCluster',
      metadata: { name: 'x' },
      spec: {},
    };
    expect(liqoWriteProblems(fc)).toEqual(['ForeignCluster .spec.clusterID: Required value']);
    expect(liqoWriteProblems(fc, true)).toEqual([]);
  });
});
