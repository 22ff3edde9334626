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
  readonly why?: string;
}

/** A burst as `GET /bursts/{id}` returns it (summary plus history). */
export interface BurstDetail extends BurstSummary {
  readonly history: readonly { readonly phase: string; readonly at: string; readonly why: string }[];
  readonly lastError?: string;
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

/** The `status` table. */
export function statusTable(bursts: readonly BurstSummary[]): string {
  if (bursts.length === 0) return 'no bursts';
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

/** One burst with its phase history and the why of each step. */
export function burstDetail(b: BurstDetail): string {
  const head = `${b.id}  ${b.phase}  ${b.provider}/${b.region}  ${b.nodes} nodes  ${b.costPerHour.toFixed(2)}/h`;
  const rows = b.history.map((h) => [h.at, h.phase, h.why]);
  return [head, b.lastError ? `last error: ${b.lastError}` : '', table(['AT', 'PHASE', 'WHY'], rows)]
    .filter(Boolean)
    .join('\n');
}
