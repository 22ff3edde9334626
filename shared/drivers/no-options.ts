import { z } from 'zod';

/** Options of a driver that has none (memory, simulated, signal, sqlite): any key is a mistake. */
export const NoOptionsSchema = z.strictObject({});
