/**
 * Fault test of the `liqo` driver, as kube-faults.test.ts does for Karmada and KubeFed: a
 * failure (500 before or after the server applied the request) injected at each API call of a
 * join, of the offloading and of a leave, on the home and on the burst cluster in turn;
 * retrying must converge to the state of an undisturbed run, report only retryable errors on the
 * way, and leave nothing of ours behind.
 */
import { describe, expect, it } from 'vitest';
import type { ServiceSpec } from '../../shared/domain/services.ts';
import type { MemberSpec } from '../../shared/drivers/federation/federation.ts';
import { DriverError } from '../../shared/errors.ts';
import type { KubeEmulator } from '../support/kube-emulator/index.ts';
import { type LiqoSetup, startLiqoSetup } from '../support/liqo-harness.ts';
import { burstId } from '../support/records.ts';

/** The driver's own API calls. */
const OURS = /^\/apis?\/[^/]+\/./;
const OWNER = 'fault-owner';
const WEB: ServiceSpec = {
  name: 'web',
  hostname: 'web.example.org',
  protocol: 'http',
  burstable: true,
  workloads: [{ namespace: 'science', kind: 'Deployment', name: 'web' }],
  expose: { kind: 'Service', namespace: 'science', name: 'web', port: 80 },
  health: { type: 'tcp' },
};

type Target = 'home' | 'burst';
type When = 'before' | 'after';

/** Calls `step` until it returns `done` (bounded), collecting the errors on the way. */
async function converge<T>(step: () => Promise<T>, done: (v: T) => boolean): Promise<unknown[]> {
  const errors: unknown[] = [];
  for (let i = 0; i < 300; i++) {
    try {
      if (done(await step())) return errors;
    } catch (error) {
      errors.push(error);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`did not converge; errors: ${errors.map((e) => (e as Error).message).join(' | ')}`);
}

const retryableOnly = (errors: unknown[]) =>
  errors.filter((e) => !(e instanceof DriverError && e.retryable)).map((e) => String(e));

async function member(s: LiqoSetup): Promise<{ spec: MemberSpec; burst: KubeEmulator; id: string }> {
  const { credentials, emulator } = await s.member();
  const id = burstId();
  const spec: MemberSpec = {
    name: `cb-${id.slice(2)}`,
    burstId: id,
    owner: OWNER,
    provider: 'simulated',
    region: 'local',
    credentials,
    labels: {
      'clusterburst.io/owner': OWNER,
      'clusterburst.io/burst-id': id,
      'clusterburst.io/burst': 'true',
    },
  };
  return { spec, burst: emulator, id: `burst-cluster-${s.members.length}` };
}

/** What the peering left labelled ours on both clusters, with names made comparable. */
function state(s: LiqoSetup, m: Awaited<ReturnType<typeof member>>): string[] {
  const list = (role: string, e: KubeEmulator) =>
    e
      .objects({ labelSelector: `clusterburst.io/member=${m.spec.name}` })
      .map((o) => `${role}: ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`);
  return [...list('home', s.home), ...list('burst', m.burst)]
    .map((x) => x.replaceAll(m.spec.name, 'NAME').replaceAll(m.id, 'BURST'))
    .sort();
}

async function ready(s: LiqoSetup, name: string): Promise<void> {
  await converge(
    () => s.federation.status(name),
    (st) => st?.ready === true,
  );
}

function deployWeb(home: KubeEmulator): void {
  home.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'science' } });
  home.create({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'science' },
    spec: { replicas: 1, selector: { matchLabels: { app: 'web' } } },
  });
}

