import type { BurstCluster } from '../../domain/burst-cluster.ts';
import { nodeHourPrice } from '../../domain/place.ts';
import type { ProviderCluster } from '../../drivers/provider/provider.ts';
import { DriverError } from '../../errors.ts';
import type { Deps } from '../deps.ts';
import { isResult, loadFor } from '../load-record.ts';
import { noop, type StepResult, waiting } from '../step-result.ts';
import { patchWhilePhase } from '../transition.ts';
import { providerFor } from './provider-for.ts';

/**
 * Set a burst's node pool to `nodes` (the planner's grow and shrink). The wanted size is written
 * first (record `nodes`, its cost, and `resize` with the why), then asked of the provider, so a
 * crash between the two is repaired by the health poll (`followResize` asks again). Idempotent:
 * asking for the size already recorded does nothing. A quota refusal puts the record back at its
 * size, with the provider's words (the planner then looks elsewhere).
 */
export async function resizeBurst(
  deps: Deps,
  id: string,
  nodes: number,
  why: string,
  patch: Partial<BurstCluster> = {},
): Promise<StepResult> {
  const record = await loadFor(deps, id, 'resize', [
    'Requested',
    'Provisioning',
    'Ready',
    'Joined',
    'Active',
  ]);
  if (isResult(record)) return record;
  if (record.nodes === nodes && Object.keys(patch).length === 0)
    return noop(id, 'resize', `already sized at ${nodes} node(s)`, record.phase);
  const at = deps.now().toISOString();
  const saved = await patchWhilePhase(deps, record, (r) => ({
    ...patch,
    nodes,
    costPerHour: costAt(deps, r, nodes),
    ...(r.nodes !== nodes && { resize: { state: 'resizing' as const, since: at, from: r.nodes, why } }),
  }));
  if (!saved) return noop(id, 'resize', 'another worker moved the burst on', record.phase);
  deps.checkpoint('after-resize-intent');
  // Before Ready the provider creates (or is creating) the pool: the health poll resizes it later.
  if (!['Joined', 'Active'].includes(saved.phase) || record.nodes === nodes)
    return waiting(id, 'resize', why, saved.phase);
  return askProvider(deps, saved, why);
}

/**
 * The health poll's part of a resize: while the provider works, wait; when it failed, keep its
 * words and put the record back at the size the pool has; when it settled, clear `resize`; and
 * when the provider's wanted size differs from the record's (a crash before the ask, a taken warm
 * cluster), ask again. Answers undefined once nothing is left to follow.
 */
export async function followResize(
  deps: Deps,
  record: BurstCluster,
  step: string,
  described?: ProviderCluster,
): Promise<StepResult | undefined> {
  const cluster = described ?? (await providerFor(deps, record).describe(record.name));
  if (cluster?.state !== 'ready') return undefined;
  if (cluster.resize?.state === 'resizing')
    return waiting(
      record.id,
      step,
      `resize to ${record.nodes} node(s) runs: ${cluster.resize.message}`,
      record.phase,
    );
  const has = cluster.nodes?.current ?? cluster.nodes?.desired;
  if (cluster.resize?.state === 'failed' && record.resize?.state === 'resizing') {
    return failed(deps, record, step, has ?? record.resize.from, cluster.resize.message);
  }
  const asked = cluster.nodes?.desired ?? cluster.nodes?.current;
  if (asked !== undefined && asked !== record.nodes && record.resize?.state !== 'failed') {
    return askProvider(deps, record, record.resize?.why ?? `size the node pool to ${record.nodes} node(s)`);
  }
  if (record.resize?.state === 'resizing') {
    await patchWhilePhase(deps, record, () => ({ resize: undefined }));
    deps.logger.info(`resize to ${record.nodes} node(s) done: ${record.resize.why}`, { burstId: record.id });
  }
  return undefined;
}

async function askProvider(deps: Deps, record: BurstCluster, why: string): Promise<StepResult> {
  try {
    await providerFor(deps, record).resize(record.name, record.nodes);
    return waiting(
      record.id,
      'resize',
      `asked ${record.provider} for ${record.nodes} node(s): ${why}`,
      record.phase,
    );
  } catch (error) {
    if (!(error instanceof DriverError) || error.retryable) throw error;
    return failed(deps, record, 'resize', record.resize?.from ?? record.nodes, error.message);
  }
}

/** A resize the provider refused or failed: the record goes back to the size the pool has. */
async function failed(
  deps: Deps,
  record: BurstCluster,
  step: string,
  nodes: number,
  message: string,
): Promise<StepResult> {
  const why = `resize to ${record.nodes} node(s) failed at ${record.provider}: ${message}`;
  await patchWhilePhase(deps, record, (r) => ({
    nodes,
    costPerHour: costAt(deps, r, nodes),
    resize: {
      state: 'failed' as const,
      since: r.resize?.since ?? deps.now().toISOString(),
      from: nodes,
      message,
      why: r.resize?.why ?? why,
    },
  }));
  deps.logger.warn(why, { burstId: record.id });
  return waiting(record.id, step, why, record.phase);
}

/**
 * The cost per hour of `record` at `nodes` nodes: its provider's price with the services' data
 * transfer (as placement priced it), else its price now.
 */
export function costAt(deps: Deps, record: BurstCluster, nodes: number): number {
  const offer = deps.offers.find((o) => o.name === record.provider);
  const price = offer
    ? nodeHourPrice(offer, deps.transfer, record.region)
    : record.costPerHour / Math.max(1, record.nodes);
  return Math.round(price * nodes * 10_000) / 10_000;
}
