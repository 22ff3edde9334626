/**
 * A load trace read from CSV: a header, a time column and a load column found by name (or
 * given), every row validated with zod, rows summed per step of the trace's resolution.
 */
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { ValidationError } from '../errors.ts';

/** A trace that cannot be read; the message names the file and line. */
export class TraceError extends ValidationError {
  constructor(message: string) {
    super(message, [message]);
  }
}

/** Load per step, from time 0 at the first row. */
export interface Trace {
  /** Seconds between two samples: the virtual clock's tick. */
  readonly stepSeconds: number;
  /** Load in step i (rows summed), i = 0 .. length-1. */
  readonly load: readonly number[];
  /** Wall-clock time of step 0 (ISO-8601 or epoch traces), else undefined. */
  readonly startsAt?: Date;
  readonly timeColumn: string;
  readonly loadColumn: string;
  /** Data rows read. */
  readonly rows: number;
}

/** How to read a trace; columns are found by name unless given. */
export interface TraceOptions {
  readonly timeColumn?: string;
  readonly loadColumn?: string;
  /** Each row is one unit of load (one request): count rows per step instead of reading a column. */
  readonly countRows?: boolean;
  /** Resample to this step; default: the trace's regular spacing, else 60 s. */
  readonly stepSeconds?: number;
}

const TIME_NAMES = ['time', 'timestamp', 'minute', 'second'];
const LOAD_NAMES = ['load', 'requests', 'value'];

/** ISO-8601 date and time; a space may separate them (RFC 3339); no zone means UTC. */
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

const NumberCell = z
  .string()
  .trim()
  .min(1, 'is empty')
  .transform(Number)
  .pipe(z.number({ error: 'is not a number' }).finite('is not a finite number'));
const LoadCell = NumberCell.pipe(z.number().min(0, 'is negative'));
const IsoCell = z
  .string()
  .trim()
  .regex(ISO, 'is neither a number of seconds nor an ISO-8601 time')
  .transform((s) => {
    const [, y, mo, d, h, mi, sec, frac, zone] = ISO.exec(s) ?? [];
    const ms = Number(`0.${frac ?? '0'}`) * 1000;
    let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec ?? 0), ms);
    if (zone && zone.toUpperCase() !== 'Z') {
      const sign = zone.startsWith('-') ? -1 : 1;
      const digits = zone.slice(1).replace(':', '');
      t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
    }
    return t / 1000;
  })
  .pipe(z.number().finite('is not a valid time'));

/** How a time column counts: by its name, a minute column counts minutes, others seconds or ISO-8601. */
function timeUnit(name: string): 'minute' | 'second' {
  return words(name).includes('minute') ? 'minute' : 'second';
}

