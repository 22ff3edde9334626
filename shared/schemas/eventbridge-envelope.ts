import * as z from './zod-mini.ts';

/**
 * Fields every EventBridge event carries around its `detail`, whatever its source (the
 * CloudWatch alarm state change, the scheduled event): spread into each event's schema.
 */
export const EVENTBRIDGE_ENVELOPE = {
  version: z.string(),
  id: z.string().check(z.minLength(1)),
  account: z.string().check(z.regex(/^\d{12}$/, 'must be a 12-digit AWS account id')),
  time: z.iso.datetime({ offset: true }),
  region: z.string().check(z.minLength(1)),
};
