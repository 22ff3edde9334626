/**
 * Child-process entry of `startLoadProcess`: runs `startLoad` with the options in argv[2] and
 * answers `report` and `stop` messages over IPC. A separate process keeps the load's own event
 * loop from starving (or being starved by) the servers it measures on a busy 2-core machine.
 */
import { type LoadOptions, startLoad } from './haproxy-load.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
const load = startLoad(options);

process.on('message', async (message: unknown) => {
  if (message === 'report') process.send?.({ report: load.report() });
  if (message === 'stop') {
    const report = await load.stop();
    process.send?.({ report, final: true }, () => process.exit(0));
  }
});
// The parent died or let go: stop rather than load a server nobody measures.
process.on('disconnect', () => {
  void load.stop().then(() => process.exit(0));
});
process.send?.({ ready: true });
