/**
 * A warning for the deployment mistake that puts every client in one bucket: moatkit's
 * `requestContext({ trustProxy })` and express's `app.set("trust proxy", …)` describing different
 * proxies, so `req.ip` (the proxy, with express's default) is not the address moatkit resolved.
 */
import type { IncomingMessage } from "node:http";
import { normalizeAddress } from "../_internal/client-ip.js";

/** The warning's code, for `process.on("warning")` filters. */
export const TRUST_PROXY_MISMATCH = "MOATKIT_TRUST_PROXY_MISMATCH";

const MESSAGE =
  "requestContext({ trustProxy }) and express's app.set(\"trust proxy\", …) disagree on a request's client " +
  "address, so req.ip is not the address moatkit uses. Give both settings the same value, and read the " +
  "address with clientAddress(req) from moatkit/express, not req.ip (a rate limit keyed on req.ip puts every " +
  "client behind the proxy in one bucket).";

/**
 * A check to run on each request with the address moatkit resolved: the first request on which
 * express's `req.ip` says otherwise raises one process warning (never naming an address); later
 * requests are not checked. Requests without `X-Forwarded-For` are skipped: both read the socket.
 */
export function trustMismatchCheck(): (req: IncomingMessage, resolved: string | undefined) => void {
  let warned = false;
  return (req, resolved) => {
    if (warned || req.headers["x-forwarded-for"] === undefined || !("ip" in req)) return;
    // express defines `ip` as a getter on its request prototype, applying its `trust proxy` setting.
    const ip: unknown = req.ip;
    if (typeof ip !== "string" || ip === "" || normalizeAddress(ip) === resolved) return;
    warned = true;
    process.emitWarning(MESSAGE, { code: TRUST_PROXY_MISMATCH });
  };
}
