import type { IncomingMessage } from 'node:http';
import { tooLarge } from './handle-request.ts';

/** Whether a node request announces a body (Content-Length above 0, or chunked). */
export function announcesBody(req: IncomingMessage): boolean {
  return Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
}

/**
 * Read a node request's body, refusing (413) a declared length past `limit` before reading and
 * stopping as soon as a chunked body grows past it.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const length = Number(req.headers['content-length'] ?? 0);
  if (length > limit) throw tooLarge(limit, length);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk as Buffer);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}
