import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { LifecycleEvent } from '../../shared/schemas/lifecycle-event.ts';

/** What a test says about one HTTP API request. */
export interface HttpApiRequest {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** The route as written in serverless.yml, e.g. `/bursts/{id}`. */
  readonly route: string;
  /** The concrete path, e.g. `/bursts/b-0123456789ab`; the route when omitted. */
  readonly path?: string;
  /** A JSON value to send (serialised), or a raw string sent as is. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly base64?: boolean;
}

/**
 * An API Gateway HTTP API (payload format 2.0) event as Lambda receives it: mixed-case headers
 * as the client sent them, the matched `routeKey`, path parameters, a string body.
 */
export function httpApiEvent(request: HttpApiRequest): APIGatewayProxyEventV2 {
  const path = request.path ?? request.route;
  const raw =
    request.body === undefined
      ? undefined
      : typeof request.body === 'string'
        ? request.body
        : JSON.stringify(request.body);
  const headers: Record<string, string> = {
    Host: 'abc123.execute-api.eu-west-1.amazonaws.com',
    'User-Agent': 'Alertmanager/0.25.0',
    ...(raw !== undefined && { 'Content-Type': 'application/json' }),
    ...request.headers,
  };
  const params = pathParameters(request.route, path);
  const body = raw !== undefined && request.base64 ? Buffer.from(raw).toString('base64') : raw;
  return {
    version: '2.0',
    routeKey: `${request.method} ${request.route}`,
    rawPath: path,
    rawQueryString: '',
    headers,
    ...(params && { pathParameters: params }),
    requestContext: {
      accountId: '493827160354',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method: request.method, path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.10', userAgent: 'test' },
      requestId: randomUUID(),
      routeKey: `${request.method} ${request.route}`,
      stage: '$default',
      time: '12/Nov/2026:09:20:31 +0000',
      timeEpoch: 1_794_475_231_000,
    },
    ...(body !== undefined && { body }),
    isBase64Encoded: Boolean(request.base64),
  };
}

function pathParameters(route: string, path: string): Record<string, string> | undefined {
  const names = route.split('/');
  const values = path.split('/');
  const params: Record<string, string> = {};
  names.forEach((name, i) => {
    if (name.startsWith('{')) params[name.slice(1, -1)] = values[i] ?? '';
  });
  return Object.keys(params).length ? params : undefined;
}

/** An EventBridge envelope around `detail`, as a rule target receives it. */
export function eventBridgeEvent(
  source: string,
  detailType: string,
  detail: unknown,
): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source,
    account: '493827160354',
    time: '2026-11-12T09:20:31Z',
    region: 'eu-west-1',
    resources: [],
    detail,
  };
}

/** A lifecycle event on the custom bus, as the EventBridge bus driver puts it there. */
export function lifecycleEnvelope(event: LifecycleEvent): Record<string, unknown> {
  return eventBridgeEvent('clusterburst.lifecycle', event.type, event);
}

/** A Lambda context with the fields handlers and middy read. */
export function lambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:493827160354:function:clusterburst-ci-${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/clusterburst-ci-${functionName}`,
    logStreamName: '2026/11/12/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
