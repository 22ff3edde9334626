/** `npm run bench`: every benchmark in turn, each printing its own figures. */
import { existsSync } from 'node:fs';

const BENCHES = [
  'alarm-latency.ts',
  'bundle.ts',
  'webhook-throughput.ts',
  'dns-rfc2136.ts',
  'haproxy-runtime-vs-reload.ts',
  'kube-join-leave.ts',
  'store-history.ts',
  'warm-standby.ts',
  'simulate-traces.ts',
];

for (const file of BENCHES) {
  const url = new URL(`./${file}`, import.meta.url);
  if (!existsSync(url)) continue;
  console.log(`\n== ${file}`);
  const started = performance.now();
  const mod = (await import(url.href)) as { main?: () => Promise<void> };
  await mod.main?.();
  console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
