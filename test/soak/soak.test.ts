import { describe, expect, it } from 'vitest';
import { OWNER_LABEL } from '../../shared/domain/names.ts';

import { checkOrphans, runScenario } from './check.ts';
import { FAULT_KINDS } from './faults.ts';
import type { Command, Scenario } from './scenario.ts';
import { formatReport, soak } from './soak.ts';
import { World } from './world.ts';

const clean: Scenario = {
  maxClusters: 2,
  hourlyBudget: 5,
  readyAfterSeconds: 30,
  deleteAfterSeconds: 30,
  commands: [
    { k: 'fire', inst: 0, group: 0 },
    { k: 'deliver', inst: 0, pick: 0, dup: false },
    { k: 'wait', seconds: 60 },
    { k: 'health', inst: 0 },
    { k: 'deliver', inst: 0, pick: 0, dup: false },
    { k: 'deliver', inst: 0, pick: 0, dup: false },
  ],
};

describe('randomized fault soak', () => {
  it('carries a burst to Active and tears it down to nothing when no fault is injected', async () => {
    const result = await runScenario(clean, new Set());
    expect(result.lifecycles).toBe(1);
    expect(result.violations).toEqual([]);
  });

  it('reports a cluster of ours that has no live record as a leak', async () => {
    const world = new World(clean, new Set());
    await world.start();
    for (const command of clean.commands) await world.exec(command as Command);
    await world.clouds[0]!.create({
      name: 'cb-000000000000',
      burstId: 'b-000000000000',
      owner: 'soak-a',
      region: 'eu',
      nodes: 3,
      labels: { [OWNER_LABEL]: 'soak-a', 'clusterburst.io/burst-id': 'b-000000000000' },
    });
    await checkOrphans(world);
    await world.close();
    expect(world.violations.map((v) => v.kind)).toEqual(['leak']);
    expect(world.violations[0]!.detail).toContain('cb-000000000000');
  });

  it('reports a live record over max clusters as a budget violation the moment it is written', async () => {
    const world = new World({ ...clean, maxClusters: 1 }, new Set(['second-installation']));
    await world.start();
    await world.exec({ k: 'fire', inst: 0, group: 0 });
    await world.exec({ k: 'manual', inst: 0, ttl: 600 });
    expect(world.violations).toEqual([]);
    // Played directly against the store: the soak must notice, whoever wrote it.
    const [record] = await world.installations[0]!.store.list();
    await world.installations[0]!.store.admit(record!.reason.signalKey, () => ({
      admit: true,
      record: { ...record!, id: 'b-0000000000ff', name: 'cb-0000000000ff' },
      events: [],
    }));
    await world.checkBudget();
    await world.close();
    expect(world.violations.map((v) => v.kind)).toContain('budget');
  });

  it('survives crashes between writes, duplicate, late and reordered deliveries and driver errors on one installation', async () => {
    const world = [
      'vanish',
      'unreachable',
      'cluster-failed',
      'quota',
      'second-installation',
      'shared-signal',
    ];
    const report = await soak({
      seed: 4242,
      runs: 2000,
      lifecycles: 200,
      enabled: new Set(FAULT_KINDS.filter((k) => !world.includes(k))),
      shrinkBudget: 60,
      maxTraces: 2,
    });
    expect(report.lifecycles).toBeGreaterThanOrEqual(200);
    for (const kind of [
      'crash-after',
      'crash-before',
      'fatal-before',
      'retryable-after',
      'duplicate',
      'drop',
    ])
      expect(report.injected.get(kind) ?? 0, kind).toBeGreaterThan(0);
    expect(report.counts, formatReport(report, 'npm run soak --')).toEqual({
      leak: 0,
      stuck: 0,
      budget: 0,
      missing: 0,
      foreign: 0,
      exception: 0,
    });
  }, 120_000);

  it('leaves no leak, no stuck burst and no budget overrun after 300 seeded lifecycles under every fault', async () => {
    const report = await soak({
      seed: 20261202,
      runs: 2000,
      lifecycles: 300,
      enabled: new Set(FAULT_KINDS),
      shrinkBudget: 60,
      maxTraces: 4,
    });
    expect(report.lifecycles).toBeGreaterThanOrEqual(300);
    // A soak that met none of its faults proves nothing.
    for (const kind of [
      'crash-after',
      'crash-before',
      'fatal-after',
      'retryable-after',
      'duplicate',
      'reorder',
      'drop',
      'vanish',
      'unreachable',
      'operator-delete',
      'flap',
    ])
      expect(report.injected.get(kind) ?? 0, kind).toBeGreaterThan(0);
    expect(report.counts, formatReport(report, 'npm run soak --')).toEqual({
      leak: 0,
      stuck: 0,
      budget: 0,
      missing: 0,
      foreign: 0,
      exception: 0,
    });
  }, 120_000);
});
