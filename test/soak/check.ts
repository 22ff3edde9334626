import { type BurstCluster, phaseEnteredAt } from '../../shared/domain/burst-cluster.ts';
import { isLive } from '../../shared/domain/lifecycle.ts';
import { BURST_ID_LABEL } from '../../shared/domain/names.ts';

import type { FaultKind } from './faults.ts';
import type { Scenario } from './scenario.ts';
import { type Installation, type Invariant, type Violation, World } from './world.ts';

/** What one run found. */
export interface RunResult {
  /** Bursts admitted (records created) across installations. */
  readonly lifecycles: number;
  readonly violations: readonly Violation[];
  readonly injected: ReadonlyMap<string, number>;
}

/**
 * Play a scenario, drive the world to quiescence and check it; then have an operator delete
 * every burst, drive it to quiescence again and check that nothing of ours is left.
 */
export async function runScenario(
  scenario: Scenario,
  enabled: ReadonlySet<FaultKind>,
  stopOn?: { readonly kind: Invariant; readonly sig: string },
): Promise<RunResult> {
  const world = new World(scenario, enabled);
  await world.start();
  const result = async (): Promise<RunResult> => {
    let lifecycles = 0;
    for (const i of world.installations) lifecycles += (await i.store.list()).length;
    return { lifecycles, violations: dedupe(world.violations), injected: world.injector.injected };
  };
  try {
    for (const command of scenario.commands) {
      await world.exec(command);
      // While shrinking, a violation seen in flight needs no quiescence to be proven.
      if (stopOn && world.violations.some((v) => v.kind === stopOn.kind && v.sig === stopOn.sig))
        return await result();
    }
    await world.settle((_i, records) => records.every((r) => !isLive(r.phase) || r.phase === 'Active'), true);
    for (const i of world.installations) await checkSettled(world, i);
    await checkOrphans(world);
    await tearDownAll(world);
    await world.settle((_i, records) => records.every((r) => !isLive(r.phase)), false);
    for (const i of world.installations) {
      for (const r of await i.store.list())
        if (isLive(r.phase)) stuck(world, r, 'after every burst was deleted');
    }
    await checkOrphans(world);
    return await result();
  } finally {
    await world.close();
  }
}

/** The operator deletes every live burst of every installation (faults off). */
async function tearDownAll(world: World): Promise<void> {
  for (const i of world.installations) {
    for (const r of await i.store.list()) {
      if (!isLive(r.phase)) continue;
      await world.operatorDelete(i, r.id);
    }
  }
}

/** After quiescence: every live record is Active and has all its resources. */
async function checkSettled(world: World, i: Installation): Promise<void> {
  for (const r of await i.store.list()) {
    if (!isLive(r.phase)) continue;
    if (r.phase !== 'Active') {
      stuck(world, r, 'at quiescence');
      continue;
    }
    const missing: string[] = [];
    const cluster = world.clouds
      .find((c) => c.name === r.provider)
      ?.all()
      .find((c) => c.name === r.name);
    if (cluster?.state !== 'ready') missing.push(`cluster (${cluster?.state ?? 'absent'})`);
    if (!world.federation.all().some((m) => m.name === r.name)) missing.push('federation member');
    if (!(await world.dns.listOwned(i.id, { burstId: r.id })).length) missing.push('DNS record');
    const servers = await world.gateway.listOwned({ burstId: r.id });
    if (servers.length < i.deps.config.services.length)
      missing.push(`gateway servers (${servers.length}/${i.deps.config.services.length})`);
    if (missing.length)
      world.violations.push({
        kind: 'missing',
        sig: missing.map((m) => m.split(' (')[0]).join(', '),
        detail: `${i.id} ${r.id} Active without ${missing.join(', ')}`,
      });
  }
}

/** No cluster, member, DNS record or gateway server of an installation without its live record. */
export async function checkOrphans(world: World): Promise<void> {
  const liveOf = new Map<string, Set<string>>();
  for (const i of world.installations)
    liveOf.set(i.id, new Set((await i.store.list()).filter((r) => isLive(r.phase)).map((r) => r.id)));
  for (const i of world.installations) {
    const live = liveOf.get(i.id)!;
    const leak = (what: string) =>
      world.violations.push({
        kind: 'leak',
        sig: what.split(/ [a-z]*\/| cb-| b-| of /)[0]!,
        detail: `${i.id}: ${what}`,
      });
    for (const cloud of world.clouds) {
      for (const c of await cloud.list(i.id))
        if (!live.has(c.labels[BURST_ID_LABEL] ?? '')) leak(`cluster ${cloud.name}/${c.name} (${c.state})`);
    }
    for (const m of await world.federation.list(i.id))
      if (!live.has(m.labels[BURST_ID_LABEL] ?? '')) leak(`federation member ${m.name}`);
    for (const d of await world.dns.listOwned(i.id))
      if (!live.has(d.burstId)) leak(`DNS record ${d.name} ${d.type} of ${d.burstId}`);
    for (const s of await world.gateway.listOwned()) {
      const by = world.serverAddedBy.get(`${s.backend}/${s.server}`);
      if (by === i.id && !live.has(s.burstId)) leak(`gateway server ${s.backend}/${s.server}`);
    }
  }
}

function stuck(world: World, r: BurstCluster, when: string): void {
  const since = Math.round((world.clock.ms - Date.parse(phaseEnteredAt(r))) / 1000);
  world.violations.push({
    kind: 'stuck',
    sig: `${r.phase} ${when}`,
    detail: `${r.id} still ${r.phase} ${when}, ${since}s after entering it${r.lastError ? ` (${r.lastError})` : ''}`,
  });
}

function dedupe(violations: readonly Violation[]): Violation[] {
  const seen = new Set<string>();
  return violations.filter((v) => {
    const key = `${v.kind}:${v.sig}:${v.detail}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
