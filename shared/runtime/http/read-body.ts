import type { IncomingMessage } from 'node:http';
import { tooLarge } from './handle-request.ts';

/** Whether a node request announces a body (Content-Length above 0, or chunked). */
export function announcesBody(req: IncomingMessage): boolean {
  return Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
}

/**
 * Read a node request's body, refusing (413) a declared length past `limit` before reading and
 * stopping as soon as a chunked body grows past it. A body that has all arrived is returned at
 * once, not as a promise.
 */
export function readBody(req: IncomingMessage, limit: number): Buffer | Promise<Buffer> {
  const length = Number(req.headers['content-length'] ?? 0);
  if (length > limit) throw tooLarge(limit, length);
  if (req.readableEnded) return Buffer.alloc(0);
  // A small body usually arrives with the headers: when the stream's buffer already holds all of
  // it (the declared length, or the parser marked the message complete), take it at once rather
  // than waiting on events.
  if (buffered(req, length)) return readBuffered(req, limit);
  return readArriving(req, limit, length);
}

function buffered(req: IncomingMessage, length: number): boolean {
  return req.complete || (length > 0 && req.readableLength >= length);
}

/**
 * A body not yet buffered. The request event comes as soon as the headers are parsed, before the
 * parser goes on to the body that came in the same packet; one microtask later it has, so look
 * once more before waiting on stream events.
 */
async function readArriving(req: IncomingMessage, limit: number, length: number): Promise<Buffer> {
  await null;
  if (buffered(req, length)) return readBuffered(req, limit);
  return readStreaming(req, limit);
}

/** Wait for the rest of a body still arriving. */
async function readStreaming(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Stream events rather than `for await`: the async iterator costs more per request than the
  // few chunks a webhook body has.
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        // Stop reading what is left, as leaving a `for await` early does.
        req.destroy();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve();
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    // A client that goes away before the end: nothing more will come.
    const onClose = () => {
      cleanup();
      if (!req.readableEnded) reject(new Error('request closed before its body ended'));
      else resolve();
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/** Everything a complete request has buffered, refusing (413) past `limit`. */
function readBuffered(req: IncomingMessage, limit: number): Buffer {
  const chunks: Buffer[] = [];
  let size = 0;
  for (let chunk = req.read() as Buffer | null; chunk !== null; chunk = req.read() as Buffer | null) {
    size += chunk.length;
    if (size > limit) {
      req.destroy();
      throw tooLarge(limit);
    }
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}
