/**
 * `rateLimit()`: a moatkit/ratelimit limiter in front of routes. Every answer carries the IETF
 * draft headers `RateLimit-Policy` and `RateLimit`; a refused request gets 429
 * `{ "error": "rate_limited" }` with `Retry-After`. The limiter is taken as an instance and
 * imported as a type only, so this module never loads moatkit/ratelimit or its store.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { MoatError } from "../errors.js";
import { DEFAULT_IPV6_PREFIX, groupAddress, ipv6PrefixSchema } from "../_internal/address-key.js";
import { functionSchema } from "../_internal/function-schema.js";
import { parseOptions } from "../_internal/options.js";
import { systemClock, type Clock } from "../_internal/runtime.js";
import type { RateLimiter, RateLimitResult } from "../ratelimit/rate-limiter.js";
import { sendError, sendHttpError } from "./http-errors.js";
import { clientAddress } from "./client-address.js";
import { loggableError, notify } from "./notify.js";
import { UNAVAILABLE_RETRY_AFTER, isDependencyUnavailable } from "./unavailable.js";
import type { Middleware, NextFunction } from "./types.js";

/** Options of {@link rateLimit}. */
export interface RateLimitOptions {
  /**
   * The bucket a request counts against: a string of 1–512 characters, e.g. the client address,
   * the subject id, an API key id. Default: the client address recorded by `requestContext()`
   * (mount it first, with the `trustProxy` that matches your proxies), an IPv6 address counted
   * per network of the limiter's `ipv6Prefix` bits (default /64) and an IPv4-mapped one as IPv4.
   * A key of your own that contains an address should use `addressKey(clientAddress(req))`.
   */
  readonly key?: ((req: IncomingMessage) => string | Promise<string>) | undefined;
  /** Points a request takes: a positive integer, or a function of the request (default 1). */
  readonly cost?: number | ((req: IncomingMessage) => number) | undefined;
  /** Whether to send `RateLimit-Policy` and `RateLimit` (default true). `Retry-After` is always sent on a 429. */
  readonly headers?: boolean | undefined;
  /**
   * Called when the limiter, `key` or `cost` fails (the request was answered 503
   * `ERR_SERVICE_UNAVAILABLE` when the store cannot be reached, else 500 `ERR_INTERNAL`; never
   * let through): the place to log it. An exception thrown here is ignored.
   * The error arrives as a copy without the request input or secrets it may carry, as with
   * `errorHandler({ onError })`.
   */
  readonly onError?: ((error: unknown, req: IncomingMessage) => void) | undefined;
  /** Clock used to turn the limiter's `resetAt` into seconds (default `Date.now`; give the limiter's own). */
  readonly now?: Clock | undefined;
}

function isRateLimiter(value: unknown): value is RateLimiter {
  if (typeof value !== "object" || value === null) return false;
  const points: unknown = Reflect.get(value, "points");
  const durationMs: unknown = Reflect.get(value, "durationMs");
  const ipv6Prefix: unknown = Reflect.get(value, "ipv6Prefix");
  return (
    (ipv6Prefix === undefined || ipv6PrefixSchema.safeParse(ipv6Prefix).success) &&
    typeof Reflect.get(value, "consume") === "function" &&
    typeof points === "number" &&
    Number.isSafeInteger(points) &&
    points > 0 &&
    typeof durationMs === "number" &&
    Number.isSafeInteger(durationMs) &&
    durationMs > 0
  );
}

const limiterSchema = z.custom<RateLimiter>(
  isRateLimiter,
  "expected a moatkit/ratelimit RateLimiter (createRateLimiter, loginLimiter, authLimiter)",
);

const optionsSchema = z.strictObject({
  key: functionSchema<NonNullable<RateLimitOptions["key"]>>().optional(),
  cost: z
    .union([z.number().int().min(1).max(1_000_000_000), functionSchema<(req: IncomingMessage) => number>()])
    .optional(),
  headers: z.boolean().optional(),
  onError: functionSchema<NonNullable<RateLimitOptions["onError"]>>().optional(),
  now: functionSchema<Clock>().optional(),
});

