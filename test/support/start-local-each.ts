/**
 * Runs `npm start`'s entry point (functions/local/main.ts) once per configuration file
 * given on the command line, in one process (a fresh module instance per file), so a table test
 * can show how the local runtime's start-up treats many configurations without paying a Node
 * start per row. On stderr, where errors are logged, each file's log lines come between a
 * `{"start":file}` line and an `{"end":file,"exitCode":n}` line.
 * @example
 * node --import tsx test/support/start-local-each.ts a.yaml b.yaml
 */
const MAIN = new URL('../../functions/local/main.ts', import.meta.url).href;

for (const [row, file] of process.argv.slice(2).entries()) {
  process.stderr.write(`${JSON.stringify({ start: file })}\n`);
  process.env.CLUSTERBURST_CONFIG = file;
  process.exitCode = undefined;
  await import(`${MAIN}?row=${row}`);
  process.stderr.write(`${JSON.stringify({ end: file, exitCode: process.exitCode })}\n`);
}
// A configuration that started a runtime would keep this process alive: these rows must not.
process.exit(0);
