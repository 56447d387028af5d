/**
 * The audit event builder: validates what the application says happened, computes the redacted
 * diff, masks PII and stamps the event with an id and a time.
 */
import { z } from "zod";
import { functionSchema } from "../_internal/function-schema.js";
import { parseInput, parseOptions } from "../_internal/options.js";
import { type Clock, type RandomSource, systemClock, systemRandom } from "../_internal/runtime.js";
import { MoatError } from "../errors.js";
import { type AuditDiffEntry, diffJson } from "./diff.js";
import {
  type AuditEvent,
  MAX_METADATA_BYTES,
  MAX_SNAPSHOT_BYTES,
  MAX_USER_AGENT_LENGTH,
  idSchema,
  ipSchema,
  jsonBytes,
  jsonSchema,
  markValidated,
  nameSchema,
  stripControlCharacters,
} from "./event.js";
import { uuidv7 } from "./event-id.js";
import { createRedactor } from "../redact/redactor.js";
import type { JsonObject } from "./json-value.js";
import {
  DEFAULT_SENSITIVE_KEY_SUBSTRINGS,
  MIN_SENSITIVE_KEY_LENGTH,
  type Redaction,
  type TextRedactor,
  createRedaction,
  normalizeKey,
} from "./redaction.js";

/**
 * The text redactor used when none is configured: moatkit/redact's default detectors (email,
 * US SSN, phone, payment cards), so PII inside free text never reaches the log. Key-based
 * redaction applies on top. Pass `redactor: { redact: (t) => t }` to turn text redaction off.
 */
function defaultTextRedactor(): TextRedactor {
  return createRedactor();
}

/** Request details of an event, as {@link auditContextFromRequest} extracts them. */
export interface AuditRequestContext {
  /** The request id (1–256 characters), or `null`. */
  readonly id?: string | null | undefined;
  /** The client IP address (IPv4 or IPv6), or `null`. */
  readonly ip?: string | null | undefined;
  /** The user agent; control characters are removed and it is cut to 512 characters. */
  readonly userAgent?: string | null | undefined;
}

/** Per-event redaction settings, added to the builder's. */
export interface AuditRedactOptions {
  /** More sensitive key substrings for this event (the builder's list still applies). */
  readonly sensitiveKeys?: readonly string[] | undefined;
  /** A text redactor for this event, instead of the builder's. */
  readonly redactor?: TextRedactor | undefined;
}

/** What happened, as {@link AuditEventBuilder.build} takes it. */
export interface AuditEventInput {
  /** The organisation (tenant): 1–256 characters. */
  readonly orgId: string;
  /** Who acted. */
  readonly actor: {
    /** The user the action is attributed to (1–256 characters). */
    readonly userId: string;
    /** The staff member acting as `userId`, when impersonating. */
    readonly impersonatorId?: string | undefined;
  };
  /** What was done, e.g. `"member.role_change"` (1–128 characters). */
  readonly action: string;
  /** What it was done to. */
  readonly target: {
    /** The kind of thing, e.g. `"api_key"` (1–128 characters). */
    readonly type: string;
    /** Its id (1–256 characters). */
    readonly id: string;
  };
  /** The request it happened in (see {@link auditContextFromRequest}). */
  readonly request?: AuditRequestContext | undefined;
  /** The record before the change (omit for a creation); JSON, at most 128 KiB. */
  readonly before?: unknown;
  /** The record after the change (omit for a deletion); JSON, at most 128 KiB. */
  readonly after?: unknown;
  /** Your own JSON data about the event, at most 64 KiB; redacted like the diff. */
  readonly metadata?: Readonly<Record<string, unknown>> | undefined;
  /** Extra redaction for this event. */
  readonly redact?: AuditRedactOptions | undefined;
}

/** Options for {@link createAuditEventBuilder}. */
export interface AuditEventBuilderOptions {
  /** Clock in milliseconds; default `Date.now`. */
  readonly now?: Clock;
  /** CSPRNG for event ids; default `crypto.getRandomValues`. */
  readonly random?: RandomSource;
  /**
   * Key substrings whose values are always `"[REDACTED]"`; replaces
   * {@link DEFAULT_SENSITIVE_KEY_SUBSTRINGS} (spread it to extend it). Each must keep at least 3 letters
   * or digits.
   */
  readonly sensitiveKeys?: readonly string[];
  /** Masks PII in every string and key of the diff and metadata. Default: none (keys only). */
  readonly redactor?: TextRedactor;
}

