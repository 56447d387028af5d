/**
 * The express tests' stand-in for authentication on guard-only routes: the subject comes, as
 * JSON, from an `X-Test-Subject` header (a test app only: a real app sets it after verifying a
 * credential).
 */
import type { IncomingMessage } from "node:http";
import { setSubject, type RequestSubject } from "../../src/express/index.js";
import { request, type Reply } from "./http.js";

/** Middleware recording the subject given in `X-Test-Subject`, if any. */
export function headerSubject(req: IncomingMessage, _res: unknown, next: (err?: unknown) => void): void {
  const header = req.headers["x-test-subject"];
  if (typeof header === "string") setSubject(req, JSON.parse(header) as RequestSubject);
  next();
}

/** One request to `path`, as `subject` (anonymous without one). */
export function requestAs(port: number, method: string, path: string, subject?: object): Promise<Reply> {
  return request(port, {
    method,
    path,
    headers: subject === undefined ? {} : { "x-test-subject": JSON.stringify(subject) },
  });
}
