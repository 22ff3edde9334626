import { describe, expect, it } from 'vitest';
import type { MemberSpec } from '../../shared/drivers/federation/federation.ts';
import { CONTRACT_SERVICES } from '../support/contracts/federation.ts';
import { Clock } from './clock.ts';
import { HOME_READY_AFTER_SECONDS, SERVICE_READY_AFTER_SECONDS, SoakFederation } from './federation.ts';

const member: MemberSpec = {
  name: 'cb-aaaaaaaaaaaa',
  burstId: 'b-aaaaaaaaaaaa',
  owner: 'soak-a',
  provider: 'aws',
  region: 'eu',
  credentials: { endpoint: 'https://cb-aaaaaaaaaaaa.aws.soak.test:6443', token: 't' },
  labels: {},
};

function world(up = new Set([member.credentials.endpoint])) {
  const clock = new Clock(0);
  const federation = new SoakFederation((endpoint) => up.has(endpoint), clock);
  return { clock, federation, up };
}

describe('soak federation: services on a member', () => {
  it('makes placed services ready after the virtual delay, each at its own ingress apart from the API', async () => {
    const { clock, federation } = world();
    await federation.join(member);
    await federation.place(member.name, CONTRACT_SERVICES);
    const before = await federation.serviceStatus(member.name, CONTRACT_SERVICES);
    expect(before.map((s) => s.readyReplicas)).toEqual([0, 0]);
    clock.advance(SERVICE_READY_AFTER_SECONDS);
    const after = await federation.serviceStatus(member.name, CONTRACT_SERVICES);
    expect(after.map((s) => s.readyReplicas)).toEqual([1, 1]);
    const ingresses = after.map((s) => `${s.ingress?.host}:${s.ingress?.port}`);
    expect(new Set(ingresses).size).toBe(2);
    expect(ingresses).not.toContain('cb-aaaaaaaaaaaa.aws.soak.test:6443');
    expect(ingresses.map((i) => federation.serves(`http://${i}/healthz`))).toEqual([true, true]);
  });

  it('reports no ready replicas while the member does not answer', async () => {
    const { clock, federation, up } = world();
    await federation.join(member);
    await federation.place(member.name, CONTRACT_SERVICES);
    clock.advance(SERVICE_READY_AFTER_SECONDS);
    up.clear();
    const [web] = await federation.serviceStatus(member.name, CONTRACT_SERVICES);
    expect(web?.readyReplicas).toBe(0);
    expect(federation.serves(`${web?.ingress?.host}:${web?.ingress?.port}`)).toBe(false);
  });

  it('places nothing new on a cordoned member, and places again once uncordoned', async () => {
    const { federation } = world();
    await federation.join(member);
    await federation.cordon(member.name);
    await federation.place(member.name, CONTRACT_SERVICES);
    expect(federation.placements()).toEqual([]);
    await federation.uncordon(member.name);
    await federation.place(member.name, CONTRACT_SERVICES);
    expect(federation.placements().map((p) => p.service)).toEqual(['web', 'queue']);
  });

  it('moves replicas home: not done until the home clusters had time, then done, and nothing stays placed', async () => {
    const { clock, federation } = world();
    await federation.join(member);
    await federation.place(member.name, CONTRACT_SERVICES);
    expect((await federation.unplace(member.name, CONTRACT_SERVICES)).done).toBe(false);
    expect(federation.placements()).toEqual([]);
    clock.advance(HOME_READY_AFTER_SECONDS);
    expect(await federation.unplace(member.name, CONTRACT_SERVICES)).toMatchObject({ done: true });
    expect(await federation.unplace(member.name, CONTRACT_SERVICES)).toMatchObject({ done: true });
  });

  it('places nothing on a member it does not have, and drops placements when the member leaves', async () => {
    const { federation } = world();
    await federation.place(member.name, CONTRACT_SERVICES);
    expect(federation.placements()).toEqual([]);
    await federation.join(member);
    await federation.place(member.name, CONTRACT_SERVICES);
    expect(await federation.leave(member.name)).toBe('left');
    expect(federation.placements()).toEqual([]);
    expect(federation.serves('http://cb-aaaaaaaaaaaa.aws.lb.soak.test:30080/')).toBe(false);
  });
});
