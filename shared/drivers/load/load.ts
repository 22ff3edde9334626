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
  /**
   * Burst nodes wanted now, from a demand query (pending pods' CPU requests over a node's
   * allocatable CPU, say); undefined when the driver has none configured. Never throws.
   */
  demand?(now: Date): Promise<DemandReading | undefined>;
  close?(): Promise<void>;
}

/** What a demand query said: the nodes wanted (0 when nothing is pending), or why it could not say. */
export type DemandReading =
  | { readonly ok: true; readonly nodes: number; readonly why: string }
  | { readonly ok: false; readonly why: string };
