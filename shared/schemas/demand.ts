import * as z from './zod-mini.ts';

/** The label or annotation an alert rule sets to the burst nodes it needs (`{{ $value }}`). */
export const DEMAND_KEY = 'clusterburst_nodes';

/** Most burst nodes one signal may ask for: far above any site's budget, below a typo's size. */
export const MAX_DEMAND_NODES = 10_000;

/**
 * A demand written as text (a label, an annotation, a tag): a non-negative decimal number of
 * nodes, as Prometheus prints `{{ $value }}`; fractions are rounded up when capacity is planned.
 */
export const DemandTextSchema = z
  .pipe(
    z
      .string()
      .check(
        z.trim(),
        z.regex(/^\d{1,9}(\.\d+)?$/, 'must be a non-negative number of nodes, like "4" or "2.5"'),
      ),
    z.transform(Number),
  )
  .check(z.refine((n) => n <= MAX_DEMAND_NODES, `must be at most ${MAX_DEMAND_NODES} nodes`));

/**
 * Checks `clusterburst_nodes` in a string map (labels, annotations, tags) inside a zod
 * `superRefine`, so a bad value is a 4xx naming its field (`alerts.0.annotations.clusterburst_nodes`).
 */
export function checkDemandIn(
  map: Readonly<Record<string, string>> | undefined,
  path: readonly PropertyKey[],
  ctx: z.core.$RefinementCtx,
): void {
  const raw = map?.[DEMAND_KEY];
  if (raw === undefined) return;
  const result = DemandTextSchema.safeParse(raw);
  if (!result.success) {
    ctx.addIssue({ code: 'custom', path: [...path, DEMAND_KEY], message: result.error.issues[0]!.message });
  }
}

/** The demand in a map already checked by `checkDemandIn`, if it carries one. */
export function demandIn(map: Readonly<Record<string, string>> | undefined): number | undefined {
  const raw = map?.[DEMAND_KEY];
  if (raw === undefined) return undefined;
  const result = DemandTextSchema.safeParse(raw);
  return result.success ? result.data : undefined;
}
