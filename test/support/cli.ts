import { runCli } from '../../shared/cli/program.ts';

/** What one CLI run printed and how it ended. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the CLI in this process with exactly `env` (nothing inherited), capturing its output. */
export async function cli(argv: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    env,
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    sleep: async () => {},
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}
