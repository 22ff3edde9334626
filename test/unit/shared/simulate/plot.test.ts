import { Resvg } from '@resvg/resvg-js';
import { describe, expect, it } from 'vitest';
import { runSpec, SERIES, sweepSpec, toPng, toSvg } from '../../../../shared/simulate/plot.ts';
import { simulate } from '../../../../shared/simulate/simulate.ts';
import { squareWave } from './square-wave.ts';

/** Whether `svg` is well-formed: resvg's XML parser rejects anything that is not. */
function parsesAsSvg(svg: string): boolean {
  const image = new Resvg(svg);
  return image.width > 0 && image.height > 0;
}

describe('plots of a simulation', () => {
  const result = simulate(squareWave());

  it('draws a run as valid SVG naming load, home capacity, burst capacity serving, capacity bought and unserved', async () => {
    const svg = await toSvg(runSpec({ title: 'square wave', ...result }));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(parsesAsSvg(svg)).toBe(true);
    for (const name of Object.values(SERIES)) expect(svg).toContain(`>${name}</text>`);
    expect(svg).toContain('square wave');
    expect(() => new Resvg('<svg><g></svg>')).toThrow();
  });

  it('shades each unserved period once, from its first to its last unserved step', () => {
    const spec = runSpec({ title: 'square wave', ...result }) as { layer: { data: { values: unknown[] } }[] };
    // Minutes 30 to 42, in hours from the start of the trace.
    expect(spec.layer[0]!.data.values).toEqual([{ x: 0.5, x2: 0.7, series: SERIES.unserved }]);
  });

  it('draws a sweep as cost against unserved minutes, one labelled point per value', async () => {
    const svg = await toSvg(
      sweepSpec('square wave', 'policy.scaleDownWindowSeconds', [
        { value: '300', figures: result.figures },
        { value: '1200', figures: { ...result.figures, cost: result.figures.cost + 1 } },
      ]),
    );
    expect(parsesAsSvg(svg)).toBe(true);
    expect(svg).toContain('policy.scaleDownWindowSeconds=300');
    expect(svg).toContain('policy.scaleDownWindowSeconds=1200');
    expect(svg).toContain('unserved minutes');
  });

  it('turns the SVG into a PNG', async () => {
    const png = toPng(await toSvg(runSpec({ title: 'square wave', ...result })));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  });
});
