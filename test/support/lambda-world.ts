/**
 * The world of the Lambda adapter tests: a configuration file as a Lambda sees it
 * (CLUSTERBURST_CONFIG), the dependencies built from it on first use, and an HTTP invoker.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, afterEach, expect } from 'vitest';
import { stringify } from 'yaml';
import { lazyDeps, resetDeps, useDeps } from '../../shared/runtime/lazy-deps.ts';
import { type HttpApiRequest, httpApiEvent, lambdaContext } from './lambda-events.ts';

/** The webhook token the configurations name. */
export const TOKEN = 'test-token-4f1d9c';

let dir: string;

/** Point CLUSTERBURST_CONFIG at a fresh YAML file and state directory, as a Lambda would see it. */
export async function configure(extra: Record<string, unknown> = {}): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'clusterburst-aws-'));
  const file = join(dir, 'clusterburst.yaml');
  writeFileSync(
    file,
    stringify({
      installation: { id: 'awstest' },
      store: { path: join(dir, 'state.db') },
      stateDir: dir,
      logLevel: 'ERROR',
      providers: [
        {
          name: 'simulated',
          driver: 'simulated',
          regions: ['local'],
          pricePerNodeHour: 0.1,
          options: { readyAfterMs: 60_000 },
        },
        // Samples ask for provider aws in eu-west-1; a simulated one stands in for it.
        {
          name: 'aws',
          driver: 'simulated',
          regions: ['eu-west-1'],
          pricePerNodeHour: 0.2,
          options: { readyAfterMs: 60_000 },
        },
      ],
      ...extra,
    }),
  );
  process.env.CLUSTERBURST_CONFIG = file;
  await useDeps();
}

/** Every burst record of the store. */
export async function records() {
  return (await lazyDeps()).store.list();
}

/** Events waiting in the outbox. */
export async function outbox() {
  return (await lazyDeps()).store.pendingEvents(100);
}

/** A Lambda HTTP handler. */
export type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

/** Invoke an HTTP function and decode its JSON answer. */
export async function call(
  fn: HttpHandler,
  request: HttpApiRequest,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const result = (await fn(
    httpApiEvent(request),
    lambdaContext('http'),
  )) as APIGatewayProxyStructuredResultV2;
  expect(result.headers?.['content-type']).toBe('application/json');
  return { status: result.statusCode!, body: JSON.parse(result.body ?? '{}') as Record<string, unknown> };
}

/** The Authorization header with the token. */
export const authed = { Authorization: `Bearer ${TOKEN}` };

/** A POST with a JSON body, authenticated unless `headers` say otherwise. */
export const post = (
  route: string,
  body: unknown,
  headers: Record<string, string> = authed,
): HttpApiRequest => ({
  method: 'POST',
  route,
  body,
  headers,
});

/** Register the clean-up: dependencies, environment and state directory after each test. */
export function useLambdaWorld(): void {
  afterEach(async () => {
    await resetDeps();
    delete process.env.CLUSTERBURST_CONFIG;
    delete process.env.CB_TEST_TOKEN;
    rmSync(dir, { recursive: true, force: true });
  });
  afterAll(async () => {
    await useDeps();
  });
}
