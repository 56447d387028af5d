/** The path of a request as the app was asked for it, without the query string. */
import type { IncomingMessage } from "node:http";

const MAX_PATH = 2048;

/**
 * The path before any router rewrote `req.url` (express keeps the original in `originalUrl`),
 * without the query string, at most 2048 characters.
 */
export function requestPath(req: IncomingMessage): string {
  const original: unknown = "originalUrl" in req ? req.originalUrl : undefined;
  const url = typeof original === "string" ? original : (req.url ?? "/");
  const end = url.search(/[?#]/);
  const path = end === -1 ? url : url.slice(0, end);
  return (path === "" ? "/" : path).slice(0, MAX_PATH);
}
