import { describe, expect, it } from 'vitest';
import { CONTRACT_SERVICES, runFederationContract } from '../../support/contracts/federation.ts';
import { StubFederation } from '../../support/stub-federation.ts';

// Core tests lean on the stub: it must keep the contract every real federation keeps.
runFederationContract('stub', async () => ({
  federation: new StubFederation(),
  member: async () => ({ credentials: { endpoint: 'https://api.member.invalid:443', token: 'stub' } }),
}));

describe('stub federation', () => {
  it('records placement calls and holds replicas unready until readyAfterMs has passed', async () => {
    const stub = new StubFederation({ readyAfterMs: 60_000 });
    await stub.place('cb-a', CONTRACT_SERVICES);
    const [web] = await stub.serviceStatus('cb-a', CONTRACT_SERVICES);
    expect(web).toMatchObject({ service: 'web', desiredReplicas: 1, readyReplicas: 0 });
    await stub.unplace('cb-a', CONTRACT_SERVICES);
    expect(stub.calls.map((c) => `${c.op} ${c.member} ${c.services.join(',')}`)).toEqual([
      'place cb-a web,queue',
      'unplace cb-a web,queue',
    ]);
  });

  it('keeps reporting the replicas not yet home while unplaceDone is false', async () => {
    const stub = new StubFederation({ unplaceDone: false });
    await stub.place('cb-a', CONTRACT_SERVICES);
    expect((await stub.unplace('cb-a', CONTRACT_SERVICES)).done).toBe(false);
    expect((await stub.serviceStatus('cb-a', CONTRACT_SERVICES))[0]?.readyReplicas).toBe(1);
  });
});
