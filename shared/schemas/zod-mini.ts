/**
 * zod/mini with English error messages: what every function input schema imports, as
 * `import * as z from './zod-mini.ts'`. A cold start then loads only the zod a function parses
 * with (classic zod's method-chaining API keeps all of itself in every bundle). zod/mini loads no
 * locale of its own, so English is configured here, once, before any schema exists; classic zod,
 * when a config or driver schema loads it later, only sets English when no locale is set, so the
 * order of the two does not matter and the messages a user sees are the same either way.
 */

import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export * from 'zod/mini';
