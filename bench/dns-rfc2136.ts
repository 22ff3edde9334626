/**
 * The rfc2136 driver against `nsupdate` on the same BIND 9 in the same run: a batch of 100
 * record changes (creates of A records), median of several rounds after a warm-up.
 * The driver writes what clusterburst always writes (prerequisites and an ownership TXT per
 * record) in UPDATEs of 50; nsupdate is timed both with the same content and with 100 plain adds,
 * each as one invocation with one `send`.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DnsChangeSet } from '../shared/domain/dns-changes.ts';
import { ownershipName, ownershipValue } from '../shared/drivers/dns/ownership.ts';
import { Rfc2136OptionsSchema } from '../shared/drivers/dns/rfc2136/options.ts';
import { Rfc2136Dns } from '../shared/drivers/dns/rfc2136/rfc2136.ts';
import { type BindServer, startBind } from '../test/support/bind.ts';

const CHANGES = 100;
const ROUNDS = 7;
const OWNER = 'bench';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function names(tag: string): string[] {
  return Array.from({ length: CHANGES }, (_, i) => `r${i}.${tag}.example.org`);
}

function plan(tag: string): DnsChangeSet {
  return {
    changes: names(tag).map((name, i) => ({
      action: 'create' as const,
      record: {
        name,
        type: 'A' as const,
        ttl: 30,
        values: [`10.1.${i >> 8}.${i & 0xff}`],
        owner: OWNER,
        burstId: tag,
      },
    })),
  };
}

/** Runs nsupdate with a key file and a script; resolves with the wall time in ms. */
async function nsupdate(keyFile: string, bind: BindServer, lines: string[]): Promise<number> {
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn('nsupdate', ['-k', keyFile], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`nsupdate exited ${code}: ${stderr}`)),
    );
    child.stdin.end(
      [`server ${bind.host} ${bind.port}`, `zone ${bind.zone}`, ...lines, 'send', ''].join('\n'),
    );
  });
  return performance.now() - started;
}

/** The same prerequisites and records the driver sends, as nsupdate commands. */
function sameAsDriver(tag: string): string[] {
  return names(tag).flatMap((name, i) => {
    const txt = ownershipName({ name, type: 'A' });
    return [
      `prereq nxrrset ${name} A`,
      `prereq nxrrset ${name} CNAME`,
      `prereq nxrrset ${txt} TXT`,
      `update add ${name} 30 A 10.1.${i >> 8}.${i & 0xff}`,
      `update add ${txt} 30 TXT "${ownershipValue(OWNER, tag)}"`,
    ];
  });
}

function plainAdds(tag: string): string[] {
  return names(tag).map((name, i) => `update add ${name} 30 A 10.2.${i >> 8}.${i & 0xff}`);
}

async function timeDriver(dns: Rfc2136Dns, tag: string): Promise<number> {
  const started = performance.now();
  await dns.apply(plan(tag));
  return performance.now() - started;
}

/** Fails the run if a batch did not land: the last name of the batch must resolve. */
async function check(bind: BindServer, tag: string): Promise<void> {
  const last = names(tag).at(-1) ?? '';
  if ((await bind.query(last, 'A')).length !== 1) throw new Error(`${last} was not created`);
}

/** Run the benchmark and print its figures. */
export async function main(): Promise<void> {
  const bind = await startBind({ zone: 'example.org' });
  try {
    const keyFile = join(bind.dir, 'bench.key');
    await writeFile(
      keyFile,
      `key "${bind.keyName}" { algorithm ${bind.keyAlgorithm}; secret "${bind.keySecret}"; };\n`,
    );
    const options = {
      server: bind.host,
      port: bind.port,
      zone: bind.zone,
      keyName: bind.keyName,
      keySecret: bind.keySecret,
    };
    const driver50 = new Rfc2136Dns(Rfc2136OptionsSchema.parse(options));
    const driver100 = new Rfc2136Dns(Rfc2136OptionsSchema.parse({ ...options, batchSize: 100 }));
    const times = {
      driver50: [] as number[],
      driver100: [] as number[],
      nsupdateSame: [] as number[],
      nsupdatePlain: [] as number[],
    };
    for (let round = -1; round < ROUNDS; round++) {
      const results = {
        driver50: await timeDriver(driver50, `d50-${round + 1}`),
        driver100: await timeDriver(driver100, `d100-${round + 1}`),
        nsupdateSame: await nsupdate(keyFile, bind, sameAsDriver(`ns-${round + 1}`)),
        nsupdatePlain: await nsupdate(keyFile, bind, plainAdds(`nsp-${round + 1}`)),
      };
      for (const tag of [`d50-${round + 1}`, `d100-${round + 1}`, `ns-${round + 1}`, `nsp-${round + 1}`])
        await check(bind, tag);
      // Round -1 warms up BIND, the JIT and the page cache; it is not counted.
      if (round < 0) continue;
      for (const [name, ms] of Object.entries(results)) times[name as keyof typeof times].push(ms);
    }
    const owned = await driver50.listOwned(OWNER);
    const driver = median(times.driver50);
    const same = median(times.nsupdateSame);
    const plain = median(times.nsupdatePlain);
    console.log(
      `rfc2136 driver vs nsupdate: ${CHANGES} record changes per batch, BIND ${bind.host}:${bind.port}, median of ${ROUNDS} rounds`,
    );
    console.log(`  driver, UPDATEs of 50 with prerequisites + ownership TXT:  ${driver.toFixed(1)} ms`);
    console.log(
      `  driver, one UPDATE of 100 (batchSize 100):                 ${median(times.driver100).toFixed(1)} ms`,
    );
    console.log(`  nsupdate -k, same prerequisites and TXT, one send:         ${same.toFixed(1)} ms`);
    console.log(`  nsupdate -k, 100 plain adds, one send:                     ${plain.toFixed(1)} ms`);
    console.log(
      `  ratio nsupdate/driver: ${(same / driver).toFixed(1)}x (same content), ${(plain / driver).toFixed(1)}x (plain adds)`,
    );
    // The driver's batches and nsupdate's same-content batches carry ownership TXTs: 3 per round.
    console.log(
      `  check: ${owned.length} records listed as owned by AXFR (expected ${CHANGES * 3 * (ROUNDS + 1)})`,
    );
  } finally {
    await bind.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
