/**
 * Fault test of the octavia gateway driver, as for the federation drivers: a 500 (before or after
 * Octavia applied the request) injected at each Octavia API call of a burst's gateway cycle
 * (add, enable, drain, remove) in turn. Repeating each step must converge to the same states as
 * an undisturbed run, report only retryable errors on the way, and leave no member behind.
 */
import { describe, expect, it } from 'vitest';
import type { GatewayDriver, GatewayServerSpec } from '../../shared/drivers/gateway/gateway.ts';
import { DriverError } from '../../shared/errors.ts';
import { startOctavia } from '../support/octavia-harness.ts';
import { burstId } from '../support/records.ts';

/** Calls `step` until it succeeds (bounded), collecting the errors on the way. */
async function retry(step: () => Promise<unknown>): Promise<unknown[]> {
  const errors: unknown[] = [];
  for (let i = 0; i < 50; i++) {
    try {
      await step();
      return errors;
    } catch (error) {
      errors.push(error);
    }
  }
  throw new Error(`did not converge; errors: ${errors.map((e) => String(e)).join(' | ')}`);
}

/** One burst's whole gateway cycle, each step repeated until it succeeds; the states seen. */
async function cycle(
  gw: GatewayDriver,
  sv: GatewayServerSpec,
): Promise<{ states: string[]; errors: unknown[] }> {
  const errors: unknown[] = [];
  const states: string[] = [];
  const seen = async () => {
    const owned = await gw.listOwned({ burstId: sv.burstId });
    states.push(
      JSON.stringify(
        owned.map(({ server, address, port, weight, state }) => ({ server, address, port, weight, state })),
      ),
    );
  };
  errors.push(...(await retry(() => gw.add(sv))));
  errors.push(...(await retry(seen)));
  errors.push(...(await retry(() => gw.enable(sv))));
  errors.push(...(await retry(seen)));
  errors.push(...(await retry(() => gw.drain(sv))));
  errors.push(...(await retry(seen)));
  errors.push(...(await retry(() => gw.remove(sv))));
  errors.push(...(await retry(seen)));
  return { states, errors };
}

const notRetryable = (errors: unknown[]) =>
  errors.filter((e) => !(e instanceof DriverError && e.retryable)).map((e) => String(e));

describe('octavia gateway driver under injected faults', () => {
  it('converges after a 500 at any Octavia call of add, enable, drain and remove, with no member left', async () => {
    const fresh = async () => {
      const s = await startOctavia();
      // The reconfiguration ends by the next request: call counts do not depend on timing.
      s.octavia.settleMs = 0;
      s.octavia.seedMember({ name: 'home-1', address: '10.0.0.11', protocol_port: 80 });
      const id = burstId('octavia-faults');
      const sv: GatewayServerSpec = {
        backend: 'web',
        server: `cb-${id.slice(2)}`,
        burstId: id,
        address: '10.6.0.1',
        port: 443,
      };
      return { s, sv };
    };
    const clean = await fresh();
    const reference = await cycle(clean.s.gateway(), clean.sv);
    const calls = clean.s.octavia.log.length;
    await clean.s.stop();
    expect(reference.errors).toEqual([]);
    expect(reference.states.map((x) => JSON.parse(x)[0]?.state ?? 'gone')).toEqual([
      'disabled',
      'ready',
      'drain',
      'gone',
    ]);
    expect(calls).toBeGreaterThan(10);

    const problems: string[] = [];
    for (const when of ['before', 'after'] as const) {
      for (let k = 0; k < calls; k++) {
        const f = await fresh();
        const at = `${when} call ${k}`;
        try {
          f.s.octavia.failNext({ skip: k, when });
          const run = await cycle(f.s.gateway(), f.sv);
          if (f.s.octavia.injected() !== 1) problems.push(`${at}: fault did not fire`);
          problems.push(...notRetryable(run.errors).map((e) => `${at}: ${e}`));
          if (JSON.stringify(run.states) !== JSON.stringify(reference.states))
            problems.push(`${at}: states ${run.states.join(' ')}`);
          const left = f.s.octavia.members().map((m) => m.name);
          if (JSON.stringify(left) !== JSON.stringify(['home-1']))
            problems.push(`${at}: members left ${left.join(', ')}`);
        } finally {
          await f.s.stop();
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
