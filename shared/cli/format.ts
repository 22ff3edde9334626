/** A burst as `GET /bursts` lists it. */
export interface BurstSummary {
  readonly id: string;
  readonly phase: string;
  readonly provider: string;
  readonly region: string;
  readonly nodes: number;
  readonly ageSeconds: number;
  readonly costPerHour: number;
  readonly costSoFar: number;
  readonly reason: string;
  readonly name?: string;
  readonly source?: string;
  readonly expiresAt?: string;
  readonly lastError?: string;
  /** A warm standby cluster: joined and cordoned, serving nothing until a burst takes it. */
  readonly warm?: boolean;
  readonly why?: string;
}

/** A burst as `GET /bursts/{id}` returns it (summary plus history). */
export interface BurstDetail extends BurstSummary {
  readonly history: readonly { readonly phase: string; readonly at: string; readonly why: string }[];
}

/** Plain text table with a header row, columns padded to fit. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** `90s`, `12m`, `3h5m`. */
export function age(seconds: number): string {
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m`;
}

/** The `status` table: serving bursts, then warm standby clusters apart (they serve nothing). */
export function statusTable(bursts: readonly BurstSummary[]): string {
  if (bursts.length === 0) return 'no bursts';
  const warm = bursts.filter((b) => b.warm);
  const serving = statusRows(bursts.filter((b) => !b.warm));
  if (warm.length === 0) return serving;
  return `${serving}\n\nwarm standby (joined, cordoned, counted in cost):\n${statusRows(warm)}`;
}

function statusRows(bursts: readonly BurstSummary[]): string {
  if (bursts.length === 0) return 'no serving bursts';
  return table(
    ['ID', 'PHASE', 'PROVIDER', 'REGION', 'NODES', 'AGE', 'COST/H', 'COST', 'REASON'],
    bursts.map((b) => [
      b.id,
      b.phase,
      b.provider,
      b.region,
      String(b.nodes),
      age(b.ageSeconds),
      b.costPerHour.toFixed(2),
      b.costSoFar.toFixed(4),
      b.reason,
    ]),
  );
}

/** The `status -o wide` table: the summary plus cluster name, source, expiry and the last why. */
export function statusWideTable(bursts: readonly BurstSummary[]): string {
  if (bursts.length === 0) return 'no bursts';
  return table(
    [
      'ID',
      'NAME',
      'PHASE',
      'PROVIDER',
      'REGION',
      'NODES',
      'AGE',
      'COST/H',
      'COST',
      'SOURCE',
      'EXPIRES',
      'REASON',
      'WHY',
    ],
    bursts.map((b) => [
      b.id,
      b.name ?? '',
      b.phase,
      b.provider,
      b.region,
      String(b.nodes),
      age(b.ageSeconds),
      b.costPerHour.toFixed(2),
      b.costSoFar.toFixed(4),
      b.source ?? '',
      b.expiresAt ?? '',
      b.reason,
      b.lastError ? `${b.why ?? ''} (last error: ${b.lastError})` : (b.why ?? ''),
    ]),
  );
}

/** A burst's history as a timeline: offset from the request, time spent in each phase, the why. */
export function timeline(b: BurstDetail): string {
  const start = Date.parse(b.history[0]?.at ?? '');
  const rows = b.history.map((h, i) => {
    const at = Date.parse(h.at);
    const next = b.history[i + 1];
    const stayed = next ? age(Math.round((Date.parse(next.at) - at) / 1000)) : '';
    return [h.at, `+${age(Math.round((at - start) / 1000))}`, h.phase, stayed, h.why];
  });
  const head = `${b.id}  ${b.phase}  ${b.provider}/${b.region}  ${b.reason}`;
  return [head, table(['AT', 'OFFSET', 'PHASE', 'FOR', 'WHY'], rows)].join('\n');
}

/** What `GET /plan` answers. */
export interface PlanAnswer {
  readonly live: number;
  readonly maxClusters: number;
  readonly costPerHour: number;
  readonly hourlyBudget: number;
  readonly burst: {
    readonly burst: boolean;
    readonly why: string;
    readonly provider?: string;
    readonly region?: string;
    readonly nodes?: number;
    readonly costPerHour?: number;
  };
  readonly scaleDown: {
    readonly why: string;
    readonly verdicts: readonly { id: string; drain: boolean; why: string }[];
  };
  /** Wanted against actual capacity and the actions between them (servers before issue 12 omit it). */
  readonly capacity?: {
    readonly wanted: { readonly nodes: number; readonly why: string };
    readonly actual: readonly { id: string; phase: string; warm: boolean; nodes: { desired: number } }[];
    readonly actions: readonly {
      kind: string;
      burstId?: string;
      provider?: string;
      nodes?: number;
      why: string;
    }[];
  };
}

/** The `plan` text; `wide` adds where a new burst would go and what it would cost. */
export function planText(p: PlanAnswer, wide = false): string {
  const b = p.burst;
  const where =
    wide && b.burst && b.provider
      ? ` (${b.provider}/${b.region}, ${b.nodes} nodes, ${b.costPerHour?.toFixed(2)}/h)`
      : '';
  return [
    `live clusters: ${p.live} of ${p.maxClusters}; cost ${p.costPerHour.toFixed(2)}/h of ${p.hourlyBudget}/h`,
    `a new burst now: ${b.burst ? 'yes' : 'no'}${where}: ${b.why}`,
    `scale-down now: ${p.scaleDown.why}`,
    ...p.scaleDown.verdicts.map((v) => `  ${v.id}: ${v.drain ? 'drain' : 'keep'}: ${v.why}`),
    ...(p.capacity ? capacityLines(p.capacity) : []),
  ].join('\n');
}

/** Wanted, actual (serving and warm apart) and each planned action with its why. */
function capacityLines(c: NonNullable<PlanAnswer['capacity']>): string[] {
  const serving = c.actual.filter((a) => !a.warm && !['Draining', 'Leaving', 'Deleting'].includes(a.phase));
  const nodes = serving.reduce((s, a) => s + a.nodes.desired, 0);
  const warm = c.actual.filter((a) => a.warm).length;
  return [
    `wanted: ${c.wanted.nodes} node(s): ${c.wanted.why}`,
    `actual: ${nodes} node(s) in ${serving.length} serving cluster(s)${warm ? `, ${warm} warm standby` : ''}`,
    c.actions.length ? 'actions:' : 'actions: none (actual follows wanted)',
    ...c.actions.map(
      (a) =>
        `  ${a.kind} ${a.burstId ?? a.provider ?? ''}${a.nodes !== undefined ? ` to ${a.nodes}` : ''}: ${a.why}`,
    ),
  ];
}

/** One burst with its phase history and the why of each step. */
export function burstDetail(b: BurstDetail): string {
  const head = `${b.id}  ${b.phase}  ${b.provider}/${b.region}  ${b.nodes} nodes  ${b.costPerHour.toFixed(2)}/h`;
  const rows = b.history.map((h) => [h.at, h.phase, h.why]);
  return [head, b.lastError ? `last error: ${b.lastError}` : '', table(['AT', 'PHASE', 'WHY'], rows)]
    .filter(Boolean)
    .join('\n');
}