function words(name: string): string[] {
  return name
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** The first header whose words contain the first wanted name that matches any header. */
function findColumn(header: readonly string[], wanted: readonly string[]): number {
  for (const name of wanted) {
    const i = header.findIndex((h) => h.trim().toLowerCase() === name);
    if (i >= 0) return i;
  }
  for (const name of wanted) {
    const i = header.findIndex((h) => words(h).includes(name));
    if (i >= 0) return i;
  }
  return -1;
}

function given(header: readonly string[], name: string, where: string, flag: string): number {
  const i = header.findIndex((h) => h.trim() === name);
  if (i < 0)
    throw new TraceError(
      `${where} line 1: no column "${name}" (${flag}); the header has ${header.join(', ')}`,
    );
  return i;
}

/** Read `text` (CSV) into a trace; `where` names the file in errors. */
export function parseTrace(text: string, where: string, options: TraceOptions = {}): Trace {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      bom: true,
    }) as unknown as typeof records;
  } catch (error) {
    const e = error as Error & { lines?: number };
    throw new TraceError(`${where}${e.lines ? ` line ${e.lines}` : ''}: not valid CSV: ${e.message}`);
  }
  const head = records[0];
  if (!head) throw new TraceError(`${where} line 1: empty trace; expected a header such as minute,load`);
  const header = head.record;
  if (header.every((h) => h.trim() !== '' && Number.isFinite(Number(h)))) {
    throw new TraceError(
      `${where} line ${head.info.lines}: no header; the first line must name the columns (e.g. minute,load), found ${header.join(',')}`,
    );
  }
  const timeAt = options.timeColumn
    ? given(header, options.timeColumn, where, '--time-column')
    : findColumn(header, TIME_NAMES);
  if (timeAt < 0)
    throw new TraceError(
      `${where} line ${head.info.lines}: no time column (looked for ${TIME_NAMES.join(', ')}); the header has ${header.join(', ')}; name one with --time-column`,
    );
  let loadAt = -1;
  if (!options.countRows) {
    loadAt = options.loadColumn
      ? given(header, options.loadColumn, where, '--load-column')
      : findColumn(header, LOAD_NAMES);
    if (loadAt < 0)
      throw new TraceError(
        `${where} line ${head.info.lines}: no load column (looked for ${LOAD_NAMES.join(', ')}); the header has ${header.join(', ')}; name one with --load-column, or --count-rows when each row is one request`,
      );
  }
  const timeName = header[timeAt]!.trim();
  const scale = timeUnit(timeName) === 'minute' ? 60 : 1;
  const times: number[] = [];
  const loads: number[] = [];
  let iso: boolean | undefined;
  for (const { record, info } of records.slice(1)) {
    const at = `${where} line ${info.lines}`;
    const rawTime = record[timeAt] ?? '';
    const numeric = NumberCell.safeParse(rawTime);
    let seconds: number;
    if (numeric.success) seconds = numeric.data * scale;
    else {
      const parsed = scale === 1 ? IsoCell.safeParse(rawTime) : numeric;
      if (!parsed.success)
        throw new TraceError(
          `${at}: ${timeName} "${rawTime}" ${parsed.error.issues[0]?.message ?? 'is invalid'}`,
        );
      seconds = parsed.data;
    }
    iso ??= !numeric.success;
    const previous = times.at(-1);
    if (previous !== undefined && seconds < previous)
      throw new TraceError(`${at}: time goes backwards (${rawTime} is before the line above)`);
    let load = 1;
    if (loadAt >= 0) {
      const loadName = header[loadAt]!.trim();
      const cell = LoadCell.safeParse(record[loadAt] ?? '');
      if (!cell.success)
        throw new TraceError(
          `${at}: ${loadName} "${record[loadAt] ?? ''}" ${cell.error.issues[0]?.message ?? 'is invalid'}`,
        );
      load = cell.data;
    }
    times.push(seconds);
    loads.push(load);
  }
  if (times.length === 0)
    throw new TraceError(`${where} line ${head.info.lines}: no data rows after the header`);
  const step = options.stepSeconds ?? regularStep(times) ?? 60;
  const t0 = times[0]!;
  const steps = Math.floor((times.at(-1)! - t0) / step) + 1;
  const load = new Array<number>(steps).fill(0);
  times.forEach((t, i) => {
    const k = Math.floor((t - t0) / step);
    load[k] = load[k]! + loads[i]!;
  });
  // A time column holding large numbers is epoch seconds: keep the wall clock for the plot.
  const wallClock = iso || (scale === 1 && t0 > 946_684_800);
  return {
    stepSeconds: step,
    load,
    ...(wallClock && { startsAt: new Date(t0 * 1000) }),
    timeColumn: timeName,
    loadColumn: loadAt >= 0 ? header[loadAt]!.trim() : '(rows counted)',
    rows: times.length,
  };
}

/** The spacing of a regular trace: the gap between consecutive distinct times, if 90% share it. */
function regularStep(times: readonly number[]): number | undefined {
  const gaps = new Map<number, number>();
  let total = 0;
  for (let i = 1; i < times.length; i++) {
    const gap = times[i]! - times[i - 1]!;
    if (gap <= 0) continue;
    gaps.set(gap, (gaps.get(gap) ?? 0) + 1);
    total++;
  }
  const [gap, count] = [...gaps].sort((a, b) => b[1] - a[1])[0] ?? [];
  return gap !== undefined && count! * 10 >= total * 9 && gap >= 1 && Number.isInteger(gap) ? gap : undefined;
}
