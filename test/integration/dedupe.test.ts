import { afterEach, describe, expect, it } from 'vitest';
import { loadEvent } from '../support/events.ts';
import { type Json, startTestRuntime, type TestRuntime } from '../support/local-runtime.ts';

const slowProvider = {
  providers: [
    {
      name: 'simulated',
      driver: 'simulated' as const,
      regions: ['local'],
      pricePerNodeHour: 0.1,
      options: { readyAfterMs: 300 },
    },
  ],
};

/** The firing sample as another alert group (different group key and start). */
function otherGroup(): Json {
  const event = structuredClone(loadEvent('alertmanager', 'firing')) as Json;
  event.groupKey = '{}/{severity="page"}:{alertname="QueueBacklog"}';
  event.groupLabels = { alertname: 'QueueBacklog' };
  return event;
}

describe('duplicates and limits', () => {
  let rt: TestRuntime;
  afterEach(async () => rt?.close());

  it('turns 100 concurrent deliveries of one alert group, and a later repeat, into exactly one burst', async () => {
    rt = await startTestRuntime(slowProvider);
    const firing = loadEvent('alertmanager', 'firing');
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => rt.request('POST', '/alerts/alertmanager', firing)),
    );
    expect(answers.every((a) => a.status === 202)).toBe(true);
    const decisions = answers.map((a) => a.body.decision);
    expect(decisions.filter((d) => d === 'burst')).toHaveLength(1);
    expect(decisions.filter((d) => d === 'duplicate')).toHaveLength(99);
    const ids = new Set(answers.map((a) => a.body.burstId));
    expect(ids.size).toBe(1);
    const [id] = ids;
    await rt.waitForPhase(id, 'Active');
    const repeat = await rt.request('POST', '/alerts/alertmanager', firing);
    expect(repeat.body).toMatchObject({ decision: 'duplicate', burstId: id });
    expect((await rt.request('GET', '/bursts')).body.bursts).toHaveLength(1);
    expect(await rt.deps.providers.get('simulated')!.list('local')).toHaveLength(1);
  });

  it('gives two distinct alert groups two bursts', async () => {
    rt = await startTestRuntime(slowProvider);
    const a = await rt.request('POST', '/alerts/alertmanager', loadEvent('alertmanager', 'firing'));
    const b = await rt.request('POST', '/alerts/alertmanager', otherGroup());
    expect([a.body.decision, b.body.decision]).toEqual(['burst', 'burst']);
    expect(a.body.burstId).not.toBe(b.body.burstId);
    expect((await rt.request('GET', '/bursts')).body.bursts).toHaveLength(2);
  });

  it('refuses the second group with 202 and the why when max clusters is one', async () => {
    rt = await startTestRuntime({ ...slowProvider, policy: { maxClusters: 1 } });
    const [a, b] = await Promise.all([
      rt.request('POST', '/alerts/alertmanager', loadEvent('alertmanager', 'firing')),
      rt.request('POST', '/alerts/alertmanager', otherGroup()),
    ]);
    const decisions = [a!.body.decision, b!.body.decision].sort();
    expect(decisions).toEqual(['burst', 'refused']);
    const refused = [a!, b!].find((r) => r.body.decision === 'refused')!;
    expect(refused.status).toBe(202);
    expect(refused.body.why).toMatch(/max clusters reached \(1 of 1 live\)/);
    expect((await rt.request('GET', '/bursts')).body.bursts).toHaveLength(1);
  });

  it('refuses a burst that would exceed the hourly budget, saying so', async () => {
    rt = await startTestRuntime({ ...slowProvider, policy: { hourlyBudget: 0.5 } });
    const big = await rt.request('POST', '/bursts', { reason: 'big', nodes: 10 });
    expect(big.body.decision).toBe('refused');
    expect(big.body.why).toMatch(/hourly budget 0.5 would be exceeded/);
  });
});
