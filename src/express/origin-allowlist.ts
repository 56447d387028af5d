/**
 * `originAllowlist()`: CORS for embeddable widgets. Each widget key (a public identifier shipped
 * in a customer's page) lists the origins allowed to use it; a request must carry a known key
 * from one of that key's origins, and the CORS answer names exactly that origin, never `*`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { MoatError } from "../errors.js";
import { parseOptions } from "../_internal/options.js";
import { sendHttpError } from "./http-errors.js";
import type { Middleware, NextFunction } from "./types.js";
import { headerNameSchema } from "./header-name.js";

/** Options of {@link originAllowlist}. */
export interface OriginAllowlistOptions {
  /** Widget key → the exact origins (`https://shop.example.com`, no path) allowed to use it. */
  readonly widgetKeys: Readonly<Record<string, readonly string[]>>;
  /** Request header carrying the key (default `"x-widget-key"`). */
  readonly header?: string | undefined;
  /** Query parameter carrying the key, the only place a preflight can carry it (default `"widget_key"`). */
  readonly queryParam?: string | undefined;
  /** Methods answered in preflights (default `["GET", "HEAD", "POST"]`). */
  readonly methods?: readonly string[] | undefined;
  /** Request headers allowed in preflights (default `["content-type"]` plus the key header). */
  readonly allowedHeaders?: readonly string[] | undefined;
  /** Response headers the widget's script may read (default `["x-request-id"]`). */
  readonly exposedHeaders?: readonly string[] | undefined;
  /** Whether to allow cookies and HTTP auth (`Access-Control-Allow-Credentials`; default false). */
  readonly credentials?: boolean | undefined;
  /** How long browsers may cache a preflight answer, in whole seconds, 0–86 400 (default 600). */
  readonly maxAgeSeconds?: number | undefined;
}

const optionsSchema = z.strictObject({
  widgetKeys: z.record(
    z.string().regex(/^[A-Za-z0-9_.:-]{1,256}$/, "widget keys are 1–256 letters, digits, _ . : -"),
    z.array(z.string()).min(1).max(100),
  ),
  header: headerNameSchema.optional(),
  queryParam: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, "a query parameter name")
    .optional(),
  methods: z
    .array(z.string().regex(/^[A-Z]{1,16}$/, "an upper-case method"))
    .min(1)
    .optional(),
  allowedHeaders: z.array(headerNameSchema).optional(),
  exposedHeaders: z.array(headerNameSchema).optional(),
  credentials: z.boolean().optional(),
  maxAgeSeconds: z.number().int().min(0).max(86_400).optional(),
});

/** Checks a configured origin is exactly what a browser sends: scheme, host, port if not default. */
function checkOrigin(key: string, origin: string): string {
  let serialized: string | undefined;
  try {
    serialized = new URL(origin).origin;
  } catch {
    serialized = undefined;
  }
  // A "*" is a legal host character to the URL parser, but no browser sends one: it would be a
  // wildcard that silently matches nothing.
  if (
    serialized === undefined ||
    serialized === "null" ||
    serialized !== origin.toLowerCase() ||
    origin.includes("*")
  ) {
    throw new MoatError("ERR_CONFIG", {
      message: `originAllowlist: widget key "${key}" lists "${origin.slice(0, 200)}", which is not an origin such as "https://shop.example.com" (no path, no trailing slash)`,
    });
  }
  return serialized;
}

function appendVary(res: ServerResponse, fields: readonly string[]): void {
  const existing = res.getHeader("vary");
  const current = (Array.isArray(existing) ? existing.join(",") : typeof existing === "string" ? existing : "")
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "");
  if (current.includes("*")) return;
  const lower = new Set(current.map((v) => v.toLowerCase()));
  res.setHeader("vary", [...current, ...fields.filter((f) => !lower.has(f.toLowerCase()))].join(", "));
}

const widgetKeysOfRequest = new WeakMap<IncomingMessage, string>();

