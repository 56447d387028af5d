/**
 * Server-side verification of Cloudflare Turnstile tokens (siteverify), failing closed: a
 * network error, a timeout, a non-200 answer, a body that is not the expected JSON, or any
 * failure code refuses the token. Only `success: true` with the expected hostname and action
 * passes. The secret goes into the request body and nowhere else.
 */
import { z } from "zod";
import { functionSchema } from "../_internal/function-schema.js";
import { parseOptions } from "../_internal/options.js";
import { type Secret, isSecret } from "../_internal/secret.js";
import { MoatError } from "../errors.js";

/** Cloudflare's siteverify endpoint. */
export const TURNSTILE_VERIFY_URL = "https://challenges.cloudflare.com/turnstile/v0/siteverify";

/** Turnstile tokens are at most 2048 characters; longer ones are refused without a request. */
export const TURNSTILE_MAX_TOKEN_LENGTH = 2048;

/** Why a Turnstile token was refused. */
export type TurnstileFailureReason =
  "missing" | "invalid" | "expired" | "hostname_mismatch" | "action_mismatch" | "timeout" | "unavailable";

/** The result of {@link verifyTurnstile}. */
export type TurnstileVerifyResult =
  | {
      /** The challenge was solved, for this hostname and action. */
      readonly ok: true;
      /** The hostname the challenge was solved on. */
      readonly hostname?: string;
      /** The widget's action. */
      readonly action?: string;
      /** When the challenge was solved (ISO 8601). */
      readonly challengeTs?: string;
      /** The widget's customer data. */
      readonly cdata?: string;
    }
  | {
      /** Refused. */
      readonly ok: false;
      /** Why, from a closed union. */
      readonly reason: TurnstileFailureReason;
      /** Cloudflare's error codes, when it answered with some (never secret). */
      readonly errorCodes?: readonly string[];
    };

/** The request {@link verifyTurnstile} makes. */
export interface TurnstileFetchInit {
  /** Always `POST`. */
  readonly method: "POST";
  /** `content-type: application/x-www-form-urlencoded`. */
  readonly headers: Record<string, string>;
  /** The form: `secret`, `response`, and `remoteip` / `idempotency_key` when given. */
  readonly body: string;
  /** Aborted at the timeout. */
  readonly signal: AbortSignal;
}

/** The part of a fetch response {@link verifyTurnstile} reads. */
export interface TurnstileFetchResponse {
  /** HTTP status; anything but 200 fails closed. */
  readonly status: number;
  /** The body as text. */
  text(): Promise<string>;
}

/** The part of `fetch` used. */
export type TurnstileFetch = (url: string, init: TurnstileFetchInit) => Promise<TurnstileFetchResponse>;

