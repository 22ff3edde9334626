import type { Latency, LatencyModel } from '../config/simulation-schema.ts';

/** The provider operations the simulated world waits for. */
export type Operation = keyof LatencyModel;

/** Draws operation latencies in seconds: fixed ones as given, distributions from a seeded generator. */
export interface LatencySource {
  /** One draw for an operation about to start. */
  draw(op: Operation): number;
  /** The typical latency (fixed value, or the distribution's median): what the oracle plans with. */
  nominal(op: Operation): number;
}

/**
 * mulberry32: a 32-bit seeded generator, enough to make latency draws repeatable (not for
 * anything secret). Written out because no dependency of ours exports a seeded uniform source.
 */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function median(l: Latency): number {
  if (typeof l === 'number') return l;
  if ('uniform' in l) return (l.uniform.min + l.uniform.max) / 2;
  return l.lognormal.median;
}

/** A latency source over `model`, repeatable for a given `seed`. */
export function latencySource(model: LatencyModel, seed: number): LatencySource {
  const random = mulberry32(seed);
  return {
    nominal: (op) => median(model[op]),
    draw(op) {
      const l = model[op];
      if (typeof l === 'number') return l;
      if ('uniform' in l) return l.uniform.min + random() * (l.uniform.max - l.uniform.min);
      // Box-Muller: a standard normal from two uniforms (1 - u keeps log away from 0).
      const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      return l.lognormal.median * Math.exp(l.lognormal.sigma * z);
    },
  };
}
