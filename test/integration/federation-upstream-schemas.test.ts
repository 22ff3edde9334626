import { afterEach, describe, expect, it } from 'vitest';
import { ownershipLabels } from '../../shared/domain/names.ts';
import type { KarmadaFederation } from '../../shared/drivers/federation/karmada.ts';
import {
  type FederationSetup,
  karmadaHomeCluster,
  karmadaSitePolicy,
  startKarmadaSetup,
} from '../support/federation-harness.ts';
import type { KubeEmulator } from '../support/kube-emulator/index.ts';
import { until } from '../support/poll-until.ts';
import { burstId } from '../support/records.ts';
import { createTemplates, playMember, serviceSpec, serviceTemplates } from '../support/site-services.ts';
import { type RecordedWrite, schemaProblems } from '../support/write-recorder.ts';

const NS = 'science';
const web = serviceSpec(NS, 'web');

/** `plural.group` (or `plural` for the core group) of each recorded write. */
const resourcesOf = (writes: readonly RecordedWrite[]) =>
  new Set(
    writes.map((w) => {
      const parts = w.path.split('/').filter(Boolean);
      let rest = parts.slice(parts[0] === 'api' ? 2 : 3);
      if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
      return parts[0] === 'api' ? rest[0] : `${rest[0]}.${parts[1]}`;
    }),
  );

describe('what the federation drivers write passes the upstream schemas, nothing pruned or rejected', () => {
  let s: FederationSetup<KarmadaFederation> | undefined;
  const stops: (() => void)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) stop();
    await s?.stop();
  });

  it('karmada: join, place, status, cordon, uncordon, unplace, evict and leave', async () => {
    const writes: RecordedWrite[] = [];
    s = await startKarmadaSetup({ record: writes });
    const home = await karmadaHomeCluster(s, 'home-1');
    stops.push(playMember(home, '198.51.100.7'));
    createTemplates(s.controlPlane, serviceTemplates(NS, 'web', 2));
    s.controlPlane.create(karmadaSitePolicy(NS, 'web', ['home-1']));
    const id = burstId();
    const name = `cb-${id.slice(2)}`;
    const { credentials, emulator } = await s.member();
    stops.push(playMember(emulator, '203.0.113.10'));
    const federation = s.federation;
    await federation.join({
      name,
      burstId: id,
      owner: 'test-owner',
      provider: 'eks',
      region: 'eu-west-1',
      credentials,
      labels: ownershipLabels({ owner: 'test-owner', id }),
    });
    await until('ready', async () => (await federation.status(name))?.ready);
    await federation.place(name, [web]);
    await until('web served on the member', async () => {
      const [st] = await federation.serviceStatus(name, [web]);
      return st?.ingress && st.readyReplicas > 0;
    });
    await federation.labels([web]);
    await federation.cordon(name);
    await federation.uncordon(name);
    await federation.cordon(name);
    await until('unplaced', async () => (await federation.unplace(name, [web])).done);
    await federation.evict(name);
    await until('left', async () => (await federation.leave(name)) === 'left');
    const member = emulator as KubeEmulator;
    expect(member.objects({ apiVersion: 'apps/v1', kind: 'Deployment' })).toEqual([]);

    const written = resourcesOf(writes);
    for (const r of [
      'clusters.cluster.karmada.io',
      'propagationpolicies.policy.karmada.io',
      'workloadrebalancers.apps.karmada.io',
      'secrets',
      'namespaces',
      'serviceaccounts',
      'clusterroles.rbac.authorization.k8s.io',
      'clusterrolebindings.rbac.authorization.k8s.io',
      'deployments.apps', // pushed into the member by the emulated Karmada
      'services',
    ])
      expect(written, r).toContain(r);
    expect(schemaProblems(writes)).toEqual([]);
  });

  it('the check itself reports a field the schema would prune and a write the server rejected', async () => {
    const writes: RecordedWrite[] = [];
    s = await startKarmadaSetup({ record: writes });
    const target = s.controlPlane;
    const policy = '/apis/policy.karmada.io/v1alpha1/namespaces/science/propagationpolicies';
    const problems = schemaProblems([
      {
        target,
        method: 'POST',
        path: policy,
        contentType: 'application/json',
        status: 201,
        body: { spec: { resourceSelectors: [], placment: {} } },
      },
      {
        target,
        method: 'POST',
        path: '/api/v1/namespaces/x/secrets',
        contentType: 'application/json',
        status: 422,
        body: { kind: 'Secret', metadata: { name: 'X' }, dataa: {} },
      },
    ]);
    expect(problems).toEqual([
      `karmada-apiserver POST ${policy}: .spec.placment pruned`,
      'karmada-apiserver POST /api/v1/namespaces/x/secrets: rejected (422)',
      'karmada-apiserver POST /api/v1/namespaces/x/secrets: Secret.dataa: unknown field',
    ]);
  });
});