/** The default key: the client's address, grouped as the limiter groups bare address keys. */
function addressKeyOf(limiter: RateLimiter): (req: IncomingMessage) => string {
  const prefix = limiter.ipv6Prefix ?? DEFAULT_IPV6_PREFIX;
  return (req) => `ip:${groupAddress(clientAddress(req), prefix)}`;
}

const seconds = (ms: number): number => Math.max(0, Math.ceil(ms / 1000));

/**
 * Counts each request against `limiter` and refuses it once its bucket is empty:
 *
 * - every answer (allowed or refused) carries `RateLimit-Policy: <points>;w=<window seconds>` and
 *   `RateLimit: limit=<points>, remaining=<left>, reset=<seconds until the window ends>`;
 * - over the limit → 429 `{ "error": "rate_limited" }` with `Retry-After: <seconds>`; refused
 *   requests still count (the limiter's rule), so hammering does not get through sooner;
 * - the limiter's store not reachable (refused, reset, restarting) → 503
 *   `{ "error": "ERR_SERVICE_UNAVAILABLE" }` with `Retry-After: 1`; the limiter throwing
 *   otherwise, `key` or `cost` throwing or returning something invalid → 500
 *   `{ "error": "ERR_INTERNAL" }`; both reported to `onError`. The request is
 *   never let through unlimited; a limiter made with `onStoreError: "allow"` opts into failing
 *   open itself.
 *
 * @throws MoatError ERR_CONFIG when `limiter` is not a RateLimiter or an option is invalid.
 * @example
 * ```ts
 * import { createRateLimiter } from "moatkit/ratelimit";
 * import { rateLimit, requestContext } from "moatkit/express";
 *
 * app.use(requestContext({ trustProxy: 1 }));
 * const perIp = createRateLimiter({ store: createRedisRateLimitStore({ redis }), keyPrefix: "rl:api", points: 100, duration: "1m" });
 * app.use("/api", rateLimit(perIp));                                  // per client address
 * app.post("/login", rateLimit(loginLimiter(), { key: (req) => `login:${addressKey(clientAddress(req))}` }), login);
 * ```
 */
export function rateLimit(limiter: RateLimiter, options: RateLimitOptions = {}): Middleware {
  const checked = parseOptions(limiterSchema, limiter, "rateLimit limiter");
  const parsed = parseOptions(optionsSchema, options, "rateLimit options");
  const key = options.key ?? addressKeyOf(checked);
  const cost = parsed.cost ?? 1;
  const sendHeaders = parsed.headers ?? true;
  const onError = options.onError;
  const now = options.now ?? systemClock;
  const points = checked.points;
  const policy = `${String(points)};w=${String(seconds(checked.durationMs))}`;

  const fail = (error: unknown, req: IncomingMessage, res: ServerResponse): void => {
    notify(onError, loggableError(error), req);
    // Refused either way; a store that cannot be reached right now is worth a retry later.
    if (isDependencyUnavailable(error)) {
      sendHttpError(res, "ERR_SERVICE_UNAVAILABLE", { "retry-after": UNAVAILABLE_RETRY_AFTER });
    } else {
      sendHttpError(res, "ERR_INTERNAL");
    }
  };

  const decide = async (req: IncomingMessage): Promise<RateLimitResult> => {
    const bucket: unknown = await key(req);
    if (typeof bucket !== "string")
      throw new MoatError("ERR_CONFIG", { message: "rateLimit: key() must return a string" });
    const points: unknown = typeof cost === "number" ? cost : cost(req);
    if (typeof points !== "number")
      throw new MoatError("ERR_CONFIG", { message: "rateLimit: cost() must return a positive integer" });
    return checked.consume(bucket, points);
  };

  return function moatkitRateLimit(req: IncomingMessage, res: ServerResponse, next: NextFunction): void {
    void decide(req).then(
      (result) => {
        if (sendHeaders) {
          res.setHeader("ratelimit-policy", policy);
          res.setHeader(
            "ratelimit",
            `limit=${String(points)}, remaining=${String(Math.max(0, result.remaining))}, reset=${String(seconds(result.resetAt - now()))}`,
          );
        }
        if (result.ok) {
          next();
          return;
        }
        sendError(res, 429, "rate_limited", { "retry-after": String(Math.max(1, seconds(result.retryAfterMs))) });
      },
      (err: unknown) => {
        fail(err, req, res);
      },
    );
  };
}
