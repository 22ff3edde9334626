/**
 * Fault test of the federation drivers: a failure (500 before or after the server applied the
 * request) injected at each API call of a join, and of a leave, in turn; retrying must converge
 * to the same end state as an undisturbed run, report only retryable errors on the way, and
 * leave nothing behind.
 */
import { describe, expect, it } from 'vitest';
import type { FederationDriver, MemberSpec } from '../../shared/drivers/federation/federation.ts';
import { DriverError } from '../../shared/errors.ts';
import { type FederationSetup, startKarmadaSetup, startKubefedSetup } from '../support/federation-harness.ts';
import type { KubeEmulator } from '../support/kube-emulator/index.ts';
import { leftovers } from '../support/kube-leftovers.ts';
import { burstId } from '../support/records.ts';

/** The driver's own API calls (the fake controllers' health probes hit /readyz, /healthz and /api). */
const OURS = /^\/apis?\/[^/]+\/./;
const tick = () => new Promise<void>((r) => setTimeout(r, 10));

interface Driver {
  readonly name: string;
  start(): Promise<FederationSetup<FederationDriver>>;
  /** Whether the token the control plane keeps is the member service account's current one. */
  tokenMatches(s: FederationSetup<FederationDriver>, member: KubeEmulator, name: string): boolean;
}

const secretData = (e: KubeEmulator, namespace: string, name: string) =>
  (e.get({ apiVersion: 'v1', kind: 'Secret', namespace, name })?.data ?? {}) as Record<string, string>;

const DRIVERS: Driver[] = [
  {
    name: 'karmada',
    start: () => startKarmadaSetup({ releaseDelayMs: 20 }),
    tokenMatches: (s, m, name) =>
      secretData(s.controlPlane, 'karmada-cluster', name).token ===
      secretData(m, 'karmada-cluster', `karmada-${name}`).token,
  },
  {
    name: 'kubefed',
    start: () => startKubefedSetup(),
    tokenMatches: (s, m, name) =>
      secretData(s.controlPlane, 'kube-federation-system', name).token ===
      secretData(m, 'kube-federation-system', `${name}-host`).token,
  },
];

type Target = 'controlPlane' | 'member';
type When = 'before' | 'after';

/** One burst on a fresh control plane and member. */
async function fresh(driver: Driver) {
  const s = await driver.start();
  const { credentials, emulator: member } = await s.member();
  const id = burstId();
  const spec: MemberSpec = {
    name: `cb-${id.slice(2)}`,
    burstId: id,
    owner: 'fault-owner',
    provider: 'capi',
    region: 'eu-1',
    credentials,
    labels: {
      'clusterburst.io/owner': 'fault-owner',
      'clusterburst.io/burst-id': id,
      'clusterburst.io/burst': 'true',
    },
  };
  const emulators: Record<Target, KubeEmulator> = { controlPlane: s.controlPlane, member };
  return { s, spec, member, emulators };
}

/** Calls `step` until it returns `done` (bounded), collecting the errors on the way. */
async function retry<T>(step: () => Promise<T>, done: (v: T) => boolean): Promise<unknown[]> {
  const errors: unknown[] = [];
  for (let i = 0; i < 300; i++) {
    try {
      if (done(await step())) return errors;
    } catch (error) {
      errors.push(error);
    }
    await tick();
  }
  throw new Error(`did not converge; errors: ${errors.map((e) => (e as Error).message).join(' | ')}`);
}

const isJoined = (v: unknown) => v === undefined;

/** The joined state, comparable across bursts and members. */
async function joinedState(driver: Driver, f: Awaited<ReturnType<typeof fresh>>): Promise<string[]> {
  await retry(
    () => f.s.federation.status(f.spec.name),
    (st) => st?.ready === true,
  );
  const objects = leftovers([f.s.controlPlane, f.member], f.spec.burstId).map((o) =>
    o.replaceAll(f.spec.name, 'NAME').replace(/^member-\d+/, 'member'),
  );
  return [...objects, `token matches: ${driver.tokenMatches(f.s, f.member, f.spec.name)}`];
}

