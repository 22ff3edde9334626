/**
 * The `clusterburst` CLI: talks to a running control plane over its HTTP API.
 * @example
 * clusterburst up --reason "conference week" --ttl 2h
 * clusterburst status --watch
 * clusterburst down b-0123456789ab
 * clusterburst plan
 */
import { Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { TtlSchema } from '../schemas/manual-burst.ts';
import { ApiError, type ClientOptions, call } from './client.ts';
import { type BurstDetail, type BurstSummary, burstDetail, statusTable } from './format.ts';

const TERMINAL = new Set(['Deleted', 'Failed']);

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function ttl(value: string): number {
  const parsed = TtlSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(parsed.error.issues[0]?.message ?? 'invalid duration');
  return parsed.data;
}

function burstId(value: string): string {
  if (!/^b-[0-9a-f]{12}$/.test(value)) throw new InvalidArgumentError('must look like b-0123456789ab');
  return value;
}

const UrlSchema = z.url({ protocol: /^https?$/ });

function client(cmd: Command): ClientOptions {
  const opts = cmd.optsWithGlobals<{ url: string; token?: string }>();
  const url = UrlSchema.safeParse(opts.url);
  if (!url.success) throw new ApiError(0, `--url: not an http(s) URL: ${opts.url}`);
  return { url: url.data, token: opts.token };
}

const program = new Command('clusterburst')
  .description('Burst research-infrastructure services to commercial clouds, and back.')
  .option('--url <url>', 'control plane URL', process.env.CLUSTERBURST_URL ?? 'http://127.0.0.1:8080')
  .option('--token <token>', 'bearer token (default: $CLUSTERBURST_TOKEN)', process.env.CLUSTERBURST_TOKEN)
  .showHelpAfterError();

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
    console.log(`${answer.decision}${answer.burstId ? ` ${answer.burstId}` : ''}: ${answer.why}`);
    if (answer.decision === 'refused') process.exitCode = 3;
  });

program
  .command('down')
  .description('tear a burst down (drain, unjoin, delete)')
  .argument('<id>', 'burst id', burstId)
  .action(async (id: string, _opts, cmd: Command) => {
    const answer = (await call(client(cmd), 'DELETE', `/bursts/${id}`)) as { outcome: string; why: string };
    console.log(`${id}: ${answer.outcome}: ${answer.why}`);
  });

program
  .command('status')
  .description('list bursts, or show one burst with its phase history')
  .argument('[id]', 'burst id', burstId)
  .option('-w, --watch', 'refresh until every burst shown has ended (Ctrl-C to stop)')
  .option('--interval <seconds>', 'refresh interval for --watch', positiveInt, 2)
  .action(async (id: string | undefined, opts: { watch?: boolean; interval: number }, cmd: Command) => {
    const c = client(cmd);
    for (;;) {
      const text = id
        ? burstDetail((await call(c, 'GET', `/bursts/${id}`)) as BurstDetail)
        : statusTable(((await call(c, 'GET', '/bursts')) as { bursts: BurstSummary[] }).bursts);
      if (opts.watch && process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
      console.log(text);
      if (!opts.watch) return;
      const phases = id
        ? [((await call(c, 'GET', `/bursts/${id}`)) as BurstDetail).phase]
        : ((await call(c, 'GET', '/bursts')) as { bursts: BurstSummary[] }).bursts.map((b) => b.phase);
      if (phases.every((p) => TERMINAL.has(p))) return;
      await new Promise((r) => setTimeout(r, opts.interval * 1000));
      if (!process.stdout.isTTY) console.log('');
    }
  });

program
  .command('plan')
  .description('dry run: what would be decided now, and why (changes nothing)')
  .action(async (_opts, cmd: Command) => {
    const p = (await call(client(cmd), 'GET', '/plan')) as {
      live: number;
      maxClusters: number;
      costPerHour: number;
      hourlyBudget: number;
      burst: { burst: boolean; why: string };
      scaleDown: { why: string; verdicts: { id: string; drain: boolean; why: string }[] };
    };
    console.log(
      `live clusters: ${p.live} of ${p.maxClusters}; cost ${p.costPerHour.toFixed(2)}/h of ${p.hourlyBudget}/h`,
    );
    console.log(`a new burst now: ${p.burst.burst ? 'yes' : 'no'}: ${p.burst.why}`);
    console.log(`scale-down now: ${p.scaleDown.why}`);
    for (const v of p.scaleDown.verdicts) console.log(`  ${v.id}: ${v.drain ? 'drain' : 'keep'}: ${v.why}`);
  });

try {
  await program.parseAsync();
} catch (error) {
  console.error(`clusterburst: ${(error as Error).message}`);
  process.exitCode = error instanceof ApiError && error.status >= 400 && error.status < 500 ? 2 : 1;
}
