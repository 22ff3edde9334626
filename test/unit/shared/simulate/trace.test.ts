import { describe, expect, it } from 'vitest';
import { parseTrace, TraceError } from '../../../../shared/simulate/trace.ts';

/** The error a trace gets, or a failure if it is read without one. */
function errorOf(text: string, options = {}): string {
  try {
    parseTrace(text, 'trace.csv', options);
  } catch (error) {
    expect(error).toBeInstanceOf(TraceError);
    return (error as Error).message;
  }
  throw new Error('the trace was read without an error');
}

describe('reading a load trace', () => {
  it('finds a minute column and a requests column by name, and a minute counts 60 seconds', () => {
    const trace = parseTrace('minute,requests\n0,10\n1,20\n2,5\n', 't.csv');
    expect(trace).toMatchObject({
      stepSeconds: 60,
      load: [10, 20, 5],
      timeColumn: 'minute',
      loadColumn: 'requests',
    });
    expect(trace.startsAt).toBeUndefined();
  });

  it('reads a second column in seconds and keeps a regular spacing as the clock tick', () => {
    expect(parseTrace('second,load\n0,1\n15,2\n30,3\n', 't.csv')).toMatchObject({
      stepSeconds: 15,
      load: [1, 2, 3],
    });
  });

  it('reads ISO-8601 times (a space may separate date and time, no zone is UTC) and keeps the wall clock', () => {
    const trace = parseTrace(
      'timestamp,value\n2023-11-16 18:17:03.5,1\n2023-11-16T18:18:03.5Z,2\n2023-11-16T19:19:03.5+01:00,4\n',
      't.csv',
    );
    expect(trace.startsAt?.toISOString()).toBe('2023-11-16T18:17:03.500Z');
    expect(trace.load).toEqual([1, 2, 4]);
  });

  it('finds a column whose name contains a known word (timestamp_anon, value) and sums rows that share a step', () => {
    const trace = parseTrace('timestamp_anon,value,container\n100,0.5,a\n110,0.25,b\n170,1,a\n', 't.csv');
    expect(trace).toMatchObject({
      stepSeconds: 60,
      load: [0.75, 1],
      timeColumn: 'timestamp_anon',
      loadColumn: 'value',
    });
  });

  it('counts rows per step when each row is one request', () => {
    const text =
      'TIMESTAMP,ContextTokens\n2023-11-16 18:17:03,1\n2023-11-16 18:17:40,1\n2023-11-16 18:18:10,9\n';
    expect(parseTrace(text, 't.csv', { countRows: true }).load).toEqual([2, 1]);
  });

  it('takes the columns it is given and a step to resample to', () => {
    const trace = parseTrace('t,a,b\n0,1,7\n30,2,8\n60,3,9\n90,4,1\n', 't.csv', {
      timeColumn: 't',
      loadColumn: 'b',
      stepSeconds: 60,
    });
    expect(trace.load).toEqual([15, 10]);
  });

  it('refuses an empty file, naming line 1', () => {
    expect(errorOf('')).toBe('trace.csv line 1: empty trace; expected a header such as minute,load');
  });

  it('refuses a trace without a header, naming the line', () => {
    expect(errorOf('0,10\n1,20\n')).toMatch(
      /^trace\.csv line 1: no header; the first line must name the columns/,
    );
  });

  it('refuses a non-numeric load, naming the line, the column and the value', () => {
    expect(errorOf('minute,load\n0,10\n1,lots\n')).toBe('trace.csv line 3: load "lots" is not a number');
  });

  it('refuses a negative load and a time that is neither a number nor ISO-8601', () => {
    expect(errorOf('minute,load\n0,-1\n')).toBe('trace.csv line 2: load "-1" is negative');
    expect(errorOf('time,load\nyesterday,1\n')).toBe(
      'trace.csv line 2: time "yesterday" is neither a number of seconds nor an ISO-8601 time',
    );
  });

  it('refuses time going backwards, naming the line', () => {
    expect(errorOf('minute,load\n0,1\n\n5,1\n3,1\n')).toBe(
      'trace.csv line 5: time goes backwards (3 is before the line above)',
    );
  });

  it('says which columns it looked for when it finds none, and which the header has', () => {
    expect(errorOf('when,load\n0,1\n')).toMatch(
      /no time column \(looked for time, timestamp, minute, second\); the header has when, load/,
    );
    expect(errorOf('minute,tokens\n0,1\n')).toMatch(/no load column .*--count-rows/);
    expect(errorOf('minute,load\n0,1\n', { loadColumn: 'qps' })).toBe(
      'trace.csv line 1: no column "qps" (--load-column); the header has minute, load',
    );
  });

  it('refuses a header with no rows, and broken CSV quoting, naming the line', () => {
    expect(errorOf('minute,load\n')).toBe('trace.csv line 1: no data rows after the header');
    expect(errorOf('minute,load\n0,"1\n')).toMatch(/^trace\.csv line 2: not valid CSV/);
  });
});
