/**
 * `turnstile()`: a Cloudflare Turnstile check in front of a route (signup, login, contact
 * forms). The token is verified server-side with moatkit/turnstile, which fails closed: only a
 * clear success for the expected hostname and action lets the request through.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { functionSchema } from "../_internal/function-schema.js";
import { parseOptions } from "../_internal/options.js";
import { isSecret, type Secret } from "../_internal/secret.js";
import {
  verifyTurnstile,
  type TurnstileFetch,
  type TurnstileOptions,
  type TurnstileVerifyResult,
} from "../turnstile/verify-turnstile.js";
import { sendError, sendHttpError } from "./http-errors.js";
import { loggableError, notify } from "./notify.js";
import { findRequestContext } from "./request-context.js";
import type { Middleware, NextFunction } from "./types.js";

/** Options of {@link turnstile}. */
export interface TurnstileMiddlewareOptions {
  /** The widget's secret key (a string or a moatkit `Secret`). */
  readonly secret: string | Secret<string>;
  /**
   * The body field holding the token (default `"cf-turnstile-response"`, the name the widget
   * gives its hidden input). Mount a body parser first. Without it in the body, the
   * `CF-Turnstile-Response` header is read (for `fetch` calls from single-page apps).
   */
  readonly field?: string | undefined;
  /** Hostname(s) the challenge must have been solved on. Set it: a token from any site of yours passes otherwise. */
  readonly expectedHostname?: string | readonly string[] | undefined;
  /** The widget action the token must carry, e.g. `"login"`. */
  readonly expectedAction?: string | undefined;
  /** Give up after this many ms, refusing the request (default 3000). */
  readonly timeoutMs?: number | undefined;
  /** The fetch to use (default the global `fetch`). */
  readonly fetch?: TurnstileFetch | undefined;
  /** The siteverify URL (default Cloudflare's); tests and local runs point it at a fake verifier. */
  readonly verifyUrl?: string | undefined;
  /**
   * Called with each refusal's reason (`missing`, `invalid`, `expired`, `hostname_mismatch`,
   * `action_mismatch`, `timeout`, `unavailable`) and with errors (Cloudflare rejecting the
   * secret itself: ERR_CONFIG, answered 500). For logs and metrics; exceptions here are ignored.
   * An error arrives as a copy without the request input or secrets it may carry, as with
   * `errorHandler({ onError })`.
   */
  readonly onFailure?: ((failure: TurnstileVerifyResult | Error, req: IncomingMessage) => void) | undefined;
}

const fieldRe = /^[A-Za-z0-9_.-]{1,64}$/;

const optionsSchema = z.strictObject({
  secret: z.union([
    z.string().min(1).max(512),
    z.custom<Secret<string>>((v) => isSecret(v) && typeof v.reveal() === "string", "expected a string or a Secret"),
  ]),
  field: z.string().regex(fieldRe, "a form field name").optional(),
  expectedHostname: z.union([z.string().min(1).max(253), z.array(z.string().min(1).max(253)).min(1)]).optional(),
  expectedAction: z.string().min(1).max(64).optional(),
  timeoutMs: z.number().int().positive().max(60_000).optional(),
  fetch: functionSchema<TurnstileFetch>().optional(),
  verifyUrl: z.url({ protocol: /^https?$/ }).optional(),
  onFailure: functionSchema<NonNullable<TurnstileMiddlewareOptions["onFailure"]>>().optional(),
});

const HEADER = "cf-turnstile-response";

function tokenOf(req: IncomingMessage, field: string): unknown {
  // express's body parsers put the parsed body on `req.body`; nothing is parsed here.
  const body: unknown = "body" in req ? req.body : undefined;
  if (typeof body === "object" && body !== null && Object.hasOwn(body, field)) return Reflect.get(body, field);
  return req.headers[HEADER];
}

/**
 * Verifies the request's Turnstile token before the route runs. A missing, invalid, expired or
 * replayed token, one solved on another hostname or for another action, a timeout and a
 * siteverify outage all answer 403 `{ "error": "turnstile_failed" }` (one answer, so a bot
 * learns nothing about which check failed); Cloudflare rejecting the secret key itself is a
 * deployment error, answered 500 `ERR_INTERNAL`. The client address from `requestContext()` is
 * passed to Cloudflare when available. The secret goes to the verifier and nowhere else.
 *
 * @throws MoatError ERR_CONFIG for invalid options.
 * @example
 * ```ts
 * app.post(
 *   "/signup",
 *   express.urlencoded({ extended: false }),
 *   turnstile({ secret: process.env.TURNSTILE_SECRET!, expectedHostname: "app.example.com", expectedAction: "signup" }),
 *   signup,
 * );
 * ```
 */
export function turnstile(options: TurnstileMiddlewareOptions): Middleware {
  const parsed = parseOptions(optionsSchema, options, "turnstile options");
  const field = parsed.field ?? HEADER;
  const onFailure = options.onFailure;
  const base: TurnstileOptions = {
    secret: options.secret,
    ...(parsed.expectedHostname === undefined ? {} : { expectedHostname: parsed.expectedHostname }),
    ...(parsed.expectedAction === undefined ? {} : { expectedAction: parsed.expectedAction }),
    ...(parsed.timeoutMs === undefined ? {} : { timeoutMs: parsed.timeoutMs }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(parsed.verifyUrl === undefined ? {} : { endpoint: parsed.verifyUrl }),
  };

  return function moatkitTurnstile(req: IncomingMessage, res: ServerResponse, next: NextFunction): void {
    // Without requestContext() the address is simply not sent to Cloudflare.
    const ip = findRequestContext(req)?.ip;
    verifyTurnstile(tokenOf(req, field), ip === undefined ? base : { ...base, remoteIp: ip }).then(
      (result) => {
        if (result.ok) {
          next();
          return;
        }
        notify(onFailure, result, req);
        sendError(res, 403, "turnstile_failed");
      },
      (err: unknown) => {
        // A copy of an Error is an Error of the same class.
        notify(
          onFailure,
          err instanceof Error ? (loggableError(err) as Error) : new Error("turnstile verification failed"),
          req,
        );
        sendHttpError(res, "ERR_INTERNAL");
      },
    );
  };
}