describe('liqo driver under injected faults', () => {
  it('converges after a failure at any API call of a join, to the same state, with nothing left after leave', async () => {
    const s = await startLiqoSetup({}, {}, OWNER);
    const problems: string[] = [];
    try {
      const clean = await member(s);
      s.home.clearRequests();
      await s.federation.join(clean.spec);
      const calls = {
        home: s.home.requests().filter((r) => OURS.test(r.path)).length,
        burst: clean.burst.requests().filter((r) => OURS.test(r.path)).length,
      };
      await ready(s, clean.spec.name);
      const reference = state(s, clean);
      await converge(
        () => s.federation.leave(clean.spec.name),
        (r) => r === 'left',
      );
      expect(await s.leftovers(clean.spec.name)).toEqual([]);
      expect(calls.burst).toBeGreaterThan(5);

      for (const when of ['before', 'after'] as When[]) {
        for (const target of ['home', 'burst'] as Target[]) {
          for (let k = 0; k < calls[target]; k++) {
            const m = await member(s);
            const at = `${when} call ${k} on the ${target}`;
            const e = target === 'home' ? s.home : m.burst;
            e.faults.failNext(1, { skip: k, when, path: OURS });
            const errors = await converge(
              () => s.federation.join(m.spec),
              () => true,
            );
            e.faults.clear();
            problems.push(...retryableOnly(errors).map((x) => `${at}: ${x}`));
            await ready(s, m.spec.name);
            const joined = state(s, m);
            if (JSON.stringify(joined) !== JSON.stringify(reference))
              problems.push(`${at}: joined state ${JSON.stringify(joined)}`);
            await converge(
              () => s.federation.leave(m.spec.name),
              (r) => r === 'left',
            );
            const left = await s.leftovers(m.spec.name);
            if (left.length) problems.push(`${at}: left behind ${left.join(', ')}`);
            s.controllers.at(-1)?.stop();
            await m.burst.stop();
          }
        }
      }
    } finally {
      await s.stop();
    }
    expect(problems).toEqual([]);
  }, 600_000);

  it('converges after a failure at any API call of place, cordon, unplace and leave, with nothing left behind', async () => {
    const s = await startLiqoSetup({}, { homePods: 1 }, OWNER);
    deployWeb(s.home);
    const problems: string[] = [];
    const teardown = async (m: Awaited<ReturnType<typeof member>>) => {
      await s.federation.place(m.spec.name, [WEB]);
      await s.federation.cordon(m.spec.name);
      await converge(
        () => s.federation.unplace(m.spec.name, [WEB]),
        (r) => r.done,
      );
      await converge(
        () => s.federation.leave(m.spec.name),
        (r) => r === 'left',
      );
    };
    try {
      const clean = await member(s);
      await s.federation.join(clean.spec);
      await ready(s, clean.spec.name);
      s.home.clearRequests();
      clean.burst.clearRequests();
      await teardown(clean);
      const calls = {
        home: s.home.requests().filter((r) => OURS.test(r.path)).length,
        burst: clean.burst.requests().filter((r) => OURS.test(r.path)).length,
      };
      expect(await s.leftovers(clean.spec.name)).toEqual([]);
      expect(calls.burst).toBeGreaterThan(3);

      for (const when of ['before', 'after'] as When[]) {
        for (const target of ['home', 'burst'] as Target[]) {
          for (let k = 0; k < calls[target]; k++) {
            const m = await member(s);
            const at = `${when} call ${k} on the ${target}`;
            await s.federation.join(m.spec);
            await ready(s, m.spec.name);
            const e = target === 'home' ? s.home : m.burst;
            e.faults.failNext(1, { skip: k, when, path: OURS });
            const errors = await converge(
              () => teardown(m),
              () => true,
            );
            e.faults.clear();
            problems.push(...retryableOnly(errors).map((x) => `${at}: ${x}`));
            const left = await s.leftovers(m.spec.name);
            if (left.length) problems.push(`${at}: left behind ${left.join(', ')}`);
            if (
              s.home.get({
                apiVersion: 'offloading.liqo.io/v1beta1',
                kind: 'NamespaceOffloading',
                namespace: 'science',
                name: 'offloading',
              })
            )
              problems.push(`${at}: NamespaceOffloading left behind`);
            if (await s.federation.status(m.spec.name)) problems.push(`${at}: still a member`);
            s.controllers.at(-1)?.stop();
            await m.burst.stop();
          }
        }
      }
    } finally {
      await s.stop();
    }
    expect(problems).toEqual([]);
  }, 600_000);
});
