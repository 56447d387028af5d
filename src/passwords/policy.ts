/**
 * A password policy after NIST SP 800-63B (§3.1.1.2 in revision 4): a length range counted in
 * Unicode code points, any characters, no composition rules, and refusal of passwords that are
 * common, repetitive, built from the user's own details, or known to be breached. A weak
 * password is a result with reasons, never an exception: the policy judges what a person typed.
 */
import { z } from "zod";
import { BCRYPT_MAX_PASSWORD_BYTES, longPolicySchema, signalSchema, type LongPasswordPolicy } from "./password-hash.js";
import { COMMON_PASSWORDS } from "./common-passwords.js";
import type { BreachedPasswordCheck } from "./breached.js";
import { utf8Encode } from "../_internal/encoding.js";
import { parseInput, parseOptions } from "../_internal/options.js";

/** Why a password was refused. Several can apply at once. */
export type PasswordPolicyReason =
  /** Not a string, or holds a NUL or a lone UTF-16 surrogate (no hash can keep it intact). */
  | "invalid"
  /** Fewer code points than `minLength` (an empty password included). */
  | "too_short"
  /** More code points than `maxLength`, or more bytes than the hash keeps under `long: "reject"`. */
  | "too_long"
  /** On the shipped list of common passwords or the service's own list, ignoring case and a short suffix of digits or symbols. */
  | "common"
  /** One character repeated, a short unit repeated, or a keyboard-free run such as `12345678` or `abcdefgh`. */
  | "repetitive"
  /** Contains the user's email, name, username, the service name, or another context word. */
  | "contains_context"
  /** Found in the breached-password corpus. */
  | "breached"
  /** The breached-password check could not answer and is configured to fail closed. */
  | "breach_check_unavailable";

/** What {@link PasswordPolicy.check} answers. */
export type PasswordPolicyResult =
  | {
      /** The password passed every rule. */
      readonly ok: true;
      /** The password in Unicode NFC: hash and verify this form so that equal-looking input matches. */
      readonly password: string;
    }
  | {
      /** The password broke at least one rule. */
      readonly ok: false;
      /** Every rule the password broke, in a fixed order; never empty. */
      readonly reasons: readonly PasswordPolicyReason[];
      /** How many times the breach corpus has seen it, when `breached` is among the reasons. */
      readonly breachCount?: number;
    };

/** Details of the person choosing the password: none of them may appear in it. */
export interface PasswordContext {
  /** The account's email address; its local part and the words in it are checked. */
  readonly email?: string;
  /** The person's name; each word of it is checked. */
  readonly name?: string;
  /** The login name. */
  readonly username?: string;
  /** Any other words to refuse for this user. */
  readonly words?: readonly string[];
}

/** Options for {@link createPasswordPolicy}. */
export interface PasswordPolicyOptions {
  /**
   * Fewest code points, 8–256. Default 8, NIST's floor for a password used with a second
   * factor; NIST asks for 15 when the password is the only factor.
   */
  readonly minLength?: number;
  /** Most code points, 64–4096 (NIST: allow at least 64). Default 64. */
  readonly maxLength?: number;
  /**
   * The hashing mode the password will be stored with (see `hashPassword`). Under `"reject"`
   * (default) a password over bcrypt's 72 UTF-8 bytes is `too_long` even within `maxLength`,
   * so the policy never accepts what `hashPassword` would refuse. Use `"prehash"` to accept any
   * password up to `maxLength`.
   */
  readonly long?: LongPasswordPolicy;
  /** Refuse the shipped list of the 10,000 most common passwords. Default true. */
  readonly commonPasswords?: boolean;
  /** More passwords to refuse (the product's name, its slogans); compared like the shipped list. */
  readonly blocklist?: readonly string[];
  /** The service's own name(s): refused inside any password, like a context word. */
  readonly serviceName?: string | readonly string[];
  /** A breached-password check (see `createBreachedPasswordCheck`); only {@link PasswordPolicy.check} consults it. */
  readonly breached?: BreachedPasswordCheck;
}

/** Options for one {@link PasswordPolicy.check}. */
export interface PasswordCheckOptions {
  /** Cancels the breached-password lookup (ERR_ABORTED). */
  readonly signal?: AbortSignal;
}

/** A configured policy. */
export interface PasswordPolicy {
  /** The fewest code points allowed, for messages such as "at least 8 characters". */
  readonly minLength: number;
  /** The most code points allowed. */
  readonly maxLength: number;
  /**
   * Judges a password with every rule, the breached-password lookup included when configured.
   * Never throws for a weak or malformed password.
   *
   * @throws MoatError ERR_ABORTED when `signal` aborts; ERR_INVALID_INPUT for a malformed context.
   */
  check(password: unknown, context?: PasswordContext, options?: PasswordCheckOptions): Promise<PasswordPolicyResult>;
  /** The same rules without the breached-password lookup: synchronous, no network. */
  checkLocal(password: unknown, context?: PasswordContext): PasswordPolicyResult;
}

