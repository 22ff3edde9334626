import type { MiddlewareObj } from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { HttpError } from '../http-errors.ts';
import { requireJsonContentType } from '../json-content-type.ts';

/** Options of `jsonBody`. */
export interface JsonBodyOptions {
  /** Largest body accepted, in bytes (the config's `server.bodyLimitBytes`). */
  readonly limitBytes: () => Promise<number>;
}

/**
 * Parse a JSON request body with @middy/http-json-body-parser, answering as the local runtime
 * does: 415 naming the content type that was sent, 413 past the body limit, 400 for malformed
 * JSON (the parser itself says 415 for both, which would tell a sender with a typo to change its
 * content type). A request without a body passes with `body` undefined, for the schema to judge.
 * Expects headers lowercased by @middy/http-header-normalizer.
 */
export function jsonBody(options: JsonBodyOptions): MiddlewareObj<APIGatewayProxyEventV2> {
  // The content type is checked above with the local runtime's wording; the parser only parses.
  // (`disableContentTypeCheck` exists in the middleware but not in its type declarations.)
  const parserOptions = { disableContentTypeCheck: true } as Parameters<typeof httpJsonBodyParser>[0];
  const parser = httpJsonBodyParser<APIGatewayProxyEventV2>(parserOptions);
  return {
    name: 'jsonBody',
    before: async function jsonBodyBefore(request) {
      const { event } = request;
      const method = event.requestContext.http.method.toUpperCase();
      if (method === 'GET' || method === 'DELETE' || !event.body) {
        (event as { body?: unknown }).body = undefined;
        return;
      }
      requireJsonContentType(event.headers['content-type']);
      const limit = await options.limitBytes();
      const size = Buffer.byteLength(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
      if (size > limit) throw new HttpError(413, `body of ${size} bytes exceeds the limit of ${limit} bytes`);
      try {
        await parser.before?.(request);
      } catch (error) {
        const reason = ((error as Error).cause as { message?: string } | undefined)?.message;
        throw new HttpError(400, `malformed JSON${reason ? `: ${reason}` : ''}`);
      }
    },
  };
}
