import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config/load-config.ts';
import type { MemoryDns } from '../../shared/drivers/dns/memory.ts';
import type { MemoryGateway } from '../../shared/drivers/gateway/memory.ts';
import { SqliteStore } from '../../shared/drivers/store/sqlite.ts';
import { createDeps } from '../../shared/runtime/create-deps.ts';
import { createLogger } from '../../shared/runtime/logger.ts';
import { type Json, startTestRuntime, type TestRuntime } from '../support/local-runtime.ts';

/** A service that may burst: marked so, in the namespace the default protection allows. */
const BURSTABLE = { burstable: true, namespace: 'clusterburst-demo' } as const;

const fast = {
  name: 'simulated',
  driver: 'simulated' as const,
  regions: ['local'],
  pricePerNodeHour: 0.1,
  options: { readyAfterMs: 0 },
};

const phases = (b: Json): string[] => b.history.map((h: { phase: string }) => h.phase);

describe('teardown waits and DNS modes', () => {
  let rt: TestRuntime;
  afterEach(async () => rt?.close());

  it('waits for open connections within the drain bound, then cuts them and says so', async () => {
    rt = await startTestRuntime({ providers: [fast], policy: { drainTimeoutSeconds: 2 } });
    const { body } = await rt.request('POST', '/bursts', { reason: 'long-lived connections' });
    const active = await rt.waitForPhase(body.burstId, 'Active');
    (rt.deps.gateway as MemoryGateway).setConnections({ backend: 'web', server: active.name }, 3);
    await rt.request('DELETE', `/bursts/${body.burstId}`);
    await new Promise((r) => setTimeout(r, 1000));
    const waiting = (await rt.request('GET', `/bursts/${body.burstId}`)).body;
    expect(waiting.phase).toBe('Draining');
    expect((await rt.deps.gateway.listOwned())[0]?.state).toBe('drain');
    const deleted = await rt.waitForPhase(body.burstId, 'Deleted');
    const leaving = deleted.history.find((h: { phase: string }) => h.phase === 'Leaving');
    expect(leaving.why).toMatch(
      /^drain bound of 2s reached with 3 connections open: cut them, servers removed, workloads evicted; web moved home /,
    );
    expect(deleted.teardown.forced).toBe(true);
    const drainedFor =
      Date.parse(leaving.at) -
      Date.parse(deleted.history.find((h: { phase: string }) => h.phase === 'Draining').at);
    expect(drainedFor).toBeGreaterThanOrEqual(2000);
    expect(await rt.deps.gateway.listOwned()).toEqual([]);
  });

  it('in direct mode writes a weighted record per service, weights it to 0 on drain, waits the TTL, then removes it', async () => {
    rt = await startTestRuntime({
      providers: [fast],
      dns: { driver: 'memory', mode: 'direct' },
      services: [
        { name: 'web', hostname: 'web.example.org', ...BURSTABLE },
        { name: 'api', hostname: 'api.example.org', ...BURSTABLE },
      ],
      policy: { dnsTtlSeconds: 1 },
    });
    const dns = rt.deps.dns as MemoryDns;
    const { body } = await rt.request('POST', '/bursts', { reason: 'direct mode' });
    const active = await rt.waitForPhase(body.burstId, 'Active');
    const owned = await dns.listOwned('local');
    expect(owned.map((r) => [r.name, r.type, r.setIdentifier, r.weight, r.values]).sort()).toEqual([
      ['api.example.org', 'A', active.name, 1, ['127.0.0.1']],
      ['web.example.org', 'A', active.name, 1, ['127.0.0.1']],
    ]);
    expect(await rt.deps.gateway.listOwned()).toEqual([]);
    await rt.request('DELETE', `/bursts/${body.burstId}`);
    expect((await dns.listOwned('local')).map((r) => r.weight)).toEqual([0, 0]);
    const deleted = await rt.waitForPhase(body.burstId, 'Deleted');
    expect(phases(deleted).slice(-4)).toEqual(['Draining', 'Leaving', 'Deleting', 'Deleted']);
    expect(deleted.history.find((h: { phase: string }) => h.phase === 'Leaving').why).toMatch(
      /^drained in [12]s/,
    );
    expect(await dns.listOwned('local')).toEqual([]);
  });

  it('gives real providers a 30 min provisioning deadline unless their entry sets one', async () => {
    // Options the configuration accepts; the drivers themselves are never built here.
    const EKS = {
      region: 'eu-west-1',
      roleArn: 'arn:aws:iam::123456789012:role/eks-cluster',
      nodeRoleArn: 'arn:aws:iam::123456789012:role/eks-nodes',
      subnetIds: ['subnet-0a1b2c3d', 'subnet-0e1f2a3b'],
    };
    const MAGNUM = {
      authUrl: 'https://keystone.example.org:5000/v3',
      auth: { type: 'applicationCredential' as const, id: 'ac', secret: 's' },
      region: 'gra',
      clusterTemplateId: 'k8s-template',
    };
    const config = loadConfig({
      value: {
        providers: [
          fast,
          { name: 'aws', driver: 'eks', regions: ['eu-west-1'], pricePerNodeHour: 0.2, options: EKS },
          {
            name: 'ovh',
            driver: 'magnum',
            regions: ['gra'],
            pricePerNodeHour: 0.1,
            provisioningDeadlineSeconds: 3600,
            options: MAGNUM,
          },
        ],
        policy: { provisioningDeadlineSeconds: 120 },
      },
    });
    const deps = await createDeps(config, {
      logger: createLogger('ERROR'),
      overrides: { providers: new Map(), store: new SqliteStore(':memory:') },
    });
    expect(Object.fromEntries(deps.offers.map((o) => [o.name, o.provisioningDeadlineSeconds]))).toEqual({
      simulated: 120,
      aws: 1800,
      ovh: 3600,
    });
    await deps.store.close();
  });
});
