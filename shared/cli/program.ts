/**
 * The `clusterburst` CLI as a function of its arguments and environment, so tests run it
 * in-process. Exit codes scripts can use: 0 done, 1 refused, 2 bad input, 3 control plane
 * unreachable or failed.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { stringify as toYaml } from 'yaml';
import { TtlSchema } from '../schemas/manual-burst.ts';
import { ApiError, type ClientOptions, call, listAll } from './client.ts';
import { completionScript, SHELLS, type Shell } from './completion.ts';
import { checkConfig } from './config-check.ts';
import { configPath, resolveEndpoint } from './endpoint.ts';
import {
  type BurstDetail,
  type BurstSummary,
  burstDetail,
  type PlanAnswer,
  planText,
  statusTable,
  statusWideTable,
  timeline,
} from './format.ts';
import { UsageError } from './usage-error.ts';

/** Process exit codes of the CLI. */
export const EXIT = { done: 0, refused: 1, badInput: 2, unavailable: 3 } as const;

/** Where the CLI writes, and what it reads from its environment. */
export interface CliIo {
  readonly env: NodeJS.ProcessEnv;
  out(text: string): void;
  err(text: string): void;
  /** Whether stdout is a terminal (clears the screen between `--watch` refreshes). */
  readonly tty?: boolean;
  sleep?(ms: number): Promise<void>;
}

const TERMINAL = new Set(['Deleted', 'Failed']);
const FORMATS = ['json', 'yaml', 'wide'] as const;
type Format = (typeof FORMATS)[number] | undefined;

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function ttl(value: string): number {
  const parsed = TtlSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(parsed.error.issues[0]?.message ?? 'invalid duration');
  return parsed.data;
}

/** Loose on purpose: the server validates ids, and their exact shape may grow (installation). */
function burstId(value: string): string {
  if (!/^b-[a-z0-9][a-z0-9-]{0,120}$/.test(value))
    throw new InvalidArgumentError('must be a burst id such as b-0123456789ab');
  return value;
}

const outputOption = () =>
  new Option('-o, --output <format>', 'output format (default: a table)').choices(FORMATS);

/** Structured output of `value` for json/yaml; `compact` writes one JSON line (for --watch). */
function structured(format: 'json' | 'yaml', value: unknown, compact = false): string {
  if (format === 'yaml') return toYaml(value).trimEnd();
  return compact ? JSON.stringify(value) : JSON.stringify(value, null, 2);
}

