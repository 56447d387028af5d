/**
 * `clientAddress(req)`: the one client address of a request, for every place that needs it —
 * moatkit's own middleware and the app's calls (`limiter.consume`, `createLogin`, Turnstile).
 */
import type { IncomingMessage } from "node:http";
import { MoatError } from "../errors.js";
import { getRequestContext } from "./request-context.js";

/**
 * The client address `requestContext()` resolved for `req` under its `trustProxy` setting: the
 * address moatkit's `rateLimit`, `turnstile` and `auditTrail` use. Use it instead of `req.ip`
 * wherever the app passes an address on (a limiter key, `createLogin`, `verifyTurnstile`):
 * `req.ip` follows express's own `trust proxy` setting, which is off by default, so behind a
 * proxy it is the proxy's address and every client would share one rate-limit bucket.
 * IPv4-mapped IPv6 addresses come back as IPv4 (`::ffff:203.0.113.7` → `203.0.113.7`).
 *
 * @throws MoatError ERR_CONFIG when `requestContext()` did not run for `req` (mount it first);
 *   ERR_INVALID_INPUT when the address is unknown because the connection was already gone.
 * @example
 * ```ts
 * app.use(requestContext({ trustProxy: 1 })); // one load balancer in front
 * app.post("/login", async (req, res) => {
 *   const limit = await limiter.consume(clientAddress(req));
 *   if (!limit.ok) return void res.status(429).end();
 *   const result = await login({ identifier: req.body.email, password: req.body.password, ip: clientAddress(req) });
 *   // …
 * });
 * ```
 */
export function clientAddress(req: IncomingMessage): string {
  const { ip } = getRequestContext(req);
  if (ip === undefined)
    throw new MoatError("ERR_INVALID_INPUT", { message: "the client address is unknown (the connection is gone)" });
  return ip;
}