/** Builds audit events; made by {@link createAuditEventBuilder}. */
export interface AuditEventBuilder {
  /**
   * Validates `input` and returns the event: a new UUIDv7 `id`, the current time as `at`, the
   * request fields (`null` when absent), the redacted diff when `before` or `after` is given,
   * and the redacted metadata. The event is frozen (deeply): what was validated and redacted is
   * what gets appended.
   *
   * @throws MoatError ERR_INVALID_INPUT with zod's issues in `details.issues` (missing org,
   *   bad IP, metadata over 64 KiB, a value that is not JSON …).
   */
  build(input: AuditEventInput): AuditEvent;
}

/** Whether `value` has a `redact(text)` method, which is all a text redactor needs. */
function isTextRedactor(value: unknown): value is TextRedactor {
  return typeof value === "object" && value !== null && typeof Reflect.get(value, "redact") === "function";
}

/** A sensitive key substring: a string keeping at least 3 letters or digits once normalized. */
const sensitiveKeySchema: z.ZodType<string, string> = z
  .string()
  .max(128)
  .refine((k) => normalizeKey(k).length >= MIN_SENSITIVE_KEY_LENGTH, "must contain at least 3 letters or digits");

/** The redaction options shared by the builder and the log. */
export const redactionOptionShape: {
  sensitiveKeys: z.ZodOptional<z.ZodArray<z.ZodType<string, string>>>;
  redactor: z.ZodOptional<z.ZodCustom<TextRedactor, TextRedactor>>;
} = {
  sensitiveKeys: z.array(sensitiveKeySchema).max(200).optional(),
  redactor: z.custom<TextRedactor>(isTextRedactor, "expected an object with a redact(text) method").optional(),
};

const builderOptionsSchema = z.strictObject({
  now: functionSchema<Clock>().optional(),
  random: functionSchema<RandomSource>().optional(),
  ...redactionOptionShape,
});

const inputSchema = z.strictObject({
  orgId: idSchema,
  actor: z.strictObject({ userId: idSchema, impersonatorId: idSchema.optional() }),
  action: nameSchema,
  target: z.strictObject({ type: nameSchema, id: idSchema }),
  request: z
    .strictObject({
      id: idSchema.nullable().optional(),
      ip: ipSchema.nullable().optional(),
      userAgent: z
        .string()
        .max(64 * 1024)
        .nullable()
        .optional(),
    })
    .optional(),
  before: jsonSchema(MAX_SNAPSHOT_BYTES, false).optional(),
  after: jsonSchema(MAX_SNAPSHOT_BYTES, false).optional(),
  metadata: jsonSchema(MAX_METADATA_BYTES, true).optional(),
  redact: z.strictObject(redactionOptionShape).optional(),
});

/** A user agent as stored: control characters removed, cut to 512 characters, `null` if empty. */
export function cleanUserAgent(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const cleaned = stripControlCharacters(value).trim().slice(0, MAX_USER_AGENT_LENGTH);
  return cleaned === "" ? null : cleaned;
}

function metadataTooLarge(): MoatError {
  return new MoatError("ERR_INVALID_INPUT", {
    message: 'invalid audit event at "metadata"',
    details: {
      issues: [
        {
          path: ["metadata"],
          code: "too_big",
          message: `must be at most ${String(MAX_METADATA_BYTES)} bytes as JSON once redacted`,
        },
      ],
    },
  });
}

/**
 * An event builder with its own clock, randomness, sensitive keys and text redactor.
 *
 * @throws MoatError ERR_CONFIG for invalid options.
 * @example
 * ```ts
 * import { createRedactor } from "moatkit/redact";
 * const builder = createAuditEventBuilder({
 *   sensitiveKeys: [...DEFAULT_SENSITIVE_KEY_SUBSTRINGS, "ssn"],
 *   redactor: createRedactor(),
 * });
 * const event = builder.build({ orgId, actor: { userId }, action: "user.update", target: { type: "user", id }, before, after });
 * ```
 */
