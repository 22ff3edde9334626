import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cli } from '../../../support/cli.ts';

/** What bash offers after typing `words` (the last one being completed). */
function bashComplete(script: string, words: string[]): string[] {
  const quoted = words.map((w) => `'${w}'`).join(' ');
  const out = execFileSync(
    'bash',
    [
      '-c',
      `${script}\nCOMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _clusterburst; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { encoding: 'utf8' },
  );
  return out.split('\n').filter(Boolean);
}

describe('shell completion', () => {
  it('completes commands, options and output formats in bash', async () => {
    const { code, stdout } = await cli(['completion', 'bash']);
    expect(code).toBe(0);
    expect(bashComplete(stdout, ['clusterburst', 'st'])).toEqual(['status']);
    expect(bashComplete(stdout, ['clusterburst', 'status', '--w'])).toEqual(['--watch']);
    expect(bashComplete(stdout, ['clusterburst', 'plan', '-o', ''])).toEqual(['json', 'yaml', 'wide']);
    expect(bashComplete(stdout, ['clusterburst', '--url', 'http://x', 'config', 'ch'])).toEqual(['check']);
    expect(bashComplete(stdout, ['clusterburst', 'events', 'b-0123456789ab', '--'])).toContain('--output');
  });

  it('writes a fish script naming every command', async () => {
    const { stdout } = await cli(['completion', 'fish']);
    for (const c of ['up', 'down', 'status', 'events', 'plan', 'config', 'completion'])
      expect(stdout).toContain(`-n '__fish_use_subcommand' -a ${c}`);
  });

  it('exits 2 for a shell it does not know', async () => {
    const run = await cli(['completion', 'tcsh']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("command-argument value 'tcsh' is invalid for argument 'shell'");
  });
});
