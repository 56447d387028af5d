/**
 * Request details for audit events, from a Node or Express request. Typed structurally, so
 * neither `express` nor `node:http` types are needed to call it.
 *
 * Every header is attacker-controlled, and an audit record must never fail because a client
 * sent something odd: a bad request id is dropped, a malformed forwarded entry stops the walk at
 * the last trusted hop, and the user agent is cleaned and cut rather than refused. The client
 * address follows the same rules as `moatkit/express`.
 */
import { isIP } from "node:net";
import { z } from "zod";
import { type TrustProxy, forwardedClientAddress, compileTrust } from "../_internal/client-ip.js";
import { parseOptions } from "../_internal/options.js";
import { recalledClientAddress } from "../_internal/request-address.js";
import { MoatError } from "../errors.js";
import { cleanUserAgent } from "./builder.js";
import { normalizeIp } from "./event.js";

/** The parts of a Node `IncomingMessage` / Express `Request` read here. */
export interface AuditRequestLike {
  /** Request headers, lower-case names (as Node gives them). */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The connection; `remoteAddress` is the peer that connected (a proxy, behind one). */
  readonly socket?:
    | {
        /** The connected peer's address. */
        readonly remoteAddress?: string | undefined;
      }
    | null
    | undefined;
  /** A request id set by middleware such as pino-http, used when the header is absent. */
  readonly id?: unknown;
}

/** Options for {@link auditContextFromRequest}. */
export interface AuditContextOptions {
  /**
   * Which `X-Forwarded-For` entries to believe, as in `moatkit/express` and express's `trust
   * proxy`. `false` (default): none, the socket's peer is the client. A number `n`: the `n` hops
   * nearest the server are your proxies (`1` behind one load balancer). Addresses or CIDR ranges
   * (`"10.0.0.0/8"`, `"loopback"`): hops from those are believed. `true`: all of them, the
   * leftmost entry wins, which any client can forge unless every hop rewrites the header.
   *
   * Omitted on a request that moatkit/express's `requestContext()` handled: the address it
   * resolved (its own `trustProxy`), so the audit event and every other helper agree.
   */
  readonly trustProxy?: TrustProxy;
  /** The header holding the request id; default `"x-request-id"`. */
  readonly requestIdHeader?: string;
}

/** What {@link auditContextFromRequest} returns: the `request` field of an event input. */
export interface AuditRequestDetails {
  /** The request id, or `null` if absent or not 1–128 printable ASCII characters. */
  readonly id: string | null;
  /** The client IP address, or `null` when none is known. */
  readonly ip: string | null;
  /** The user agent (control characters removed, at most 512 characters), or `null`. */
  readonly userAgent: string | null;
}

const optionsSchema = z.strictObject({
  trustProxy: z
    .union([z.boolean(), z.int().min(0).max(32), z.string().max(4096), z.array(z.string().max(64)).max(256)])
    .optional(),
  requestIdHeader: z
    .string()
    .regex(/^[a-z0-9-]{1,64}$/i, "expected a header name")
    .optional(),
});

const REQUEST_ID_RE = /^[\x21-\x7e]{1,128}$/;

function firstHeader(value: string | readonly string[] | undefined): string | undefined {
  if (typeof value === "string") return value;
  return value?.[0];
}

function requestId(req: AuditRequestLike, header: string): string | null {
  const fromHeader = firstHeader(req.headers[header])?.trim();
  if (fromHeader !== undefined && REQUEST_ID_RE.test(fromHeader)) return fromHeader;
  const fromMiddleware = typeof req.id === "number" && Number.isSafeInteger(req.id) ? String(req.id) : req.id;
  return typeof fromMiddleware === "string" && REQUEST_ID_RE.test(fromMiddleware) ? fromMiddleware : null;
}

/**
 * The request id, client IP and user agent of a Node/Express request, for the `request` field of
 * {@link buildAuditEvent}. Never throws on header content.
 *
 * @throws MoatError ERR_CONFIG for invalid options, ERR_INVALID_INPUT when `req` has no headers.
 * @example
 * ```ts
 * app.post("/keys/:id/revoke", async (req, res) => {
 *   await log.record({
 *     orgId: req.user.orgId,
 *     actor: { userId: req.user.id },
 *     action: "api_key.revoke",
 *     target: { type: "api_key", id: req.params.id },
 *     request: auditContextFromRequest(req, { trustProxy: 1 }), // one load balancer in front
 *   });
 * });
 * ```
 */
export function auditContextFromRequest(req: AuditRequestLike, options: AuditContextOptions = {}): AuditRequestDetails {
  const opts = parseOptions(optionsSchema, options, "auditContextFromRequest options");
  const candidate: unknown = req;
  const headers: unknown =
    typeof candidate === "object" && candidate !== null ? Reflect.get(candidate, "headers") : undefined;
  if (typeof headers !== "object" || headers === null) {
    throw new MoatError("ERR_INVALID_INPUT", { message: "auditContextFromRequest needs a request with headers" });
  }
  const address =
    opts.trustProxy === undefined
      ? (recalledClientAddress(req)?.address ?? forwardedClientAddress(req, compileTrust(false)))
      : forwardedClientAddress(req, compileTrust(opts.trustProxy));
  return {
    id: requestId(req, (opts.requestIdHeader ?? "x-request-id").toLowerCase()),
    ip: address === undefined || address.length > 64 || isIP(address) === 0 ? null : normalizeIp(address),
    userAgent: cleanUserAgent(firstHeader(req.headers["user-agent"])),
  };
}
