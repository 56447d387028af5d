/**
 * A breached-password check against the Pwned Passwords range API, by k-anonymity: the password
 * is hashed with SHA-1 here, only the first five hex characters of that hash leave the process,
 * and the match against the returned suffixes happens here. Padding is requested, so the size of
 * the answer does not tell an observer which prefix matched how many.
 */
import { sha1 } from "@noble/hashes/legacy.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { z } from "zod";
import { createBoundedCache } from "../_internal/bounded-cache.js";
import { functionSchema } from "../_internal/function-schema.js";
import { parseInput, parseOptions } from "../_internal/options.js";
import { type Clock, systemClock } from "../_internal/runtime.js";
import { MoatError } from "../errors.js";
import { signalSchema } from "./password-hash.js";

/** The public range API (append the five-character prefix). */
export const PWNED_PASSWORDS_RANGE_URL = "https://api.pwnedpasswords.com/range/";

/** Why a breached-password lookup gave no answer. */
export type BreachCheckFailure =
  /** No answer within `timeoutMs`. */
  | "timeout"
  /** The request failed, or the service answered with a status other than 200. */
  | "unavailable"
  /** The answer was not a well-formed range response (or was larger than any real one). */
  | "bad_response";

/** What {@link BreachedPasswordCheck.check} answers. */
export type BreachCheckResult =
  | {
      /** The lookup answered. */
      readonly ok: true;
      /** Whether the corpus holds the password. */
      readonly breached: boolean;
      /** How many times it was seen; 0 when not breached. */
      readonly count: number;
    }
  | {
      /** The lookup could not answer. */
      readonly ok: false;
      /** Why there is no answer. */
      readonly reason: BreachCheckFailure;
      /** The configured failure mode: true when `onUnavailable` is `"allow"` (fail open). */
      readonly allow: boolean;
    };

/** The request the check makes. */
export interface BreachFetchInit {
  /** Always `GET`. */
  readonly method: "GET";
  /** `add-padding: true` (unless turned off) and a user agent. */
  readonly headers: Record<string, string>;
  /** Aborted at the timeout or by the caller's signal. */
  readonly signal: AbortSignal;
}

/** The part of a fetch response the check reads. */
export interface BreachFetchResponse {
  /** HTTP status; anything but 200 is `unavailable`. */
  readonly status: number;
  /** The body as text. */
  text(): Promise<string>;
}

/** The part of `fetch` used. */
export type BreachFetch = (url: string, init: BreachFetchInit) => Promise<BreachFetchResponse>;

/** Options for {@link createBreachedPasswordCheck}. */
export interface BreachedPasswordCheckOptions {
  /**
   * What a password policy does when the lookup cannot answer (timeout, outage, bad answer):
   * `"allow"` fails open (the password is judged by the other rules alone), `"refuse"` fails
   * closed (reason `breach_check_unavailable`). Required: the choice is the service's.
   */
  readonly onUnavailable: "allow" | "refuse";
  /** Give up after this many ms; default 2000. */
  readonly timeoutMs?: number;
  /** The range URL the prefix is appended to; default {@link PWNED_PASSWORDS_RANGE_URL}. `http:` only for loopback hosts. */
  readonly endpoint?: string;
  /** The fetch to use; default the global `fetch`. */
  readonly fetch?: BreachFetch;
  /** Ask for a padded answer (default true). */
  readonly padding?: boolean;
  /** Answers kept per prefix; default 1000 prefixes (0 turns the cache off). */
  readonly cacheSize?: number;
  /** How long a prefix's answer is kept, ms; default one hour. */
  readonly cacheTtlMs?: number;
  /** Clock for the cache; default `Date.now`. */
  readonly now?: Clock;
}

/** Options for one {@link BreachedPasswordCheck.check}. */
export interface BreachCheckOptions {
  /** Cancels the lookup: the call throws ERR_ABORTED. */
  readonly signal?: AbortSignal;
}

/** A configured breached-password check. */
export interface BreachedPasswordCheck {
  /**
   * Looks the password up. Never throws for an outage or a bad answer (those are
   * `{ ok: false, reason, allow }`); concurrent lookups of one prefix share one request.
   *
   * @throws MoatError ERR_INVALID_INPUT when `password` is not a non-empty string, ERR_ABORTED
   *   when `signal` aborts.
   */
  check(password: string, options?: BreachCheckOptions): Promise<BreachCheckResult>;
}

/** A range answer: about 800–1,000 lines of 35 + 1 + up to 10 characters. Far more is not one. */
const MAX_RESPONSE_CHARS = 1 << 20;
const MAX_PASSWORD_CHARS = 4096;
const LINE_RE = /^([0-9A-F]{35}):(\d{1,12})$/;
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "[::1]", "localhost"]);

const optionsSchema = z.strictObject({
  onUnavailable: z.enum(["allow", "refuse"]),
  timeoutMs: z.number().int().positive().max(60_000).default(2000),
  endpoint: z
    .url({ protocol: /^https?$/ })
    .refine((u) => {
      const url = new URL(u);
      return url.protocol === "https:" || LOOPBACK_HOSTS.has(url.hostname);
    }, "endpoint must be https (http only on a loopback host)")
    .default(PWNED_PASSWORDS_RANGE_URL),
  fetch: functionSchema<BreachFetch>().optional(),
  padding: z.boolean().default(true),
  cacheSize: z.number().int().min(0).max(1_000_000).default(1000),
  cacheTtlMs: z
    .number()
    .int()
    .positive()
    .max(7 * 24 * 3600_000)
    .default(3600_000),
  now: functionSchema<Clock>().default(() => systemClock),
});

