/** Where a capacity signal came from. */
export type SignalSource = 'alertmanager' | 'cloudwatch' | 'gcp' | 'manual' | 'schedule';

/**
 * Every trigger, normalised. Decisions only ever see this shape.
 * - `firing`: more capacity is wanted;
 * - `resolved`: the condition cleared (scale-down may follow, after its window);
 * - `ignored`: the source said something that needs no action (INSUFFICIENT_DATA, a test
 *   notification); `why` says what.
 */
export interface CapacitySignal {
  readonly source: SignalSource;
  readonly status: 'firing' | 'resolved' | 'ignored';
  /**
   * Identity of the alarm condition, stable across its episodes: Alertmanager group key, alarm
   * ARN, Cloud Monitoring policy condition. A live burst serves every later episode of it.
   */
  readonly signalKey: string;
  /** Identity of this episode; deliveries with equal keys are duplicates. */
  readonly dedupeKey: string;
  /** Labels of the alarm (alert labels, alarm dimensions, resource labels). */
  readonly labels: Readonly<Record<string, string>>;
  /** One line for humans. */
  readonly summary: string;
  /** ISO-8601 time the source says the condition started or changed. */
  readonly at: string;
  /**
   * Burst nodes the signal asks for (firing only): an alert's `clusterburst_nodes`, a CloudWatch
   * alarm's overshoot times its configured factor, a manual request's `nodes`, the load driver's
   * demand query. Absent: the policy's default step (`nodesPerCluster`).
   */
  readonly demand?: number;
  /** Optional placement hints carried by the alarm (labels `clusterburst_provider` etc.). */
  readonly hints?: PlacementHints;
  /** Set when status is `ignored`. */
  readonly why?: string;
}

/** What a trigger may ask for; `place` and the policy have the last word. */
export interface PlacementHints {
  readonly provider?: string;
  readonly region?: string;
  readonly nodes?: number;
  /** Time to live in seconds (manual bursts). */
  readonly ttlSeconds?: number;
}
