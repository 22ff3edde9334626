import * as z from './zod-mini.ts';

/**
 * `demand.cloudwatch[]` in clusterburst.yaml: how an alarm's overshoot becomes burst nodes. An
 * alarm's datapoints are in its metric's unit (requests per target, queue depth), which only the
 * operator can convert, so each alarm names its own factor.
 */
export const CloudWatchDemandFactorSchema = z.strictObject({
  /** The alarm's name or ARN. */
  alarm: z.string().check(z.minLength(1)),
  /** Burst nodes per unit of the metric beyond the threshold (e.g. 1 node per 500 requests: 0.002). */
  nodesPerUnit: z.number().check(z.positive()),
});

/** One configured factor. */
export type CloudWatchDemandFactor = z.output<typeof CloudWatchDemandFactorSchema>;

/**
 * The part of an alarm state's `reasonData` (JSON in a string) that demand reads: the datapoints
 * CloudWatch evaluated and the threshold. Both are absent for composite and some anomaly alarms.
 */
export const ReasonDataSchema = z.looseObject({
  recentDatapoints: z.optional(z.array(z.number())),
  threshold: z.optional(z.number()),
});

/**
 * The burst nodes an alarm asks for: the largest distance of its recent datapoints from the
 * threshold (either side: the alarm's comparison is not in the event), times the factor
 * configured for it. Undefined when no factor is configured or the alarm carries no datapoints.
 */
export function cloudWatchDemand(
  alarm: { readonly name: string; readonly arn: string; readonly reasonData?: string },
  factors: readonly CloudWatchDemandFactor[],
): number | undefined {
  const factor = factors.find((f) => f.alarm === alarm.name || f.alarm === alarm.arn);
  if (!factor || alarm.reasonData === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(alarm.reasonData);
  } catch {
    return undefined;
  }
  const data = ReasonDataSchema.safeParse(json);
  if (!data.success) return undefined;
  const { recentDatapoints: points, threshold } = data.data;
  if (!points?.length || threshold === undefined) return undefined;
  const overshoot = Math.max(...points.map((p) => Math.abs(p - threshold)));
  return Math.round(overshoot * factor.nodesPerUnit * 1000) / 1000;
}