const MAX_CONTEXT_CHARS = 1024;
/** Context words shorter than this are too likely to occur by chance ("al", "jo"). */
const MIN_CONTEXT_WORD = 3;
/** A suffix people add to a common password to pass composition rules: `Dragon2024!`. */
const DECORATION_SUFFIX = /[\d\p{P}\p{S}\s]{1,6}$/u;
const DECORATION_PREFIX = /^[\d\p{P}\p{S}\s]{1,3}/u;

const contextSchema = z
  .strictObject({
    email: z.string().max(MAX_CONTEXT_CHARS).optional(),
    name: z.string().max(MAX_CONTEXT_CHARS).optional(),
    username: z.string().max(MAX_CONTEXT_CHARS).optional(),
    words: z.array(z.string().max(MAX_CONTEXT_CHARS)).max(64).optional(),
  })
  .optional();

const optionsSchema = z
  .strictObject({
    minLength: z.number().int().min(8).max(256).default(8),
    maxLength: z.number().int().min(64).max(4096).default(64),
    long: longPolicySchema.default("reject"),
    commonPasswords: z.boolean().default(true),
    blocklist: z.array(z.string().min(1).max(256)).max(100_000).default([]),
    serviceName: z.union([z.string().min(1).max(256), z.array(z.string().min(1).max(256)).max(32)]).optional(),
    breached: z
      .custom<BreachedPasswordCheck>(
        (v) => typeof v === "object" && v !== null && typeof Reflect.get(v, "check") === "function",
        "expected a breached-password check",
      )
      .optional(),
  })
  .refine((o) => o.minLength <= o.maxLength, { message: "minLength must not exceed maxLength", path: ["minLength"] });

const checkOptionsSchema = z.strictObject({ signal: signalSchema }).optional();

let commonSet: ReadonlySet<string> | undefined;
/** The shipped list as a set, built on first use (about 10,000 strings). */
function commonPasswords(): ReadonlySet<string> {
  commonSet ??= new Set(COMMON_PASSWORDS.split("\n"));
  return commonSet;
}

/** Lower case, NFC, for comparisons that should not care about case. */
function fold(text: string): string {
  return text.normalize("NFC").toLocaleLowerCase("und");
}

/** The forms of a password a blocklist comparison looks at: itself, and without decoration. */
function blocklistForms(folded: string): string[] {
  const forms = [folded];
  const bare = folded.replace(DECORATION_SUFFIX, "").replace(DECORATION_PREFIX, "");
  if (bare !== folded && bare.length > 0) forms.push(bare);
  return forms;
}

function codePoints(text: string): number[] {
  const out: number[] = [];
  for (const ch of text) out.push(ch.codePointAt(0) ?? 0);
  return out;
}

/**
 * Whether the password is one character repeated, a unit of up to four code points repeated
 * (`abcabcabc`), or a run whose code points each step by +1 or -1 (`12345678`, `hgfedcba`).
 */
function isRepetitive(points: readonly number[]): boolean {
  const n = points.length;
  if (n < 2) return false;
  for (let unit = 1; unit <= 4 && unit * 2 <= n; unit++) {
    let repeats = true;
    for (let i = unit; i < n && repeats; i++) repeats = points[i] === points[i - unit];
    if (repeats) return true;
  }
  const step = (points[1] ?? 0) - (points[0] ?? 0);
  if (step !== 1 && step !== -1) return false;
  for (let i = 2; i < n; i++) if ((points[i] ?? 0) - (points[i - 1] ?? 0) !== step) return false;
  return true;
}

/** The words of a context value worth refusing: the whole value and its parts. */
function contextWords(value: string, splitEmail: boolean): string[] {
  const folded = fold(value).trim();
  if (folded.length === 0) return [];
  const words = [folded];
  const local = splitEmail && folded.includes("@") ? folded.slice(0, folded.lastIndexOf("@")) : folded;
  if (local !== folded) words.push(local);
  const domain = splitEmail && folded.includes("@") ? folded.slice(folded.lastIndexOf("@") + 1) : "";
  // The first label of the domain is usually the employer or the service: acme in acme.io.
  const firstLabel = domain.split(".")[0] ?? "";
  if (firstLabel.length > 0) words.push(firstLabel);
  for (const part of `${local} ${firstLabel}`.split(/[^\p{L}\p{N}]+/u)) if (part.length > 0) words.push(part);
  return words.filter((w) => codePoints(w).length >= MIN_CONTEXT_WORD);
}

