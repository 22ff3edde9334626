import { describe, expect, it } from 'vitest';
import type { BurstCluster } from '../../../../shared/domain/burst-cluster.ts';
import { DEFAULT_POLICY } from '../../../../shared/domain/policy.ts';
import { Metrics } from '../../../../shared/runtime/metrics.ts';
import { makeRecord } from '../../../support/records.ts';

const T0 = '2026-11-22T10:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000);
const OFFERS = [
  { name: 'simulated', regions: ['local'], pricePerNodeHour: 0.1, maxClusters: 10 },
  {
    name: 'eks',
    regions: ['eu-west-1'],
    pricePerNodeHour: 1,
    maxClusters: 2,
    provisioningDeadlineSeconds: 1800,
  },
];

/** A record that went Requested -> ... -> `phase`, entering `phase` `enteredAfter` seconds after T0. */
function recordIn(phase: BurstCluster['phase'], enteredAfter: number, overrides: Partial<BurstCluster> = {}) {
  return makeRecord({
    phase,
    createdAt: T0,
    history: [
      { phase: 'Requested', at: T0, why: 'alarm' },
      { phase, at: at(enteredAfter).toISOString(), why: 'test' },
    ],
    ...overrides,
  });
}

async function values(metrics: Metrics, name: string) {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  return (metric?.values ?? []).map((v) => ({ labels: v.labels, value: v.value }));
}

