/**
 * The `clusterburst` CLI: talks to a running control plane over its HTTP API.
 * @example
 * clusterburst up --reason "conference week" --ttl 2h
 * clusterburst status --watch
 * clusterburst status -o json
 * clusterburst events b-0123456789ab
 * clusterburst down b-0123456789ab
 * clusterburst plan
 * clusterburst config check deploy/onprem/clusterburst.yaml
 */
import { runCli } from './program.ts';

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  tty: process.stdout.isTTY,
});
