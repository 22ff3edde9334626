import * as z from './zod-mini.ts';

/** A Cloud Functions timeout from the environment (`FUNCTION_TIMEOUT_SEC`): whole seconds, 1 to 3600. */
export const TimeoutSecondsSchema = z.coerce.number().check(z.int(), z.gte(1), z.lte(3600));
