/**
 * API calls and wall time of one federation join and one leave, for the karmada and kubefed
 * drivers, against Kubernetes API emulators on loopback (control plane + one member, fake
 * federation controllers in-process). Calls are counted from the emulators' request logs,
 * only the drivers' own resource requests (the fake controllers' health probes excluded).
 * A join ends when `join` returns (the member's token controller fills tokens after 50 ms);
 * a leave is `leave` called every 25 ms until `left` (the fake Karmada controller releases the
 * Cluster's finalizer 100 ms after deletion), so its figures include those polls.
 * Median of several rounds, each on fresh emulators.
 */
import { pathToFileURL } from 'node:url';
import type { FederationDriver, MemberSpec } from '../shared/drivers/federation/federation.ts';
import {
  type FederationSetup,
  startKarmadaSetup,
  startKubefedSetup,
} from '../test/support/federation-harness.ts';
import type { KubeEmulator } from '../test/support/kube-emulator/index.ts';
import { requestAttributes } from '../test/support/kube-emulator/index.ts';

const ROUNDS = 7;

interface Round {
  readonly joinMs: number;
  readonly joinCalls: { readonly controlPlane: number; readonly member: number };
  readonly joinVerbs: string;
  readonly leaveMs: number;
  readonly leaveCalls: { readonly controlPlane: number; readonly member: number };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const ours = (e: KubeEmulator) => e.requests().filter((r) => requestAttributes(r) !== undefined);

function verbs(emulators: KubeEmulator[]): string {
  const count = new Map<string, number>();
  for (const e of emulators)
    for (const r of ours(e)) {
      const verb = requestAttributes(r)!.verb;
      count.set(verb, (count.get(verb) ?? 0) + 1);
    }
  return [...count.entries()].map(([v, n]) => `${v} ${n}`).join(', ');
}

async function round(start: () => Promise<FederationSetup<FederationDriver>>, n: number): Promise<Round> {
  const s = await start();
  try {
    const { credentials, emulator: member } = await s.member();
    const id = `b-${String(n).padStart(12, '0')}`;
    const spec: MemberSpec = {
      name: `cb-${id.slice(2)}`,
      burstId: id,
      owner: 'bench',
      provider: 'capi',
      region: 'eu-1',
      credentials,
      labels: { 'clusterburst.io/burst': 'true' },
    };
    const t0 = performance.now();
    await s.federation.join(spec);
    const joinMs = performance.now() - t0;
    const joinCalls = { controlPlane: ours(s.controlPlane).length, member: ours(member).length };
    const joinVerbs = verbs([s.controlPlane, member]);
    while (!(await s.federation.status(spec.name))?.ready) await new Promise((r) => setTimeout(r, 10));
    s.controlPlane.clearRequests();
    member.clearRequests();
    const t1 = performance.now();
    while ((await s.federation.leave(spec.name)) !== 'left') await new Promise((r) => setTimeout(r, 25));
    const leaveMs = performance.now() - t1;
    const leaveCalls = { controlPlane: ours(s.controlPlane).length, member: ours(member).length };
    return { joinMs, joinCalls, joinVerbs, leaveMs, leaveCalls };
  } finally {
    await s.stop();
  }
}

/** Runs the benchmark and prints its figures. */
export async function main(): Promise<void> {
  const drivers: [string, () => Promise<FederationSetup<FederationDriver>>][] = [
    ['karmada', () => startKarmadaSetup({ releaseDelayMs: 100 })],
    ['kubefed', () => startKubefedSetup()],
  ];
  for (const [name, start] of drivers) {
    await round(start, 0); // warm-up: module loading, first sockets
    const rounds: Round[] = [];
    for (let i = 1; i <= ROUNDS; i++) rounds.push(await round(start, i));
    const m = (f: (r: Round) => number) => median(rounds.map(f));
    console.log(
      `${name}: join ${m((r) => r.joinCalls.controlPlane + r.joinCalls.member)} API calls ` +
        `(control plane ${m((r) => r.joinCalls.controlPlane)}, member ${m((r) => r.joinCalls.member)}; ${rounds[0]!.joinVerbs}) ` +
        `in ${m((r) => r.joinMs).toFixed(0)} ms`,
    );
    console.log(
      `${name}: leave ${m((r) => r.leaveCalls.controlPlane + r.leaveCalls.member)} API calls ` +
        `(control plane ${m((r) => r.leaveCalls.controlPlane)}, member ${m((r) => r.leaveCalls.member)}) ` +
        `in ${m((r) => r.leaveMs).toFixed(0)} ms (median of ${ROUNDS})`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