const checkOptionsSchema = z.strictObject({ signal: signalSchema }).optional();

type Lookup =
  | { readonly ok: true; readonly counts: ReadonlyMap<string, number> }
  | { readonly ok: false; readonly reason: BreachCheckFailure };

/** Parses a range answer into suffix → count, dropping padding lines (count 0). */
function parseRange(text: string): ReadonlyMap<string, number> | null {
  const counts = new Map<string, number>();
  for (const raw of text.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line === "") continue;
    const match = LINE_RE.exec(line);
    if (match === null) return null;
    const count = Number(match[2]);
    if (count > 0) counts.set(match[1] as string, count);
  }
  return counts;
}

/**
 * Creates a breached-password check over the Pwned Passwords range API (k-anonymity: only the
 * first five hex characters of the password's SHA-1 leave the process).
 *
 * @throws MoatError ERR_CONFIG for invalid options (`onUnavailable` is required).
 * @example
 * ```ts
 * import { createBreachedPasswordCheck } from "moatkit/passwords";
 * const breached = createBreachedPasswordCheck({ onUnavailable: "allow", timeoutMs: 1500 });
 * const answer = await breached.check(candidate);
 * if (answer.ok && answer.breached) return res.status(422).json({ error: "breached_password" });
 * ```
 */
export function createBreachedPasswordCheck(options: BreachedPasswordCheckOptions): BreachedPasswordCheck {
  const opts = parseOptions(optionsSchema, options, "createBreachedPasswordCheck options");
  const doFetch: BreachFetch = opts.fetch ?? ((url, init) => fetch(url, init));
  const cache = opts.cacheSize > 0 ? createBoundedCache<string, ReadonlyMap<string, number>>(opts.cacheSize) : null;
  const inFlight = new Map<string, Promise<Lookup>>();
  const allow = opts.onUnavailable === "allow";
  const headers: Record<string, string> = { "user-agent": "moatkit" };
  if (opts.padding) headers["add-padding"] = "true";

  async function request(prefix: string): Promise<Lookup> {
    const controller = new AbortController();
    const ask = async (): Promise<Lookup> => {
      try {
        const response = await doFetch(opts.endpoint + prefix, { method: "GET", headers, signal: controller.signal });
        if (response.status !== 200) return { ok: false, reason: "unavailable" };
        const text = await response.text();
        if (typeof text !== "string" || text.length > MAX_RESPONSE_CHARS) return { ok: false, reason: "bad_response" };
        const counts = parseRange(text);
        return counts === null ? { ok: false, reason: "bad_response" } : { ok: true, counts };
      } catch {
        return { ok: false, reason: "unavailable" };
      }
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    // The timer wins even against a fetch that ignores its signal.
    const timeout = new Promise<Lookup>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve({ ok: false, reason: "timeout" });
      }, opts.timeoutMs);
    });
    try {
      const result = await Promise.race([ask(), timeout]);
      if (result.ok) cache?.set(prefix, result.counts, opts.now() + opts.cacheTtlMs, opts.now());
      return result;
    } finally {
      clearTimeout(timer);
    }
  }

  function lookup(prefix: string): Promise<Lookup> {
    const cached = cache?.get(prefix, opts.now());
    if (cached !== undefined) return Promise.resolve({ ok: true, counts: cached });
    let pending = inFlight.get(prefix);
    if (pending === undefined) {
      pending = request(prefix).finally(() => inFlight.delete(prefix));
      inFlight.set(prefix, pending);
    }
    return pending;
  }

  return {
    async check(password, checkOptions) {
      if (typeof password !== "string" || password.length === 0 || password.length > MAX_PASSWORD_CHARS) {
        throw new MoatError("ERR_INVALID_INPUT", {
          message: "password must be a non-empty string of at most 4096 characters",
        });
      }
      const { signal } = parseInput(checkOptionsSchema, checkOptions, "check options") ?? {};
      const aborted = (): MoatError => new MoatError("ERR_ABORTED", { message: "breached-password check aborted" });
      if (signal?.aborted === true) throw aborted();
      const hash = bytesToHex(sha1(new TextEncoder().encode(password))).toUpperCase();
      const prefix = hash.slice(0, 5);
      const suffix = hash.slice(5);
      // The shared request is not cancelled by one caller's signal: others may be waiting on it.
      const answer =
        signal === undefined
          ? await lookup(prefix)
          : await new Promise<Lookup>((resolve, reject) => {
              const onAbort = (): void => {
                reject(aborted());
              };
              signal.addEventListener("abort", onAbort, { once: true });
              lookup(prefix).then(
                (value) => {
                  signal.removeEventListener("abort", onAbort);
                  resolve(value);
                },
                (err: unknown) => {
                  signal.removeEventListener("abort", onAbort);
                  reject(err instanceof Error ? err : new Error("lookup failed"));
                },
              );
            });
      if (!answer.ok) return { ok: false, reason: answer.reason, allow };
      const count = answer.counts.get(suffix) ?? 0;
      return { ok: true, breached: count > 0, count };
    },
  };
}