export function createAuditEventBuilder(options: AuditEventBuilderOptions = {}): AuditEventBuilder {
  const opts = parseOptions(builderOptionsSchema, options, "createAuditEventBuilder options");
  const now = opts.now ?? systemClock;
  const random = opts.random ?? systemRandom;
  const baseKeys = opts.sensitiveKeys ?? DEFAULT_SENSITIVE_KEY_SUBSTRINGS;
  const baseRedactor = opts.redactor ?? defaultTextRedactor();
  const baseRedaction = createRedaction(baseKeys, baseRedactor);

  const redactionFor = (
    extra: { sensitiveKeys?: readonly string[] | undefined; redactor?: TextRedactor | undefined } | undefined,
  ): Redaction => {
    if (extra === undefined || (extra.sensitiveKeys === undefined && extra.redactor === undefined))
      return baseRedaction;
    return createRedaction([...baseKeys, ...(extra.sensitiveKeys ?? [])], extra.redactor ?? baseRedactor);
  };

  return {
    build(input: AuditEventInput): AuditEvent {
      const v = parseInput(inputSchema, input, "audit event");
      const redaction = redactionFor(v.redact);
      let diff: AuditDiffEntry[] | undefined;
      if (v.before !== undefined || v.after !== undefined) diff = diffJson(v.before, v.after, redaction);
      let metadata: JsonObject | undefined;
      if (v.metadata !== undefined) {
        metadata = redaction.object(v.metadata);
        if (jsonBytes(metadata) > MAX_METADATA_BYTES) throw metadataTooLarge();
      }
      const nowMs = Math.floor(now());
      if (!Number.isFinite(nowMs))
        throw new MoatError("ERR_CONFIG", { message: "the audit clock returned a non-finite time" });
      const actor =
        v.actor.impersonatorId === undefined
          ? { userId: v.actor.userId }
          : { userId: v.actor.userId, impersonatorId: v.actor.impersonatorId };
      return markValidated({
        id: uuidv7(nowMs, random),
        at: new Date(nowMs).toISOString(),
        orgId: v.orgId,
        actor,
        action: v.action,
        target: { type: v.target.type, id: v.target.id },
        requestId: v.request?.id ?? null,
        ip: v.request?.ip ?? null,
        userAgent: cleanUserAgent(v.request?.userAgent),
        ...(diff === undefined ? {} : { diff }),
        ...(metadata === undefined ? {} : { metadata }),
      });
    },
  };
}

let defaultBuilder: AuditEventBuilder | undefined;

/**
 * Builds an audit event with the default builder (system clock, {@link DEFAULT_SENSITIVE_KEY_SUBSTRINGS},
 * default text redactor). Use {@link createAuditEventBuilder} to configure redaction.
 *
 * @throws MoatError ERR_INVALID_INPUT with zod's issues in `details.issues`.
 * @example
 * ```ts
 * const event = buildAuditEvent({
 *   orgId: "org_1",
 *   actor: { userId: "user_1", impersonatorId: "staff_7" },
 *   action: "member.role_change",
 *   target: { type: "member", id: "mem_9" },
 *   request: auditContextFromRequest(req, { trustProxy: 1 }),
 *   before: { role: "member" },
 *   after: { role: "admin" },
 * });
 * // event.diff → [{ path: "/role", op: "change", before: "member", after: "admin" }]
 * ```
 */
export function buildAuditEvent(input: AuditEventInput): AuditEvent {
  defaultBuilder ??= createAuditEventBuilder();
  return defaultBuilder.build(input);
}

/**
 * The redacted diff between two versions of a record, as the builder computes it: JSON Pointer
 * paths, `add` / `remove` / `change`, values under sensitive keys replaced by `"[REDACTED]"`,
 * other strings and keys passed through the text redactor. Objects are compared key by key and
 * arrays index by index; a missing side counts as `{}`.
 *
 * @throws MoatError ERR_INVALID_INPUT when either side is not JSON (a BigInt, NaN, a cycle …)
 *   or larger than 128 KiB.
 * @example
 * ```ts
 * computeAuditDiff({ email: "a@x.io", password: "old" }, { email: "a@x.io", password: "new" });
 * // → [{ path: "/password", op: "change", before: "[REDACTED]", after: "[REDACTED]" }]
 * ```
 */
export function computeAuditDiff(before: unknown, after: unknown, options: AuditRedactOptions = {}): AuditDiffEntry[] {
  const opts = parseOptions(z.strictObject(redactionOptionShape), options, "computeAuditDiff options");
  const sides = parseInput(
    z.strictObject({
      before: jsonSchema(MAX_SNAPSHOT_BYTES, false).optional(),
      after: jsonSchema(MAX_SNAPSHOT_BYTES, false).optional(),
    }),
    { before, after },
    "audit diff input",
  );
  const redaction = createRedaction(
    opts.sensitiveKeys ?? DEFAULT_SENSITIVE_KEY_SUBSTRINGS,
    opts.redactor ?? defaultTextRedactor(),
  );
  return diffJson(sides.before, sides.after, redaction);
}
