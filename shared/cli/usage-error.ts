import { ClusterburstError } from '../errors.ts';

/** Bad input to the CLI (flag, argument, file): exit code 2, message names the field. */
export class UsageError extends ClusterburstError {}