/** Leaves until left; what is still there afterwards (after asynchronous deletion settled). */
async function leaveAndLeftovers(f: Awaited<ReturnType<typeof fresh>>): Promise<string[]> {
  await retry(
    () => f.s.federation.leave(f.spec.name),
    (r) => r === 'left',
  );
  return f.s.leftovers(f.spec.name);
}

/** Requests of ours on each emulator since the last clearRequests(). */
function counts(emulators: Record<Target, KubeEmulator>): Record<Target, number> {
  const n = (e: KubeEmulator) => e.requests().filter((r) => OURS.test(r.path)).length;
  return { controlPlane: n(emulators.controlPlane), member: n(emulators.member) };
}

const retryableOnly = (errors: unknown[]) =>
  errors.filter((e) => !(e instanceof DriverError && e.retryable)).map((e) => String(e));

describe.each(DRIVERS)('$name driver under injected faults', (driver) => {
  it('converges after a failure at any API call of a join, to the same state, with nothing left after leave', async () => {
    const clean = await fresh(driver);
    await clean.s.federation.join(clean.spec);
    const calls = counts(clean.emulators);
    const reference = await joinedState(driver, clean);
    expect(await leaveAndLeftovers(clean)).toEqual([]);
    await clean.s.stop();
    expect(calls.member).toBeGreaterThan(5);

    const problems: string[] = [];
    const notFired: string[] = [];
    for (const when of ['before', 'after'] as When[]) {
      for (const target of ['controlPlane', 'member'] as Target[]) {
        for (let k = 0; k < calls[target]; k++) {
          const f = await fresh(driver);
          const at = `${when} call ${k} on the ${target}`;
          try {
            f.emulators[target].faults.failNext(1, { skip: k, when, path: OURS });
            const errors = await retry(() => f.s.federation.join(f.spec), isJoined);
            // The token wait polls a timing-dependent number of times: the last k may not come.
            if (f.emulators[target].faults.injected() !== 1) notFired.push(at);
            f.emulators[target].faults.clear();
            problems.push(...retryableOnly(errors).map((e) => `${at}: ${e}`));
            const state = await joinedState(driver, f);
            if (JSON.stringify(state) !== JSON.stringify(reference))
              problems.push(`${at}: joined state ${JSON.stringify(state)}`);
            const left = await leaveAndLeftovers(f);
            if (left.length) problems.push(`${at}: left behind ${left.join(', ')}`);
          } finally {
            await f.s.stop();
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(notFired.length).toBeLessThanOrEqual(4);
  }, 180_000);

  it('converges after a failure at any API call of a leave, with nothing left behind', async () => {
    const clean = await fresh(driver);
    await clean.s.federation.join(clean.spec);
    await joinedState(driver, clean);
    for (const e of Object.values(clean.emulators)) e.clearRequests();
    expect(await leaveAndLeftovers(clean)).toEqual([]);
    const calls = counts(clean.emulators);
    await clean.s.stop();
    expect(calls.member).toBe(1); // one DELETE of the ClusterRole, with the federation's own token

    const problems: string[] = [];
    const notFired: string[] = [];
    for (const when of ['before', 'after'] as When[]) {
      for (const target of ['controlPlane', 'member'] as Target[]) {
        for (let k = 0; k < calls[target]; k++) {
          const f = await fresh(driver);
          const at = `${when} call ${k} on the ${target}`;
          try {
            await f.s.federation.join(f.spec);
            await joinedState(driver, f);
            f.emulators[target].faults.failNext(1, { skip: k, when, path: OURS });
            const errors = await retry(
              () => f.s.federation.leave(f.spec.name),
              (r) => r === 'left',
            );
            // While the finalizer holds the member, leave polls a timing-dependent number of
            // times (more on a loaded machine, fewer on an idle one): the last k may not come.
            if (f.emulators[target].faults.injected() !== 1) notFired.push(at);
            f.emulators[target].faults.clear();
            problems.push(...retryableOnly(errors).map((e) => `${at}: ${e}`));
            const left = await f.s.leftovers(f.spec.name);
            if (left.length) problems.push(`${at}: left behind ${left.join(', ')}`);
            if (await f.s.federation.status(f.spec.name)) problems.push(`${at}: still a member`);
          } finally {
            await f.s.stop();
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(notFired.length).toBeLessThanOrEqual(4);
  }, 180_000);
});
