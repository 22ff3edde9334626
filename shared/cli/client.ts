import { ClusterburstError } from '../errors.ts';

/** Where the CLI finds the control plane. */
export interface ClientOptions {
  readonly url: string;
  readonly token?: string;
}

/** A failed API call, with the server's error text. */
export class ApiError extends ClusterburstError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Call the control plane's HTTP API and return the parsed JSON answer. */
export async function call(
  options: ClientOptions,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(new URL(path, options.url), {
      method,
      headers: {
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...(options.token && { authorization: `Bearer ${options.token}` }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new ApiError(0, `cannot reach the control plane at ${options.url}: ${(error as Error).message}`);
  }
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // plain-text answers are returned as they are
  }
  if (!res.ok) {
    const detail = (parsed as { error?: string; issues?: string[] })?.error ?? text;
    const issues = (parsed as { issues?: string[] })?.issues;
    throw new ApiError(
      res.status,
      `${res.status}: ${detail}${issues?.length ? `\n  ${issues.join('\n  ')}` : ''}`,
    );
  }
  return parsed;
}
