import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { BurstCluster } from '../../shared/domain/burst-cluster.ts';
import { isLive } from '../../shared/domain/lifecycle.ts';
import type { SimulatedProvider } from '../../shared/drivers/provider/simulated.ts';
import { loadEvent } from '../support/events.ts';
import { type Json, startTestRuntime, type TestRuntime } from '../support/local-runtime.ts';

const run = promisify(execFile);

// Issue 12 item 5 on the embedded runtime: reconcile keeps policy.warmClusters created, joined
// and cordoned; a burst takes the warm one and resizes it instead of creating a cluster; a warm
// cluster that vanished is replaced; status shows warm clusters apart from serving ones.

function alert(nodes: number): Json {
  const body = structuredClone(loadEvent('alertmanager', 'firing')) as Json;
  body.commonAnnotations = { ...body.commonAnnotations, clusterburst_nodes: String(nodes) };
  return body;
}

async function waitFor<T>(read: () => Promise<T>, ok: (value: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (let value = await read(); ; value = await read()) {
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`not reached: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('warm standby (issue 12 item 5)', () => {
  let rt: TestRuntime;
  afterEach(async () => rt?.close());

  const start = () =>
    startTestRuntime({
      providers: [
        {
          name: 'simulated',
          driver: 'simulated',
          regions: ['local'],
          pricePerNodeHour: 0.1,
          options: { readyAfterMs: 300, resizeAfterMs: 300, deleteAfterMs: 50 },
        },
      ],
      policy: { warmClusters: 1, warmNodes: 1, maxNodesPerCluster: 6 },
    });
  const live = async (): Promise<BurstCluster[]> =>
    (await rt.deps.store.list({ live: true })).filter((r) => isLive(r.phase));
  const warmJoined = (rs: BurstCluster[]) => rs.some((r) => r.warm && r.phase === 'Joined');

  it('keeps a warm cluster joined and cordoned, counted in cost, and shown apart in status', async () => {
    rt = await start();
    await rt.request('POST', '/schedule/reconcile');
    const [warm] = (await waitFor(live, warmJoined)).filter((r) => r.warm);
    expect(warm).toMatchObject({ nodes: 1, costPerHour: 0.1 });
    await waitFor(
      () => rt.deps.federation.status(warm!.name),
      (m) => m?.cordoned === true,
    );
    const listed = (await rt.request('GET', '/bursts')).body.bursts;
    expect(listed).toEqual([expect.objectContaining({ id: warm!.id, warm: true, phase: 'Joined' })]);
    const { stdout } = await run('node', ['bin/clusterburst.js', '--url', rt.url, 'status']);
    expect(stdout).toMatch(/no serving bursts\n\nwarm standby \(joined, cordoned, counted in cost\):\n/);
    expect(stdout).toContain(warm!.id);
    // A second reconcile keeps one, not two.
    await rt.request('POST', '/schedule/reconcile');
    expect((await live()).filter((r) => r.warm)).toHaveLength(1);
  });

  it('answers a burst by taking the warm cluster and resizing it, with no new cluster', async () => {
    rt = await start();
    await rt.request('POST', '/schedule/reconcile');
    const [warm] = (await waitFor(live, warmJoined)).filter((r) => r.warm);
    const provider = rt.deps.providers.get('simulated') as SimulatedProvider;
    const creates = () => provider.calls.filter((c) => c.op === 'create').length;
    expect(creates()).toBe(1);

    const fired = await rt.request('POST', '/alerts/alertmanager', alert(4));
    expect(fired.body).toMatchObject({ decision: 'burst', burstId: warm!.id });
    expect(fired.body.actions.map((a: Json) => a.kind)).toEqual(['takeWarm']);
    const active = await rt.waitForPhase(warm!.id, 'Active');
    expect(active.nodes).toBe(4);
    expect(active.warm).toBeFalsy();
    expect(creates()).toBe(1);
    expect(provider.calls.some((c) => c.op === 'resize-started' && c.name === warm!.name)).toBe(true);
    expect((await rt.deps.federation.status(warm!.name))?.cordoned).toBe(false);

    // The standby is refilled by the next reconcile.
    await rt.request('POST', '/schedule/reconcile');
    const refilled = (await waitFor(live, warmJoined)).filter((r) => r.warm);
    expect(refilled.map((r) => r.id)).not.toContain(warm!.id);
  });

  it('replaces a warm cluster that vanished at the provider', async () => {
    rt = await start();
    await rt.request('POST', '/schedule/reconcile');
    const [warm] = (await waitFor(live, warmJoined)).filter((r) => r.warm);
    const provider = rt.deps.providers.get('simulated') as SimulatedProvider;
    await provider.delete(warm!.name, rt.deps.owner);
    const failed = await waitFor(
      () => rt.deps.store.get(warm!.id),
      (r) => r?.phase !== 'Joined',
    );
    expect(failed?.lastError).toMatch(/warm standby cluster .* (vanished|deleting)/);
    await rt.request('POST', '/schedule/reconcile');
    const replaced = (await waitFor(live, warmJoined)).filter((r) => r.warm);
    expect(replaced.map((r) => r.id)).not.toContain(warm!.id);
  });
});
