/** Options of the `eventbridge` bus; zod only, so the config loads it without the AWS SDK. */
import { z } from 'zod';

/** The `bus.options` of `driver: eventbridge` in clusterburst.yaml. */
export const EventBridgeBusOptionsSchema = z.strictObject({
  /** Name or ARN of the custom bus (`clusterburst-<stage>` in serverless.yml). */
  busName: z.string().min(1).max(1600),
  /** AWS region; the SDK's default chain (AWS_REGION on Lambda) when unset. */
  region: z.string().min(1).optional(),
  /** Endpoint override (tests, VPC endpoints). */
  endpoint: z.url().optional(),
  /** PutEvents calls per batch before giving up on entries that keep failing. @default 4 */
  maxAttempts: z.number().int().min(1).max(20).default(4),
  /** First pause before resending failed entries, doubled each time. @default 100 */
  baseDelayMs: z.number().int().min(0).default(100),
  /** Longest pause between resends. @default 2000 */
  maxDelayMs: z.number().int().min(0).default(2000),
});

/** The options as written in configuration. */
export type EventBridgeBusOptionsInput = z.input<typeof EventBridgeBusOptionsSchema>;
/** The options the driver receives: parsed once at load, defaults applied. */
export type EventBridgeBusOptions = z.output<typeof EventBridgeBusOptionsSchema>;
