/**
 * `requestContext()`: who is asking and under which id — request id, client address, user agent —
 * for logs and audit events. Handlers read it with `getRequestContext(req)`; code without the
 * request at hand (a logger, an audit writer) reads it with `currentRequestContext()`, backed by
 * AsyncLocalStorage.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { MoatError } from "../errors.js";
import { functionSchema } from "../_internal/function-schema.js";
import { parseOptions } from "../_internal/options.js";
import { systemClock, type Clock, type RandomSource } from "../_internal/runtime.js";
import { compileTrust, forwardedClientAddress, normalizeAddress, type TrustProxy } from "../_internal/client-ip.js";
import { findRequestState, requestState } from "../_internal/request-state.js";
import { generateRequestId, isWellFormedRequestId } from "./request-id.js";
import { trustMismatchCheck } from "./trust-mismatch.js";
import { requestPath } from "./request-path.js";
import type { Middleware, NextFunction } from "./types.js";
import { headerNameSchema } from "./header-name.js";

/** What `requestContext()` records about a request. */
export interface RequestContext {
  /** The caller's well-formed `X-Request-Id`, or a fresh UUID v4; also sent back in the response. */
  readonly requestId: string;
  /** The client's address under the `trustProxy` setting; undefined if the socket is gone. */
  readonly ip: string | undefined;
  /** The `User-Agent` header (first 512 characters), if sent. */
  readonly userAgent: string | undefined;
  /** The request method. */
  readonly method: string;
  /** The path, without the query string (which may carry tokens). */
  readonly path: string;
  /** When the request reached this middleware, from the `now` option (ms since the epoch). */
  readonly startedAt: number;
}

/** Options of {@link requestContext}. */
export interface RequestContextOptions {
  /**
   * Which proxies' `X-Forwarded-For` entries to believe; see {@link TrustProxy}. When omitted,
   * express's own `req.ip` is used, so `app.set("trust proxy", …)` applies (its default trusts no
   * proxy). When given, set express's `trust proxy` to the same value: the first request on which
   * the two disagree raises a process warning (code `MOATKIT_TRUST_PROXY_MISMATCH`), because
   * code reading `req.ip` would then see another address than moatkit. Either way, read the
   * address with `clientAddress(req)`.
   */
  readonly trustProxy?: TrustProxy | undefined;
  /** The request id header, read and written (default `"x-request-id"`). */
  readonly header?: string | undefined;
  /** Whether to keep a well-formed incoming request id (default true); false always makes a new one. */
  readonly acceptIncomingId?: boolean | undefined;
  /** Clock for `startedAt` (default `Date.now`). */
  readonly now?: Clock | undefined;
  /** Randomness for new request ids (default the system CSPRNG). */
  readonly random?: RandomSource | undefined;
}

const optionsSchema = z.strictObject({
  trustProxy: z
    .union([z.boolean(), z.number().int().min(0).max(64), z.string().min(1), z.array(z.string().min(1)).min(1)])
    .optional(),
  header: headerNameSchema.optional(),
  acceptIncomingId: z.boolean().optional(),
  now: functionSchema<Clock>().optional(),
  random: functionSchema<RandomSource>().optional(),
});

const MAX_USER_AGENT = 512;

const storage = new AsyncLocalStorage<RequestContext>();

function expressIp(req: IncomingMessage): string | undefined {
  // Without X-Forwarded-For, express's `req.ip` is the socket's peer whatever `trust proxy` says:
  // leave it to the caller's socket fallback and skip proxy-addr's walk.
  if (req.headers["x-forwarded-for"] === undefined) return undefined;
  // express defines `ip` as a getter on its request prototype, applying its `trust proxy` setting.
  const ip: unknown = "ip" in req ? req.ip : undefined;
  return typeof ip === "string" && ip !== "" ? normalizeAddress(ip) : undefined;
}

const trustNoProxy = (): boolean => false;

/** The request's client address: moatkit's `trustProxy` when given (checked against express's), else express's. */
function addressResolver(trustProxy: TrustProxy | undefined): (req: IncomingMessage) => string | undefined {
  if (trustProxy === undefined) return (req) => expressIp(req) ?? forwardedClientAddress(req, trustNoProxy);
  const trust = compileTrust(trustProxy);
  const check = trustMismatchCheck();
  return (req) => {
    const address = forwardedClientAddress(req, trust);
    check(req, address);
    return address;
  };
}

/**
 * Records the request's id, client address and user agent, sends the id back in `X-Request-Id`,
 * and runs the rest of the request inside an AsyncLocalStorage scope so
 * {@link currentRequestContext} finds it. Mount it first. The address it resolves is the one
 * every moatkit helper uses; the app reads it with `clientAddress(req)`.
 *
 * @example
 * ```ts
 * app.use(requestContext({ trustProxy: "loopback" }));
 * app.get("/whoami", (req, res) => {
 *   const { requestId, ip } = getRequestContext(req);
 *   res.json({ requestId, ip });
 * });
 * ```
 */
export function requestContext(options: RequestContextOptions = {}): Middleware {
  const parsed = parseOptions(optionsSchema, options, "requestContext options");
  const header = (parsed.header ?? "x-request-id").toLowerCase();
  const acceptIncoming = parsed.acceptIncomingId ?? true;
  const resolveAddress = addressResolver(parsed.trustProxy);
  const now = options.now ?? systemClock;
  const random = options.random;
  // node's randomUUID draws from a cached CSPRNG pool, several times cheaper per request than
  // 16 fresh bytes; an injected source (tests) is used as given.
  const newId = random === undefined ? randomUUID : () => generateRequestId(random);

  return function moatkitRequestContext(req: IncomingMessage, res: ServerResponse, next: NextFunction): void {
    const incoming = req.headers[header];
    const requestId =
      acceptIncoming && typeof incoming === "string" && isWellFormedRequestId(incoming) ? incoming : newId();
    const userAgent = req.headers["user-agent"];
    const ip = resolveAddress(req);
    const context: RequestContext = Object.freeze({
      requestId,
      ip,
      userAgent: userAgent === undefined ? undefined : userAgent.slice(0, MAX_USER_AGENT),
      method: req.method ?? "GET",
      path: requestPath(req),
      startedAt: now(),
    });
    // The address goes where moatkit/audit finds it too (see _internal/request-address.ts).
    const state = requestState(req);
    state.address = ip ?? null;
    state.context = context;
    res.setHeader(header, requestId);
    storage.run(context, next);
  };
}

/**
 * The context `requestContext()` recorded for `req`. Throws `ERR_CONFIG` if that middleware did
 * not run for this request (mount it before the code that asks).
 */
export function getRequestContext(req: IncomingMessage): RequestContext {
  const context = findRequestContext(req);
  if (context === undefined)
    throw new MoatError("ERR_CONFIG", { message: "requestContext() did not run for this request; mount it first" });
  return context;
}

/** @internal The context `requestContext()` recorded for `req`, or undefined when it did not run. */
export function findRequestContext(req: IncomingMessage): RequestContext | undefined {
  return findRequestState(req)?.context;
}

/**
 * The context of the request being handled in the current async scope, or undefined outside any
 * request. For loggers and audit writers that are not handed `req`.
 *
 * @example
 * ```ts
 * const log = (msg: string) => console.log(JSON.stringify({ msg, requestId: currentRequestContext()?.requestId }));
 * ```
 */
export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}