describe('Metrics', () => {
  it('exports every signal source and outcome, every transition phase, dead letters and skipped scale-downs at 0 before anything happened', async () => {
    const text = await new Metrics().registry.metrics();
    for (const source of ['alertmanager', 'cloudwatch', 'gcp', 'manual', 'schedule'])
      for (const outcome of ['burst', 'duplicate', 'refused', 'ignored', 'resolved'])
        expect(text).toContain(`clusterburst_signals_total{source="${source}",outcome="${outcome}"} 0\n`);
    expect(text).toContain('clusterburst_transitions_total{phase="Active"} 0\n');
    expect(text).toContain('clusterburst_transitions_total{phase="Failed"} 0\n');
    expect(text).toContain('clusterburst_dead_letters_total 0\n');
    expect(text).toContain('clusterburst_scale_down_skipped_total 0\n');
    expect(text).toContain('clusterburst_time_to_active_seconds_count 0\n');
  });

  it('observes the time from the request to Active once, when a burst enters Active', async () => {
    const metrics = new Metrics();
    metrics.recordTransition(recordIn('Joined', 30));
    metrics.recordTransition(recordIn('Active', 42));
    metrics.recordTransition(recordIn('Draining', 900));
    const text = await metrics.registry.metrics();
    expect(text).toContain('clusterburst_time_to_active_seconds_sum 42\n');
    expect(text).toContain('clusterburst_time_to_active_seconds_count 1\n');
    expect(text).toContain('clusterburst_time_to_active_seconds_bucket{le="30"} 0\n');
    expect(text).toContain('clusterburst_time_to_active_seconds_bucket{le="60"} 1\n');
    expect(text).toContain('clusterburst_transitions_total{phase="Joined"} 1\n');
    expect(text).toContain('clusterburst_transitions_total{phase="Draining"} 1\n');
  });

  it('counts live bursts by phase and sets the live cost per hour against the budget and the cluster cap', async () => {
    const metrics = new Metrics();
    const records = [
      recordIn('Active', 5, { costPerHour: 0.3 }),
      recordIn('Provisioning', 1, { costPerHour: 2 }),
      recordIn('Deleted', 5, { costPerHour: 7 }),
    ];
    metrics.observeFleet(records, { ...DEFAULT_POLICY, hourlyBudget: 20, maxClusters: 4 }, OFFERS, at(60));
    expect(await values(metrics, 'clusterburst_clusters')).toContainEqual({
      labels: { phase: 'Active' },
      value: 1,
    });
    // Ended bursts are history, not the fleet.
    const phases = (await values(metrics, 'clusterburst_clusters')).map((v) => v.labels.phase);
    expect(phases).not.toContain('Deleted');
    expect(phases).not.toContain('Failed');
    expect(await values(metrics, 'clusterburst_clusters')).toContainEqual({
      labels: { phase: 'Ready' },
      value: 0,
    });
    expect(await values(metrics, 'clusterburst_cost_per_hour')).toEqual([{ labels: {}, value: 2.3 }]);
    expect(await values(metrics, 'clusterburst_budget_per_hour')).toEqual([{ labels: {}, value: 20 }]);
    expect(await values(metrics, 'clusterburst_max_clusters')).toEqual([{ labels: {}, value: 4 }]);
  });

  it('gives each live burst its cost per hour and the cost accrued since it was requested', async () => {
    const metrics = new Metrics();
    const burst = recordIn('Active', 5, { id: 'b-0123456789ab', provider: 'eks', costPerHour: 3 });
    metrics.observeFleet([burst], DEFAULT_POLICY, OFFERS, at(2 * 3600));
    const labels = { burst_id: 'b-0123456789ab', provider: 'eks' };
    expect(await values(metrics, 'clusterburst_burst_cost_per_hour')).toEqual([{ labels, value: 3 }]);
    expect(await values(metrics, 'clusterburst_burst_cost')).toEqual([{ labels, value: 6 }]);
  });

  it('drops the per-burst series of a burst once it has ended', async () => {
    const metrics = new Metrics();
    const active = recordIn('Active', 5, { expiresAt: at(3600).toISOString() });
    const other = recordIn('Draining', 5);
    metrics.observeFleet([active, other], DEFAULT_POLICY, OFFERS, at(60));
    expect(await values(metrics, 'clusterburst_burst_cost_per_hour')).toHaveLength(2);
    expect(await values(metrics, 'clusterburst_burst_deadline_timestamp_seconds')).toHaveLength(2);

    metrics.observeFleet([{ ...active, phase: 'Deleted' }, other], DEFAULT_POLICY, OFFERS, at(120));
    const text = await metrics.registry.metrics();
    expect(text).not.toContain(active.id);
    expect(await values(metrics, 'clusterburst_burst_cost_per_hour')).toEqual([
      { labels: { burst_id: other.id, provider: 'simulated' }, value: 0.3 },
    ]);
  });

  it("sets each burst's deadline for its phase: the provider's provisioning deadline, the drain timeout, the time to live", async () => {
    const metrics = new Metrics();
    const provisioningEks = recordIn('Provisioning', 10, { provider: 'eks' });
    const provisioningSim = recordIn('Provisioning', 10);
    const draining = recordIn('Draining', 100, { teardown: { drainStartedAt: at(100).toISOString() } });
    const ttl = recordIn('Active', 5, { expiresAt: at(7200).toISOString() });
    const noTtl = recordIn('Active', 5);
    const policy = { ...DEFAULT_POLICY, provisioningDeadlineSeconds: 900, drainTimeoutSeconds: 300 };
    metrics.observeFleet([provisioningEks, provisioningSim, draining, ttl, noTtl], policy, OFFERS, at(60));
    const seconds = (n: number) => Date.parse(T0) / 1000 + n;
    expect(await values(metrics, 'clusterburst_burst_deadline_timestamp_seconds')).toEqual(
      expect.arrayContaining([
        { labels: { burst_id: provisioningEks.id, phase: 'Provisioning' }, value: seconds(10 + 1800) },
        { labels: { burst_id: provisioningSim.id, phase: 'Provisioning' }, value: seconds(10 + 900) },
        { labels: { burst_id: draining.id, phase: 'Draining' }, value: seconds(100 + 300) },
        { labels: { burst_id: ttl.id, phase: 'Active' }, value: seconds(7200) },
      ]),
    );
    expect(await values(metrics, 'clusterburst_burst_deadline_timestamp_seconds')).toHaveLength(4);
  });

  it('sets the deadline of every phase that has one: the join, route and leave deadlines from entry into the phase, none while Deleting', async () => {
    const metrics = new Metrics();
    const policy = {
      ...DEFAULT_POLICY,
      provisioningDeadlineSeconds: 900,
      joinDeadlineSeconds: 120,
      routeDeadlineSeconds: 240,
      leaveDeadlineSeconds: 600,
    };
    const requested = makeRecord({
      phase: 'Requested',
      createdAt: T0,
      history: [{ phase: 'Requested', at: T0, why: 'alarm' }],
    });
    const ready = recordIn('Ready', 20);
    const joined = recordIn('Joined', 30);
    const leaving = recordIn('Leaving', 40);
    const deleting = recordIn('Deleting', 50);
    metrics.observeFleet([requested, ready, joined, leaving, deleting], policy, OFFERS, at(60));
    const seconds = (n: number) => Date.parse(T0) / 1000 + n;
    expect(await values(metrics, 'clusterburst_burst_deadline_timestamp_seconds')).toEqual(
      expect.arrayContaining([
        { labels: { burst_id: requested.id, phase: 'Requested' }, value: seconds(900) },
        { labels: { burst_id: ready.id, phase: 'Ready' }, value: seconds(20 + 120) },
        { labels: { burst_id: joined.id, phase: 'Joined' }, value: seconds(30 + 240) },
        { labels: { burst_id: leaving.id, phase: 'Leaving' }, value: seconds(40 + 600) },
      ]),
    );
    expect(await values(metrics, 'clusterburst_burst_deadline_timestamp_seconds')).toHaveLength(4);
  });

  it('applies the time to live in every phase from Requested to Active when it comes before the phase deadline, and not once the teardown began', async () => {
    const metrics = new Metrics();
    const policy = {
      ...DEFAULT_POLICY,
      provisioningDeadlineSeconds: 900,
      joinDeadlineSeconds: 600,
      drainTimeoutSeconds: 300,
    };
    const expiresAt = at(100).toISOString();
    const provisioning = recordIn('Provisioning', 10, { expiresAt });
    const ready = recordIn('Ready', 20, { expiresAt });
    const laterTtl = recordIn('Ready', 20, { expiresAt: at(5000).toISOString() });
    const draining = recordIn('Draining', 150, {
      expiresAt,
      teardown: { drainStartedAt: at(150).toISOString() },
    });
    metrics.observeFleet([provisioning, ready, laterTtl, draining], policy, OFFERS, at(60));
    const seconds = (n: number) => Date.parse(T0) / 1000 + n;
    expect(await values(metrics, 'clusterburst_burst_deadline_timestamp_seconds')).toEqual(
      expect.arrayContaining([
        { labels: { burst_id: provisioning.id, phase: 'Provisioning' }, value: seconds(100) },
        { labels: { burst_id: ready.id, phase: 'Ready' }, value: seconds(100) },
        { labels: { burst_id: laterTtl.id, phase: 'Ready' }, value: seconds(20 + 600) },
        { labels: { burst_id: draining.id, phase: 'Draining' }, value: seconds(150 + 300) },
      ]),
    );
  });
});

describe('Metrics on a malformed record', () => {
  it('never throws from the health pass or after a write, and exports no NaN for it', async () => {
    const metrics = new Metrics();
    const broken = recordIn('Provisioning', 5, { createdAt: 'not a date', history: [] });
    const brokenActive = recordIn('Active', 5, { createdAt: 'not a date', expiresAt: 'never' });
    expect(() => metrics.observeFleet([broken, brokenActive], DEFAULT_POLICY, OFFERS, at(60))).not.toThrow();
    expect(() => metrics.recordTransition(brokenActive)).not.toThrow();
    const text = await metrics.registry.metrics();
    expect(text).not.toContain('NaN');
    expect(text).toContain('clusterburst_transitions_total{phase="Active"} 1\n');
    expect(text).toContain('clusterburst_time_to_active_seconds_count 0\n');
  });
});
