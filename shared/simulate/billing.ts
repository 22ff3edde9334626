/** Billed seconds of one item used from `from` to `to` (seconds): rounded up to the granularity. */
export function billedSeconds(from: number, to: number, granularitySeconds: number): number {
  const used = Math.max(0, to - from);
  // A hair of float error must not buy a whole extra granule.
  return Math.ceil(used / granularitySeconds - 1e-9) * granularitySeconds;
}

/** Sums billed time and cost of nodes and control planes. */
export class Meter {
  nodeSeconds = 0;
  clusterSeconds = 0;
  cost = 0;

  constructor(private readonly granularitySeconds: number) {}

  /** A node billed from `from` to `to` (seconds) at `perHour`. */
  node(from: number, to: number, perHour: number): void {
    const s = billedSeconds(from, to, this.granularitySeconds);
    this.nodeSeconds += s;
    this.cost += (s / 3600) * perHour;
  }

  /** A cluster control plane billed from `from` to `to` (seconds) at `perHour`. */
  cluster(from: number, to: number, perHour: number): void {
    const s = billedSeconds(from, to, this.granularitySeconds);
    this.clusterSeconds += s;
    this.cost += (s / 3600) * perHour;
  }
}
