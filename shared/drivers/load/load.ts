import type { BurstCluster } from '../../domain/burst-cluster.ts';
import type { LoadReport } from '../../domain/load-report.ts';

/** Reports utilisation for scale-down. Never throws: an outage is `{ ok: false, why }`. */
export interface LoadDriver {
  readonly name: string;
  observe(query: {
    readonly clusters: readonly BurstCluster[];
    readonly windowSeconds: number;
    readonly now: Date;
  }): Promise<LoadReport>;
  close?(): Promise<void>;
}
