import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedProvider } from '../../shared/drivers/provider/simulated.ts';
import { SimulatedProviderOptionsSchema } from '../../shared/drivers/provider/simulated-options.ts';
import { type BindServer, startBind } from '../support/bind.ts';
import { loadEvent } from '../support/events.ts';
import { type HaproxyInstance, startHaproxy } from '../support/haproxy.ts';
import { type Json, startTestRuntime, type TestRuntime } from '../support/local-runtime.ts';
import { siteRouting } from '../support/site-routing.ts';

/** A service that may burst: marked so, in the namespace the default protection allows. */
const BURSTABLE = { burstable: true, namespace: 'clusterburst-demo' } as const;

const LISBON = 'ri-lisbon';
const PORTO = 'ri-porto';

/**
 * Two installations of clusterburst share one provider account, one BIND zone and one HAProxy
 * (two research infrastructures of one consortium), and monitoring sends both the same alert.
 * Each must burst, route, reconcile and tear down its own resources and never touch the other's.
 */
describe('two installations sharing a provider account, a BIND zone and an HAProxy', () => {
  let bind: BindServer;
  let hx: HaproxyInstance;
  let account: SimulatedProvider;
  const runtimes: Record<string, TestRuntime> = {};

  const start = (owner: string) =>
    startTestRuntime(
      {
        installation: { id: owner },
        providers: [{ name: 'simulated', driver: 'simulated', regions: ['local'], pricePerNodeHour: 0.1 }],
        ...siteRouting(bind, hx, { rise: 1 }),
        services: [
          {
            name: 'web',
            hostname: 'web.example.org',
            backend: hx.httpBackend,
            protocol: 'http',
            ...BURSTABLE,
          },
        ],
        policy: { drainTimeoutSeconds: 2, dnsTtlSeconds: 5 },
      },
      // One account: both installations' drivers talk to the same provider.
      { overrides: { providers: new Map([['simulated', account]]) } },
    );

  beforeAll(async () => {
    bind = await startBind({ zone: 'burst.example.org' });
    hx = await startHaproxy();
    process.env.CB_TEST_TSIG = bind.keySecret;
    account = new SimulatedProvider(
      'simulated',
      SimulatedProviderOptionsSchema.parse({ readyAfterMs: 200, deleteAfterMs: 0 }),
    );
    runtimes[LISBON] = await start(LISBON);
    runtimes[PORTO] = await start(PORTO);
  });
  afterAll(async () => {
    await runtimes[LISBON]?.close();
    await runtimes[PORTO]?.close();
    await account?.close();
    await hx?.stop();
    await bind?.stop();
  });

  /** What each installation sees of its own resources, by the shared systems' own answers. */
  async function resources(owner: string, record: Json) {
    const servers = await hx.command(`show servers state ${hx.httpBackend}`);
    return {
      cluster: (await account.list(owner)).map((c) => [c.name, c.state]),
      dns: await bind.query(`web.${record.name}.${bind.zone}`, 'A'),
      server: servers.includes(` ${record.name} `),
    };
  }

  it("never touches the other installation's cluster, DNS record or gateway server", async () => {
    const lisbon = runtimes[LISBON]!;
    const porto = runtimes[PORTO]!;
    const alert = loadEvent('alertmanager', 'firing');
    const [a, b] = await Promise.all([
      lisbon.request('POST', '/alerts/alertmanager', alert),
      porto.request('POST', '/alerts/alertmanager', alert),
    ]);
    expect([a.body.decision, b.body.decision]).toEqual(['burst', 'burst']);
    expect(a.body.burstId).not.toBe(b.body.burstId);
    const [activeA, activeB] = await Promise.all([
      lisbon.waitForPhase(a.body.burstId, 'Active', 30_000),
      porto.waitForPhase(b.body.burstId, 'Active', 30_000),
    ]);
    expect(activeA.name).not.toBe(activeB.name);
    const everything = { cluster: [[activeA.name, 'ready']], dns: ['127.0.0.1'], server: true };
    expect(await resources(LISBON, activeA)).toEqual(everything);
    expect(await resources(PORTO, activeB)).toEqual({ ...everything, cluster: [[activeB.name, 'ready']] });

    // Each reconcile sees the other's resources at the shared systems and leaves them alone.
    for (const rt of [lisbon, porto]) {
      const { body } = await rt.request('POST', '/schedule/reconcile');
      expect(body.orphans).toEqual({ clusters: [], members: [], dnsRecords: [], gatewayServers: [] });
    }

    // Lisbon's burst goes; Porto's stays Active with all it owns, through both reconciles again.
    await lisbon.request('DELETE', `/bursts/${a.body.burstId}`);
    await lisbon.waitForPhase(a.body.burstId, 'Deleted', 60_000);
    for (const rt of [lisbon, porto]) await rt.request('POST', '/schedule/reconcile');
    expect(await resources(LISBON, activeA)).toEqual({ cluster: [], dns: [], server: false });
    expect(await resources(PORTO, activeB)).toEqual({ ...everything, cluster: [[activeB.name, 'ready']] });
    expect((await porto.request('GET', `/bursts/${b.body.burstId}`)).body.phase).toBe('Active');

    await porto.request('DELETE', `/bursts/${b.body.burstId}`);
    await porto.waitForPhase(b.body.burstId, 'Deleted', 60_000);
    expect(await resources(PORTO, activeB)).toEqual({ cluster: [], dns: [], server: false });
  }, 180_000);
});