/** Options for {@link verifyTurnstile}. */
export interface TurnstileOptions {
  /** The widget's secret key. */
  readonly secret: string | Secret<string>;
  /** The visitor's IP address, passed on to Cloudflare. */
  readonly remoteIp?: string;
  /** Hostname(s) the challenge must have been solved on; checked when given. */
  readonly expectedHostname?: string | readonly string[];
  /** The widget action the token must carry; checked when given. */
  readonly expectedAction?: string;
  /** Give up (reason `timeout`) after this many ms; default 3000. */
  readonly timeoutMs?: number;
  /** A UUID sent as `idempotency_key`, so a retried verification of the same token is not a replay. */
  readonly idempotencyKey?: string;
  /** The fetch to use; default the global `fetch`. */
  readonly fetch?: TurnstileFetch;
  /** The siteverify URL; default {@link TURNSTILE_VERIFY_URL}. */
  readonly endpoint?: string;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_BODY_CHARS = 65_536;

const optionsSchema = z.strictObject({
  secret: z.union([
    z.string().min(1).max(512),
    z.custom<Secret<string>>((v) => isSecret(v) && typeof v.reveal() === "string", "expected a string or a Secret"),
  ]),
  remoteIp: z.string().min(1).max(64).optional(),
  expectedHostname: z.union([z.string().min(1).max(253), z.array(z.string().min(1).max(253)).min(1)]).optional(),
  expectedAction: z.string().min(1).max(64).optional(),
  timeoutMs: z.number().int().positive().max(60_000).default(3000),
  idempotencyKey: z.string().regex(UUID_RE).optional(),
  fetch: functionSchema<TurnstileFetch>().optional(),
  endpoint: z.url({ protocol: /^https?$/ }).default(TURNSTILE_VERIFY_URL),
});

type Failure = Extract<TurnstileVerifyResult, { ok: false }>;
const fail = (reason: TurnstileFailureReason, errorCodes?: readonly string[]): Failure =>
  errorCodes === undefined ? { ok: false, reason } : { ok: false, reason, errorCodes };

function defaultFetch(): TurnstileFetch {
  return (url, init) => fetch(url, init);
}

function reasonFor(codes: readonly string[]): TurnstileFailureReason {
  if (codes.includes("missing-input-secret") || codes.includes("invalid-input-secret")) {
    // Our configuration is wrong, not the visitor's token: say so loudly.
    throw new MoatError("ERR_CONFIG", { message: "Turnstile rejected the secret key" });
  }
  if (codes.includes("missing-input-response")) return "missing";
  if (codes.includes("timeout-or-duplicate")) return "expired";
  if (codes.includes("invalid-input-response")) return "invalid";
  if (codes.includes("internal-error") || codes.includes("bad-request")) return "unavailable";
  return "invalid";
}

function stringField(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function interpret(
  body: unknown,
  options: { expectedHostname?: string | readonly string[] | undefined; expectedAction?: string | undefined },
): TurnstileVerifyResult {
  if (typeof body !== "object" || body === null || typeof Reflect.get(body, "success") !== "boolean")
    return fail("unavailable");
  const rawCodes: unknown = Reflect.get(body, "error-codes");
  const codes = Array.isArray(rawCodes) ? rawCodes.filter((c): c is string => typeof c === "string") : [];
  if (Reflect.get(body, "success") !== true) return fail(reasonFor(codes), codes);

  const hostname = stringField(Reflect.get(body, "hostname"));
  const action = stringField(Reflect.get(body, "action"));
  const { expectedHostname, expectedAction } = options;
  if (expectedHostname !== undefined) {
    const allowed = (typeof expectedHostname === "string" ? [expectedHostname] : expectedHostname).map((h) =>
      h.toLowerCase(),
    );
    if (hostname === undefined || !allowed.includes(hostname.toLowerCase())) return fail("hostname_mismatch");
  }
  if (expectedAction !== undefined && action !== expectedAction) return fail("action_mismatch");
  const challengeTs = stringField(Reflect.get(body, "challenge_ts"));
  const cdata = stringField(Reflect.get(body, "cdata"));
  return {
    ok: true,
    ...(hostname === undefined ? {} : { hostname }),
    ...(action === undefined ? {} : { action }),
    ...(challengeTs === undefined ? {} : { challengeTs }),
    ...(cdata === undefined ? {} : { cdata }),
  };
}

/**
 * Verifies a Turnstile token with Cloudflare. Never throws for a bad token or an outage: every
 * failure is a result with a reason, and only a clear success passes.
 *
 * @param token the `cf-turnstile-response` form field, as received (any type: a missing or
 *   non-string field is `missing`).
 * @throws MoatError ERR_CONFIG for invalid options, or when Cloudflare reports the secret key
 *   itself as missing or invalid (a deployment error, not a visitor's).
 * @example
 * ```ts
 * const check = await verifyTurnstile(req.body["cf-turnstile-response"], {
 *   secret: process.env.TURNSTILE_SECRET!,
 *   remoteIp: clientAddress(req), // moatkit/express's client address, not req.ip
 *   expectedHostname: "app.example.com",
 *   expectedAction: "login",
 * });
 * if (!check.ok) return res.status(403).json({ error: "captcha", reason: check.reason });
 * ```
 */
export async function verifyTurnstile(token: unknown, options: TurnstileOptions): Promise<TurnstileVerifyResult> {
  const opts = parseOptions(optionsSchema, options, "verifyTurnstile options");
  if (typeof token !== "string" || token.length === 0) return fail("missing");
  if (token.length > TURNSTILE_MAX_TOKEN_LENGTH) return fail("invalid");

  const form = new URLSearchParams({
    secret: typeof opts.secret === "string" ? opts.secret : opts.secret.reveal(),
    response: token,
  });
  if (opts.remoteIp !== undefined) form.set("remoteip", opts.remoteIp);
  if (opts.idempotencyKey !== undefined) form.set("idempotency_key", opts.idempotencyKey);
  const doFetch = opts.fetch ?? defaultFetch();
  const controller = new AbortController();

  const ask = async (): Promise<TurnstileVerifyResult | MoatError> => {
    let text: string;
    try {
      const response = await doFetch(opts.endpoint, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: form.toString(),
        signal: controller.signal,
      });
      if (response.status !== 200) return fail("unavailable");
      text = await response.text();
    } catch {
      return fail("unavailable");
    }
    if (text.length > MAX_BODY_CHARS) return fail("unavailable");
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return fail("unavailable");
    }
    try {
      return interpret(body, opts);
    } catch (err) {
      // Settle instead of rejecting: after a timeout nobody would handle the rejection.
      return err instanceof MoatError ? err : fail("unavailable");
    }
  };

  let timer: ReturnType<typeof setTimeout> | undefined;
  // The timer wins even against a fetch that ignores its AbortSignal.
  const timeout = new Promise<TurnstileVerifyResult | MoatError>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve(fail("timeout"));
    }, opts.timeoutMs);
  });
  let outcome: TurnstileVerifyResult | MoatError;
  try {
    outcome = await Promise.race([ask(), timeout]);
  } finally {
    clearTimeout(timer);
  }
  if (outcome instanceof MoatError) throw outcome;
  return outcome;
}
