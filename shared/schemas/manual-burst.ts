import * as z from './zod-mini.ts';

/** Seconds per duration unit accepted in `ttl` strings. */
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/** Longest time to live a request may ask for: 30 days, well past any sensible burst. */
export const MAX_TTL_SECONDS = 30 * 86_400;

const TTL_HINT = 'must be a positive number of seconds or a duration like "90s", "30m", "2h"';

/**
 * Time to live: a positive integer of seconds, or a duration string (`90s`, `30m`, `2h`, `1d`,
 * or plain digits as seconds), normalised to seconds so the rest of the code sees one unit.
 * (A zod/mini transform reports issues by pushing them onto its payload.)
 */
export const TtlSchema = z.pipe(
  z.union([z.number(), z.string()]),
  z.transform((value, ctx): number => {
    let seconds = Number.NaN;
    if (typeof value === 'number') {
      seconds = value;
    } else {
      const match = /^\s*(\d{1,9})\s*([smhd]?)\s*$/.exec(value);
      if (match) seconds = Number(match[1]) * UNIT_SECONDS[(match[2] || 's') as keyof typeof UNIT_SECONDS];
    }
    if (!Number.isSafeInteger(seconds) || seconds <= 0) {
      ctx.issues.push({ code: 'custom', message: TTL_HINT, input: value });
      return z.NEVER;
    }
    if (seconds > MAX_TTL_SECONDS) {
      ctx.issues.push({
        code: 'custom',
        message: `must be at most ${MAX_TTL_SECONDS} seconds (30 days)`,
        input: value,
      });
      return z.NEVER;
    }
    return seconds;
  }),
);

/** An idempotency key, in the body (`requestId`) or the `Idempotency-Key` header. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Provider and region names as they appear in config (`aws`, `eu-west-1`, `openstack-garr`). */
const name = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(64),
    z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a name of letters, digits, ".", "_" or "-"'),
  );

/**
 * Body of `POST /bursts` (and the CLI's `up`): an operator asks for a burst. Strict, because it is
 * our own API: a misspelt field (`node: 3`) must be an error, not silently ignored.
 */
export const ManualBurstRequestSchema = z.strictObject({
  provider: z.optional(name),
  region: z.optional(name),
  nodes: z.optional(z.number().check(z.int(), z.gte(1), z.lte(1000))),
  ttl: z.optional(TtlSchema),
  reason: z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(500)),
  /** Idempotency key: the same requestId always means the same burst request. */
  requestId: z.optional(
    z
      .string()
      .check(z.regex(REQUEST_ID, 'must be 1-128 characters of letters, digits, ".", "_", ":" or "-"')),
  ),
});

/** A validated manual burst request; `ttl` is in seconds. */
export type ManualBurstRequest = z.output<typeof ManualBurstRequestSchema>;
/** What a client may send (`ttl` may still be a duration string). */
export type ManualBurstRequestInput = z.input<typeof ManualBurstRequestSchema>;

/** `/bursts/{id}`: a burst id as the API hands them out. */
export const BurstPathSchema = z.strictObject({
  id: z.string().check(z.regex(/^b-[0-9a-f]{12}$/, 'must look like b-0123456789ab')),
});

/** `GET /bursts?limit=&cursor=`: a page of records; `next` in the answer fetches the following one. */
export const PageQuerySchema = z.object({
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(500)), 100),
  cursor: z.optional(
    z
      .string()
      .check(
        z.minLength(1),
        z.maxLength(2048),
        z.regex(/^[A-Za-z0-9._~+/=-]+$/, 'must be the next value of an earlier page'),
      ),
  ),
});

/** `DELETE /bursts/{id}?force=true`: a teardown that waits for no one's replicas to be home. */
export const DeleteQuerySchema = z.object({ force: z.optional(z.enum(['true', 'false'])) });

/** The `Idempotency-Key` header of `POST /bursts`, when sent. */
export const IdempotencyKeySchema = z.optional(z.string().check(z.regex(REQUEST_ID)));