/**
 * CORS and an origin check for widget endpoints. For each request:
 * - no `Origin`, an unknown widget key, or an origin the key does not list → 403
 *   `{ "error": "ERR_FORBIDDEN" }` with no CORS headers (the same answer for each, so keys cannot
 *   be probed);
 * - a preflight (`OPTIONS` with `Access-Control-Request-Method`) is answered 204 with the allowed
 *   methods, headers and max-age. A preflight cannot carry custom headers, so the key is read from
 *   the query string if present; otherwise the origin must be listed for some key, and the key is
 *   checked on the actual request;
 * - otherwise the request goes on with `Access-Control-Allow-Origin` set to its origin and
 *   `Vary: Origin`; handlers read the key with {@link getWidgetKey}.
 *
 * The key is taken from the `X-Widget-Key` header or the `widget_key` query parameter (both
 * present and different → 403). Widget keys are public identifiers, not secrets, and `Origin` is
 * only enforced by browsers: a script outside a browser can send any origin. Give widget routes
 * only what a public page may do, and rate-limit them.
 *
 * @example
 * ```ts
 * app.use("/widget", originAllowlist({ widgetKeys: { wk_live_acme: ["https://shop.acme.com"] } }));
 * ```
 */
export function originAllowlist(options: OriginAllowlistOptions): Middleware {
  const parsed = parseOptions(optionsSchema, options, "originAllowlist options");
  const keys = new Map<string, ReadonlySet<string>>();
  const anyKeyOrigins = new Set<string>();
  for (const [key, origins] of Object.entries(parsed.widgetKeys)) {
    const checked = new Set(origins.map((o) => checkOrigin(key, o)));
    keys.set(key, checked);
    for (const o of checked) anyKeyOrigins.add(o);
  }
  if (keys.size === 0) throw new MoatError("ERR_CONFIG", { message: "originAllowlist: widgetKeys is empty" });
  const header = (parsed.header ?? "x-widget-key").toLowerCase();
  const queryParam = parsed.queryParam ?? "widget_key";
  const allowMethods = (parsed.methods ?? ["GET", "HEAD", "POST"]).join(", ");
  const allowHeaders = [
    ...new Set([...(parsed.allowedHeaders ?? ["content-type"]).map((h) => h.toLowerCase()), header]),
  ].join(", ");
  const exposeHeaders = (parsed.exposedHeaders ?? ["x-request-id"]).join(", ");
  const credentials = parsed.credentials ?? false;
  const maxAge = String(parsed.maxAgeSeconds ?? 600);

  const keyOf = (req: IncomingMessage): { key: string | undefined; conflict: boolean } => {
    const fromHeader = req.headers[header];
    let fromQuery: string | undefined;
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    if (q !== -1) {
      const values = new URLSearchParams(url.slice(q + 1)).getAll(queryParam);
      if (values.length > 1) return { key: undefined, conflict: true };
      fromQuery = values[0];
    }
    const headerKey = typeof fromHeader === "string" ? fromHeader : undefined;
    if (headerKey !== undefined && fromQuery !== undefined && headerKey !== fromQuery)
      return { key: undefined, conflict: true };
    return { key: headerKey ?? fromQuery, conflict: false };
  };

  const allowOrigin = (res: ServerResponse, origin: string): void => {
    res.setHeader("access-control-allow-origin", origin);
    if (credentials) res.setHeader("access-control-allow-credentials", "true");
  };

  return function moatkitOriginAllowlist(req: IncomingMessage, res: ServerResponse, next: NextFunction): void {
    const origin = req.headers.origin;
    const { key, conflict } = keyOf(req);
    const preflight = req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined;
    if (preflight) appendVary(res, ["Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"]);
    else appendVary(res, ["Origin"]);

    const allowedForKey = key === undefined ? undefined : keys.get(key);
    const ok =
      origin !== undefined &&
      !conflict &&
      (allowedForKey !== undefined
        ? allowedForKey.has(origin)
        : preflight && key === undefined && anyKeyOrigins.has(origin));
    if (!ok) {
      sendHttpError(res, "ERR_FORBIDDEN");
      return;
    }
    allowOrigin(res, origin);
    if (preflight) {
      res.setHeader("access-control-allow-methods", allowMethods);
      res.setHeader("access-control-allow-headers", allowHeaders);
      res.setHeader("access-control-max-age", maxAge);
      res.statusCode = 204;
      res.end();
      return;
    }
    if (exposeHeaders !== "") res.setHeader("access-control-expose-headers", exposeHeaders);
    if (key !== undefined) widgetKeysOfRequest.set(req, key);
    next();
  };
}

/** The widget key `originAllowlist()` accepted for `req`, or undefined. */
export function getWidgetKey(req: IncomingMessage): string | undefined {
  return widgetKeysOfRequest.get(req);
}
