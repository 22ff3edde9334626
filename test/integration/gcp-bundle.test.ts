import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { GCP_FUNCTIONS } from '../../functions/gcp/index.ts';
import { buildGcp } from '../../scripts/build-gcp.ts';

const run = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await buildGcp();
}, 120_000);

describe('Cloud Functions source (scripts/build-gcp.ts)', () => {
  it('declares the bundle as the main module and the functions framework as its only dependency', () => {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ type: 'module', main: 'functions/gcp/index.js' });
    expect(Object.keys(manifest.dependencies as object)).toEqual(['@google-cloud/functions-framework']);
  });

  it('registers every function where the installed framework finds it', async () => {
    // What the framework's loader does: import the main module, then look the target up.
    const script = `
      await import(process.env.MAIN);
      const { getFunction } = await import('@google-cloud/functions-framework/testing');
      const names = JSON.parse(process.env.NAMES);
      console.log(JSON.stringify(names.filter((n) => typeof getFunction(n) === 'function')));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      env: {
        ...process.env,
        MAIN: join(dir, 'functions/gcp/index.js'),
        NAMES: JSON.stringify(GCP_FUNCTIONS),
      },
      timeout: 60_000,
    });
    expect(JSON.parse(stdout)).toEqual(GCP_FUNCTIONS);
  });
});
