/** Options of the `dynamodb` store; zod only, so the config loads it without the AWS SDK. */
import { z } from 'zod';

/** The `store.options` of `driver: dynamodb` in clusterburst.yaml. */
export const DynamoDbStoreOptionsSchema = z.strictObject({
  /** Table name (serverless.yml: `clusterburst-<stage>-state`). */
  table: z
    .string()
    .min(3)
    .max(255)
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
  /** AWS region; the SDK's default chain (AWS_REGION on Lambda) when unset. */
  region: z.string().min(1).optional(),
  /** Endpoint override (tests against a local DynamoDB, VPC endpoints). */
  endpoint: z.url().optional(),
});

/** The options as written in configuration. */
export type DynamoDbStoreConfigOptionsInput = z.input<typeof DynamoDbStoreOptionsSchema>;
/** The options the driver receives: parsed once at load, defaults applied. */
export type DynamoDbStoreConfigOptions = z.output<typeof DynamoDbStoreOptionsSchema>;
