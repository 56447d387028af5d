/**
 * `bodyLimit()`: refuses request bodies over a size, counting bytes as they arrive rather than
 * buffering them, and stops reading the connection as soon as the limit is passed.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { parseByteSize, type ByteSize } from "./byte-size.js";
import { sendHttpError } from "./http-errors.js";
import type { Middleware, NextFunction } from "./types.js";

function byteLength(chunk: unknown): number {
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  return typeof chunk === "string" ? Buffer.byteLength(chunk) : 0;
}

/**
 * Answers 413 and closes the connection. Reading stops at once (the socket is paused) and the
 * socket is destroyed once the answer is flushed, so the rest of an oversized body is never read.
 */
function reject(req: IncomingMessage, res: ServerResponse): void {
  req.socket.pause();
  if (res.headersSent) {
    req.socket.destroy();
    return;
  }
  res.once("finish", () => req.socket.destroy());
  res.once("close", () => req.socket.destroy());
  sendHttpError(res, "ERR_PAYLOAD_TOO_LARGE", { connection: "close" });
}

/**
 * Limits request bodies to `limit` bytes (default `"10mb"`) as they arrive on the wire. A request
 * that declares a larger `Content-Length` is refused before any of its body is read; a chunked
 * body is counted as it streams in and refused the moment it passes the limit. Either way the
 * answer is 413 `{ "error": "ERR_PAYLOAD_TOO_LARGE" }` and the connection is closed, so an
 * oversized upload costs at most `limit` bytes of reading — nothing is buffered by this middleware.
 *
 * Mount it before any body parser. It counts bytes as sent (before any `Content-Encoding` is
 * undone); keep your parser's own `limit` for the decoded size.
 *
 * @example
 * ```ts
 * app.use(bodyLimit("10mb"));
 * app.use(express.json({ limit: "10mb" }));
 * ```
 */
export function bodyLimit(limit: ByteSize = "10mb"): Middleware {
  const max = parseByteSize(limit, "bodyLimit");
  return function moatkitBodyLimit(req: IncomingMessage, res: ServerResponse, next: NextFunction): void {
    const declared = req.headers["content-length"];
    // Node's parser has already refused a malformed or repeated Content-Length.
    if (declared !== undefined && Number(declared) > max) {
      reject(req, res);
      return;
    }
    if (declared === undefined && req.headers["transfer-encoding"] === undefined) {
      next();
      return;
    }
    let received = 0;
    let refused = false;
    const push = req.push.bind(req);
    // Node's HTTP parser hands every body chunk to `push`, whoever reads the request (a body
    // parser, a pipe, nobody): counting here sees them all without consuming the stream.
    req.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
      if (refused) return false;
      received += byteLength(chunk);
      if (received > max) {
        refused = true;
        reject(req, res);
        return false;
      }
      return push(chunk, encoding);
    };
    next();
  };
}