/** Build the program; `io` receives every line it writes, `outcome.code` the exit code of a run. */
export function buildProgram(io: CliIo, outcome: { code: number } = { code: EXIT.done }): Command {
  const client = (cmd: Command): ClientOptions =>
    resolveEndpoint(cmd.optsWithGlobals<{ url?: string; token?: string }>(), io.env);
  const sleep = io.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const program = new Command('clusterburst')
    .description('Burst research-infrastructure services to commercial clouds, and back.')
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, '')),
      writeErr: (s) => io.err(s.replace(/\n$/, '')),
    })
    .exitOverride()
    .showHelpAfterError()
    // No option default here: commander prints defaults in --help and after usage errors,
    // and a token there ends up in terminals, CI logs and screenshots.
    .option(
      '--url <url>',
      "control plane URL (default: $CLUSTERBURST_URL, else 127.0.0.1 on $PORT or the config's server.port, else 8080)",
    )
    .option(
      '--token <token>',
      "bearer token (default: $CLUSTERBURST_TOKEN, else the config's server.auth.bearerToken)",
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 done, 1 refused (policy said no), 2 bad input, 3 control plane unreachable or failed.',
    );

  program
    .command('up')
    .description('request a burst cluster now')
    .requiredOption('--reason <text>', 'why the burst is needed (kept in its history)')
    .option('--provider <name>', 'provider to use (default: cheapest eligible)')
    .option('--region <region>', 'preferred region')
    .option('--nodes <n>', 'nodes in the cluster', positiveInt)
    .option('--ttl <duration>', 'time to live, e.g. 90m or 2h', ttl)
    .action(async (opts, cmd: Command) => {
      const answer = (await call(client(cmd), 'POST', '/bursts', {
        reason: opts.reason,
        ...(opts.provider && { provider: opts.provider }),
        ...(opts.region && { region: opts.region }),
        ...(opts.nodes && { nodes: opts.nodes }),
        ...(opts.ttl && { ttl: opts.ttl }),
      })) as { decision: string; burstId?: string; why: string };
      io.out(`${answer.decision}${answer.burstId ? ` ${answer.burstId}` : ''}: ${answer.why}`);
      if (answer.decision === 'refused') outcome.code = EXIT.refused;
    });

  program
    .command('down')
    .description('tear a burst down (drain, unjoin, delete)')
    .argument('<id>', 'burst id', burstId)
    .option('--force', "delete even if home cannot take the services' replicas back")
    .action(async (id: string, opts: { force?: boolean }, cmd: Command) => {
      const path = `/bursts/${encodeURIComponent(id)}${opts.force ? '?force=true' : ''}`;
      const answer = (await call(client(cmd), 'DELETE', path)) as {
        outcome: string;
        why: string;
      };
      io.out(`${id}: ${answer.outcome}: ${answer.why}`);
    });

  program
    .command('status')
    .description('list bursts, or show one burst with its phase history')
    .argument('[id]', 'burst id', burstId)
    .addOption(outputOption())
    .option('-w, --watch', 'refresh until every burst shown has ended (Ctrl-C to stop)')
    .option('--interval <seconds>', 'refresh interval for --watch', positiveInt, 2)
    .action(
      async (
        id: string | undefined,
        opts: { watch?: boolean; interval: number; output?: Format },
        cmd: Command,
      ) => {
        const c = client(cmd);
        for (;;) {
          let text: string;
          let phases: string[];
          if (id) {
            const detail = (await call(c, 'GET', `/bursts/${encodeURIComponent(id)}`)) as BurstDetail;
            phases = [detail.phase];
            text =
              opts.output === 'json' || opts.output === 'yaml'
                ? structured(opts.output, detail, opts.watch)
                : burstDetail(detail);
          } else {
            const bursts = (await listAll(c, '/bursts', 'bursts')) as BurstSummary[];
            phases = bursts.map((b) => b.phase);
            text =
              opts.output === 'json' || opts.output === 'yaml'
                ? structured(opts.output, { bursts }, opts.watch)
                : opts.output === 'wide'
                  ? statusWideTable(bursts)
                  : statusTable(bursts);
          }
          const plain = opts.output !== 'json' && opts.output !== 'yaml';
          if (opts.watch && plain && io.tty) io.out('\x1b[2J\x1b[H');
          io.out(text);
          if (!opts.watch || phases.every((p) => TERMINAL.has(p))) return;
          await sleep(opts.interval * 1000);
          if (opts.output === 'yaml') io.out('---');
          else if (plain && !io.tty) io.out('');
        }
      },
    );

  program
    .command('events')
    .description("a burst's history as a timeline: each phase, when, for how long, and why")
    .argument('<id>', 'burst id', burstId)
    .addOption(outputOption())
    .action(async (id: string, opts: { output?: Format }, cmd: Command) => {
      const detail = (await call(client(cmd), 'GET', `/bursts/${encodeURIComponent(id)}`)) as BurstDetail;
      io.out(
        opts.output === 'json' || opts.output === 'yaml'
          ? structured(opts.output, detail.history)
          : timeline(detail),
      );
    });

  program
    .command('plan')
    .description('dry run: what would be decided now, and why (changes nothing)')
    .addOption(outputOption())
    .action(async (opts: { output?: Format }, cmd: Command) => {
      const p = (await call(client(cmd), 'GET', '/plan')) as PlanAnswer;
      io.out(
        opts.output === 'json' || opts.output === 'yaml'
          ? structured(opts.output, p)
          : planText(p, opts.output === 'wide'),
      );
    });

  const config = program.command('config').description('work with configuration files, offline');
  config
    .command('check')
    .description(
      'validate a configuration as the runtime would at start-up (contacts nothing) and print the effective configuration, secrets masked',
    )
    .argument('[file]', 'configuration file (default: $CLUSTERBURST_CONFIG, else ./clusterburst.yaml)')
    .action(async (file: string | undefined) => {
      const result = await checkConfig(file ?? configPath(io.env), io.env);
      for (const note of result.notes) io.err(`note: ${note}`);
      io.out(result.effective.trimEnd());
      io.err(`${result.where}: valid`);
    });

  program
    .command('simulate')
    .description(
      'replay a load trace through the policy on a virtual clock, offline; figures beside the oracle (docs/simulate.md)',
    )
    .requiredOption('--trace <file>', 'CSV with a header, a time column and a load column')
    .option('--config <file>', 'configuration (default: $CLUSTERBURST_CONFIG, else ./clusterburst.yaml)')
    .option(
      '--set <key=value>',
      'override a setting, e.g. simulation.homeCapacity=5000 (repeatable)',
      collect,
      [],
    )
    .option('--sweep <key=a,b,c>', 'one run per value, e.g. policy.scaleDownWindowSeconds=300,600,1200')
    .option('--json', 'print the figures as one JSON object')
    .option('--plot <file>', 'write a plot: FILE.svg or FILE.png')
    .option('--time-column <name>', 'time column (default: time, timestamp, minute or second)')
    .option('--load-column <name>', 'load column (default: load, requests or value)')
    .option('--count-rows', 'each row is one request: load is the rows per step')
    .option('--step <seconds>', "virtual clock tick (default: the trace's spacing, else 60)", positiveInt)
    .action(async (opts) => {
      // Loaded on use: the plotting libraries would slow every other command's start.
      const { runSimulate } = await import('./simulate.ts');
      await runSimulate(opts, io, io.env, configPath(io.env));
    });

  program
    .command('completion')
    .description('print a shell completion script, e.g. source <(clusterburst completion bash)')
    .addArgument(program.createArgument('<shell>', 'shell').choices(SHELLS))
    .action((shell: Shell) => io.out(completionScript(program, shell).trimEnd()));

  return program;
}

/** The exit code for an error thrown while running a command. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.done : EXIT.badInput;
  if (error instanceof UsageError) return EXIT.badInput;
  if (error instanceof ApiError) {
    if (error.status === 409 || error.status === 429) return EXIT.refused;
    if (error.status >= 400 && error.status < 500) return EXIT.badInput;
    return EXIT.unavailable;
  }
  return EXIT.unavailable;
}

/** Run the CLI on `argv` (arguments only, no node or script path) and return its exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const outcome = { code: EXIT.done as number };
  const program = buildProgram(io, outcome);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return outcome.code;
  } catch (error) {
    if (!(error instanceof CommanderError)) io.err(`clusterburst: ${(error as Error).message}`);
    return exitCodeFor(error);
  }
}
