import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runSimulate } from '../../shared/cli/simulate.ts';
import { cli } from '../support/cli.ts';

const execFileP = promisify(execFile);

/** Run the real `clusterburst` command, as a user would. */
async function bin(args: string[]) {
  try {
    const { stdout, stderr } = await execFileP('node', ['bin/clusterburst.js', ...args], {
      env: { PATH: process.env.PATH },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The square wave of the unit tests: 30 min at 50, 60 min at 150, 150 min at 50. */
const SQUARE = [
  'minute,load',
  ...Array.from({ length: 240 }, (_, m) => `${m},${m >= 30 && m < 90 ? 150 : 50}`),
].join('\n');

const CONFIG = `
providers: [{ name: cloud, driver: simulated, regions: [r1], pricePerNodeHour: 1 }]
simulation:
  homeCapacity: 100
  loadPerNode: 10
  alert: { threshold: 1, forSeconds: 0 }
  latency: { create: 600, join: 60, route: 60, resize: 120, drain: 60, delete: 300 }
  controlPlanePerHour: 0.6
`;

describe('clusterburst simulate', () => {
  let dir: string;
  let trace: string;
  let config: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cb-simulate-'));
    trace = join(dir, 'square.csv');
    config = join(dir, 'site.yaml');
    writeFileSync(trace, SQUARE);
    writeFileSync(config, CONFIG);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the figures as one JSON object with --json', async () => {
    const run = await cli(['simulate', '--trace', trace, '--config', config, '--json']);
    expect(run.code).toBe(0);
    const figures = JSON.parse(run.stdout);
    expect(Object.keys(figures)).toEqual(
      expect.arrayContaining([
        'nodeHours',
        'clusterHours',
        'cost',
        'unservedLoadMinutes',
        'unservedMinutes',
        'unservedMinutesBeyondLatency',
        'clustersCreated',
        'resizes',
        'drainsCancelled',
        'flaps',
        'oracle',
        'costRatioToOracle',
      ]),
    );
    expect(figures).toMatchObject({ nodeHours: 6.3, unservedMinutes: 12, unservedMinutesBeyondLatency: 0 });
    expect(Object.keys(figures.oracle)).toEqual(expect.arrayContaining(['nodeHours', 'cost']));
  });

  it('prints a readable table by default, and --set overrides the configuration', async () => {
    const run = await cli([
      'simulate',
      '--trace',
      trace,
      '--config',
      config,
      '--set',
      'simulation.latency.create=300',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^square\.csv: 240 steps of 60s, load by minute/);
    // Create 5 + join 1 + route 1 min.
    expect(run.stdout).toMatch(/\nunserved minutes +7\n/);
    expect(run.stdout).toMatch(/\ncost \/ oracle +\d+\.\d+\n/);
  });

  it('writes a plot the user asked for, as SVG or PNG', async () => {
    const svg = join(dir, 'run.svg');
    const png = join(dir, 'run.png');
    expect((await cli(['simulate', '--trace', trace, '--config', config, '--plot', svg])).code).toBe(0);
    expect(readFileSync(svg, 'utf8')).toContain('>capacity bought</text>');
    expect((await cli(['simulate', '--trace', trace, '--config', config, '--plot', png])).code).toBe(0);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
  });

  it('sweeps a setting: one run per value, cost against unserved minutes', async () => {
    const plot = join(dir, 'sweep.svg');
    const run = await cli([
      'simulate',
      '--trace',
      trace,
      '--config',
      config,
      '--sweep',
      'policy.scaleDownWindowSeconds=300,600,1800',
      '--json',
      '--plot',
      plot,
    ]);
    expect(run.code).toBe(0);
    const { sweep, runs } = JSON.parse(run.stdout);
    expect(sweep).toBe('policy.scaleDownWindowSeconds');
    expect(runs.map((r: { value: string }) => r.value)).toEqual(['300', '600', '1800']);
    // A longer window keeps the nodes longer after the load falls.
    expect(runs[0].nodeHours).toBeLessThan(runs[1].nodeHours);
    expect(runs[1].nodeHours).toBeLessThan(runs[2].nodeHours);
    expect(readFileSync(plot, 'utf8')).toContain('policy.scaleDownWindowSeconds=1800');
  });

  it('refuses a bad trace with the line, exit code 2 and no stack trace', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'minute,load\n0,10\n1,10\n2,many\n');
    const run = await bin(['simulate', '--trace', bad, '--config', config]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(`clusterburst: ${bad} line 4: load "many" is not a number`);
    expect(run.stdout).toBe('');
  });

  it('names a missing setting and what the trace holds, and a bad one by its field', async () => {
    const missing = await cli(['simulate', '--trace', trace, '--set', 'simulation.loadPerNode=10']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /simulation\.homeCapacity is not set: .*median 50, 90th percentile 150, max 150/,
    );
    const wrong = await cli([
      'simulate',
      '--trace',
      trace,
      '--config',
      config,
      '--set',
      'simulation.alert.forSeconds=-1',
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/simulation\.alert\.forSeconds: Too small/);
    const plot = await cli(['simulate', '--trace', trace, '--config', config, '--plot', 'out.gif']);
    expect(plot.stderr).toMatch(/--plot out\.gif: the file must end in \.svg or \.png/);
  });

  it('shows progress on a terminal during a long run, and none when output is not a terminal', async () => {
    const long = join(dir, 'long.csv');
    writeFileSync(
      long,
      ['minute,load', ...Array.from({ length: 6000 }, (_, m) => `${m},${m % 600 < 60 ? 150 : 50}`)].join(
        '\n',
      ),
    );
    // A second passes between any two looks at the clock: every progress report is due.
    let clock = 0;
    const now = vi.spyOn(Date, 'now').mockImplementation(() => (clock += 1000));
    try {
      const lines = (tty: boolean) => {
        const err: string[] = [];
        const io = { out: () => {}, err: (t: string) => err.push(t), tty };
        return runSimulate({ trace: long, config, set: [] }, io, {}).then(() => err);
      };
      expect(await lines(true)).toEqual([
        'long.csv: 33% (2000 of 6000 steps)',
        'long.csv: 66% (4000 of 6000 steps)',
      ]);
      expect(await lines(false)).toEqual([]);
    } finally {
      now.mockRestore();
    }
  });
});