/**
 * Creates a password policy: NIST SP 800-63B's rules, with reasons instead of exceptions.
 *
 * - Length is counted in code points of the NFC form, from `minLength` (default 8) to
 *   `maxLength` (default 64); under `long: "reject"` a password over bcrypt's 72 bytes is
 *   `too_long` too.
 * - Any Unicode is allowed except NUL and lone surrogates; there are no composition rules.
 * - Refused: the 10,000 most common passwords (shipped with the package; ignoring case and a
 *   short decoration such as `2024!`), the `blocklist`, repetitive or sequential passwords, and
 *   passwords containing the user's email, name, username, the service name or other words.
 * - With `breached`, {@link PasswordPolicy.check} also asks the breached-password check.
 *
 * @throws MoatError ERR_CONFIG for invalid options.
 * @example
 * ```ts
 * import { createPasswordPolicy, createBreachedPasswordCheck, hashPassword } from "moatkit/passwords";
 * const policy = createPasswordPolicy({
 *   serviceName: "Acme",
 *   breached: createBreachedPasswordCheck({ onUnavailable: "allow" }),
 * });
 * const verdict = await policy.check(req.body.password, { email: user.email, name: user.name });
 * if (!verdict.ok) return res.status(422).json({ error: "weak_password", reasons: verdict.reasons });
 * const hash = await hashPassword(verdict.password);
 * ```
 */
export function createPasswordPolicy(options: PasswordPolicyOptions = {}): PasswordPolicy {
  const opts = parseOptions(optionsSchema, options, "createPasswordPolicy options");
  const extra = new Set(opts.blocklist.map(fold));
  const services =
    opts.serviceName === undefined ? [] : typeof opts.serviceName === "string" ? [opts.serviceName] : opts.serviceName;
  const serviceWords = services.flatMap((s) => contextWords(s, false));

  function local(
    password: unknown,
    context: PasswordContext | undefined,
  ): { reasons: PasswordPolicyReason[]; nfc: string } {
    const ctx = parseInput(contextSchema, context, "password context");
    if (typeof password !== "string") return { reasons: ["invalid"], nfc: "" };
    // A code point is one or two UTF-16 units: past twice the maximum the password is too long
    // whatever it holds, and is not normalised or scanned (it may be megabytes).
    if (password.length > 2 * opts.maxLength) return { reasons: ["too_long"], nfc: "" };
    const nfc = password.normalize("NFC");
    const reasons: PasswordPolicyReason[] = [];
    // No hash keeps these intact: bcrypt stops at NUL, UTF-8 turns a lone surrogate into U+FFFD.
    if (nfc.includes("\0") || /\p{Cs}/u.test(nfc)) return { reasons: ["invalid"], nfc: "" };
    const points = codePoints(nfc);
    if (points.length < opts.minLength) reasons.push("too_short");
    const overBytes = opts.long === "reject" && utf8Encode(nfc).length > BCRYPT_MAX_PASSWORD_BYTES;
    if (points.length > opts.maxLength || overBytes) reasons.push("too_long");

    const folded = fold(nfc);
    const forms = blocklistForms(folded);
    if (forms.some((f) => (opts.commonPasswords && commonPasswords().has(f)) || extra.has(f))) reasons.push("common");
    // The bare forms count too ("aaaaaaaa1!"), when long enough not to be repetitive by chance.
    if (forms.some((f, i) => (i === 0 || codePoints(f).length >= 4) && isRepetitive(codePoints(f))))
      reasons.push("repetitive");
    const words = [
      ...serviceWords,
      ...(ctx?.email === undefined ? [] : contextWords(ctx.email, true)),
      ...(ctx?.name === undefined ? [] : contextWords(ctx.name, false)),
      ...(ctx?.username === undefined ? [] : contextWords(ctx.username, true)),
      ...(ctx?.words ?? []).flatMap((w) => contextWords(w, false)),
    ];
    if (words.some((w) => folded.includes(w))) reasons.push("contains_context");
    return { reasons, nfc };
  }

  return {
    minLength: opts.minLength,
    maxLength: opts.maxLength,
    checkLocal(password, context) {
      const { reasons, nfc } = local(password, context);
      return reasons.length === 0 ? { ok: true, password: nfc } : { ok: false, reasons };
    },
    async check(password, context, checkOptions) {
      const { signal } = parseInput(checkOptionsSchema, checkOptions, "check options") ?? {};
      const { reasons, nfc } = local(password, context);
      // A password refused for its form is not sent anywhere, not even as a hash prefix.
      const formOnly = reasons.includes("invalid") || reasons.includes("too_long") || reasons.includes("too_short");
      if (opts.breached === undefined || formOnly) {
        return reasons.length === 0 ? { ok: true, password: nfc } : { ok: false, reasons };
      }
      const breach = await opts.breached.check(nfc, signal === undefined ? {} : { signal });
      if (breach.ok && breach.breached) {
        reasons.push("breached");
        return { ok: false, reasons, breachCount: breach.count };
      }
      if (!breach.ok && !breach.allow) reasons.push("breach_check_unavailable");
      return reasons.length === 0 ? { ok: true, password: nfc } : { ok: false, reasons };
    },
  };
}
