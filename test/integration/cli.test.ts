import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { cli } from '../support/cli.ts';
import { type Json, startTestRuntime, type TestRuntime } from '../support/local-runtime.ts';

const execFileP = promisify(execFile);
const TOKEN = 'cli-test-token-4f9a';

/** Run the real `clusterburst` command (bin/clusterburst.js) with exactly `env` plus PATH. */
async function bin(args: string[], env: NodeJS.ProcessEnv) {
  try {
    const { stdout, stderr } = await execFileP('node', ['bin/clusterburst.js', ...args], {
      env: { PATH: process.env.PATH, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Poll `GET /bursts/{id}` with credentials until the burst is in `phase`. */
async function waitForPhase(rt: TestRuntime, id: string, phase: string): Promise<void> {
  // vi.waitFor, not expect.poll: this also runs in beforeAll.
  await vi.waitFor(
    async () => {
      const last = (await rt.request('GET', `/bursts/${id}`, undefined, { authorization: `Bearer ${TOKEN}` }))
        .body;
      if (last.phase !== phase)
        throw new Error(`burst ${id} did not reach ${phase}; last: ${JSON.stringify(last)}`);
    },
    { timeout: 15_000, interval: 100 },
  );
}

/** The bursts of a `GET /bursts` answer, whether a plain list, `{bursts}` or a page `{items, next}`. */
const listed = (body: Json): Json[] => (Array.isArray(body) ? body : (body.bursts ?? body.items));

/** Fields of a burst that move with the clock between two reads. */
const clockless = (b: Json) => ({ ...b, ageSeconds: expect.any(Number), costSoFar: expect.any(Number) });

describe('clusterburst CLI against a running control plane', () => {
  let rt: TestRuntime;
  let env: NodeJS.ProcessEnv;
  let active: string;
  let deleted: string;
  const auth = { authorization: `Bearer ${TOKEN}` };

  beforeAll(async () => {
    process.env.CB_CLI_TEST_TOKEN = TOKEN;
    rt = await startTestRuntime({
      server: { port: 0, auth: { bearerToken: 'env:CB_CLI_TEST_TOKEN' } },
      policy: { maxClusters: 1, minLifetimeSeconds: 0, scaleDownDelayAfterAddSeconds: 0 },
      providers: [
        {
          name: 'simulated',
          driver: 'simulated',
          regions: ['local'],
          pricePerNodeHour: 0.1,
          options: { readyAfterMs: 0 },
        },
      ],
    });
    env = { CLUSTERBURST_URL: rt.url, CLUSTERBURST_TOKEN: TOKEN };
    const first = await cli(['up', '--reason', 'first burst', '--ttl', '2h'], env);
    expect(first.code).toBe(0);
    deleted = /b-[0-9a-z-]+/.exec(first.stdout)![0];
    await waitForPhase(rt, deleted, 'Active');
    expect((await cli(['down', deleted], env)).code).toBe(0);
    await waitForPhase(rt, deleted, 'Deleted');
    const second = await cli(['up', '--reason', 'second burst'], env);
    active = /b-[0-9a-z-]+/.exec(second.stdout)![0];
    await waitForPhase(rt, active, 'Active');
  }, 60_000);
  afterAll(async () => {
    await rt?.close();
    delete process.env.CB_CLI_TEST_TOKEN;
  });

  it('prints, with status -o json, JSON that parses and matches GET /bursts', async () => {
    const run = await cli(['status', '-o', 'json'], env);
    const api = await rt.request('GET', '/bursts', undefined, auth);
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout);
    expect(printed.bursts.map((b: Json) => b.id)).toEqual([deleted, active]);
    expect(api.body.next ?? undefined).toBeUndefined();
    expect(printed.bursts).toEqual(listed(api.body).map(clockless));
  });

  it('prints the same bursts as YAML with -o yaml', async () => {
    const run = await cli(['status', '-o', 'yaml'], env);
    const api = await rt.request('GET', '/bursts', undefined, auth);
    expect(parseYaml(run.stdout).bursts).toEqual(listed(api.body).map(clockless));
  });

  it('adds cluster name, source, expiry and the last why with -o wide', async () => {
    const run = await cli(['status', '-o', 'wide'], env);
    const [header, ...rows] = run.stdout.split('\n');
    expect(header).toMatch(
      /^ID\s+NAME\s+PHASE\s+PROVIDER\s+REGION\s+NODES\s+AGE\s+COST\/H\s+COST\s+SOURCE\s+EXPIRES\s+REASON\s+WHY$/,
    );
    const api = listed((await rt.request('GET', '/bursts', undefined, auth)).body);
    const first = api.find((b) => b.id === deleted);
    expect(rows[0]).toContain(first.name);
    expect(rows[0]).toContain('manual');
    expect(rows[0]).toContain(first.expiresAt);
    expect(rows[0]).toContain(first.why);
  });

  it('prints one burst as GET /bursts/{id} answers it with status <id> -o json', async () => {
    const run = await cli(['status', deleted, '-o', 'json'], env);
    const api = await rt.request('GET', `/bursts/${deleted}`, undefined, auth);
    expect(JSON.parse(run.stdout)).toEqual(api.body);
  });

  it('prints the dry run of GET /plan with plan -o json, and where a burst would go with -o wide', async () => {
    const run = await cli(['plan', '-o', 'json'], env);
    const api = await rt.request('GET', '/plan', undefined, auth);
    expect(JSON.parse(run.stdout)).toEqual(api.body);
    const wide = await cli(['plan', '-o', 'wide'], env);
    expect(wide.stdout).toContain('live clusters: 1 of 1');
    expect(wide.stdout).toMatch(/a new burst now: no: /);
  });

  it("shows a burst's history as a timeline: when, offset, phase, how long, why", async () => {
    const run = await cli(['events', deleted], env);
    const api = (await rt.request('GET', `/bursts/${deleted}`, undefined, auth)).body;
    const lines = run.stdout.split('\n');
    expect(lines[1]).toMatch(/^AT\s+OFFSET\s+PHASE\s+FOR\s+WHY$/);
    expect(lines.slice(2)).toHaveLength(api.history.length);
    expect(lines[2]).toMatch(/^\S+Z\s+\+0s\s+Requested\s+\d+s\s+/);
    expect(lines.at(-1)).toContain('Deleted');
    for (const [i, h] of (api.history as Json[]).entries()) expect(lines[2 + i]).toContain(h.why);
    const json = await cli(['events', deleted, '-o', 'json'], env);
    expect(JSON.parse(json.stdout)).toEqual(api.history);
  });

  it('stops watching once every burst shown has ended, one JSON document per refresh', async () => {
    const run = await cli(['status', deleted, '--watch', '-o', 'json'], env);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')).toHaveLength(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ id: deleted, phase: 'Deleted' });
  });

  it('exits 0 and changes nothing when asked to tear down a burst that has ended', async () => {
    const run = await cli(['down', deleted], env);
    expect(run.stdout).toMatch(new RegExp(`^${deleted}: noop: `));
    expect(run.code).toBe(0);
    expect((await rt.request('GET', `/bursts/${deleted}`, undefined, auth)).body.phase).toBe('Deleted');
  });

  it('exits 1 when the policy refuses a burst', async () => {
    const run = await cli(['up', '--reason', 'one too many'], env);
    expect(run.stdout).toMatch(/^refused: /);
    expect(run.code).toBe(1);
  });

  it('exits 2 on bad input, whether the CLI or the server finds it', async () => {
    expect((await cli(['up'], env)).code).toBe(2);
    expect((await cli(['status', 'not an id'], env)).code).toBe(2);
    expect((await cli(['status', '-o', 'xml'], env)).code).toBe(2);
    expect((await cli(['up', '--reason', 'x', '--ttl', 'forever'], env)).code).toBe(2);
    const blank = await cli(['up', '--reason', '   '], env);
    expect(blank.stderr).toContain('400: invalid burst request: reason: must not be empty');
    expect(blank.code).toBe(2);
    const unknown = await cli(['down', 'b-000000000000'], env);
    expect(unknown.stderr).toContain('404');
    expect(unknown.code).toBe(2);
    const wrongToken = await cli(['status'], { ...env, CLUSTERBURST_TOKEN: 'wrong' });
    expect(wrongToken.stderr).toContain('401');
    expect(wrongToken.code).toBe(2);
  });

  it('exits 3 when the control plane cannot be reached', async () => {
    const run = await cli(['status'], { CLUSTERBURST_URL: 'http://127.0.0.1:1' });
    expect(run.stderr).toContain('cannot reach the control plane at http://127.0.0.1:1');
    expect(run.code).toBe(3);
  });

  it('finds the control plane on $PORT, as npm start does, with no --url', async () => {
    const port = new URL(rt.url).port;
    const run = await bin(['status'], { PORT: port, CLUSTERBURST_TOKEN: TOKEN });
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain(active);
    expect(run.code).toBe(0);
  });

  it('never shows the bearer token in --help or in the help after a usage error', async () => {
    const secret = { CLUSTERBURST_TOKEN: 'tok-must-not-leak-91c2' };
    for (const args of [['--help'], ['status', '--help'], ['status', 'not an id'], ['up']]) {
      const run = await bin(args, secret);
      expect(`${run.stdout}${run.stderr}`).toContain('Usage: clusterburst');
      expect(`${run.stdout}${run.stderr}`).not.toContain('tok-must-not-leak-91c2');
    }
  });
});
