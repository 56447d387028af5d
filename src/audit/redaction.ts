/**
 * Redaction of audit payloads, in two layers. Values under a sensitive key (password, token,
 * apiKey …) are replaced whole, whatever they contain. Every other string (and every object key,
 * since applications key maps by email address) passes through an optional text redactor that
 * finds PII inside free text, such as `createRedactor()` from `moatkit/redact`.
 */
import { REDACTED } from "../_internal/redacted.js";
import { MoatError } from "../errors.js";
import { type JsonObject, type JsonValue, isJsonObject } from "./json-value.js";

/** Finds and masks PII in free text; `createRedactor()` from `moatkit/redact` is one. */
export interface TextRedactor {
  /** `text` with every piece of PII replaced. Must return a string. */
  redact(text: string): string;
}

export { REDACTED };

/**
 * Key substrings whose values are always redacted. A key matches when, lower-cased and stripped
 * of everything but letters and digits, it contains one of these: `api_key`, `X-Api-Key`,
 * `totpSecret`, `refresh_token` and `Set-Cookie` all match. Matching by substring errs towards
 * redacting too much (`tokenCount` matches), which is the safe side for an audit trail. (The
 * list of `moatkit/redact`, `DEFAULT_SENSITIVE_KEYS`, matches whole words of a key instead.)
 *
 * @example
 * ```ts
 * createAuditEventBuilder({ sensitiveKeys: [...DEFAULT_SENSITIVE_KEY_SUBSTRINGS, "dob"] });
 * ```
 */
export const DEFAULT_SENSITIVE_KEY_SUBSTRINGS: readonly string[] = Object.freeze([
  "password",
  "passwd",
  "passphrase",
  "secret",
  "token",
  "apikey",
  "privatekey",
  "authorization",
  "cookie",
  "credential",
  "totp",
  "recoverycode",
  "sessionid",
]);

/** Lower-cased letters and digits only, so `API-Key`, `api_key` and `apiKey` compare equal. */
export function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** Shortest normalized fragment accepted: shorter ones ("id", "ip") would match most keys. */
export const MIN_SENSITIVE_KEY_LENGTH = 3;

/** Redaction as applied to one event: the key list and the text redactor, resolved. */
export interface Redaction {
  /** Whether values under `key` are replaced whole. */
  isSensitiveKey(key: string): boolean;
  /** A string with PII masked (identity without a text redactor). */
  text(value: string): string;
  /** A JSON value with sensitive keys replaced and PII masked in every string and key. */
  value(value: JsonValue): JsonValue;
  /** {@link Redaction.value} for an object. */
  object(value: JsonObject): JsonObject;
}

// Integers this long may be phone or card numbers stored as numbers; shorter ones are counts.
const NUMBER_CHECK_MIN = 1_000_000;

/**
 * Builds the redaction for a key list and an optional text redactor. Keys are matched by
 * substring after {@link normalizeKey}.
 */
export function createRedaction(sensitiveKeys: readonly string[], redactor: TextRedactor | undefined): Redaction {
  const fragments = [...new Set(sensitiveKeys.map(normalizeKey))];
  const isSensitiveKey = (key: string): boolean => {
    const k = normalizeKey(key);
    return fragments.some((f) => k.includes(f));
  };
  const text = (value: string): string => {
    if (redactor === undefined) return value;
    const out: unknown = redactor.redact(value);
    if (typeof out !== "string") {
      throw new MoatError("ERR_CONFIG", { message: "the audit text redactor must return a string" });
    }
    return out;
  };
  const value = (v: JsonValue): JsonValue => {
    if (typeof v === "string") return text(v);
    if (typeof v === "number") {
      if (redactor === undefined || !Number.isSafeInteger(v) || Math.abs(v) < NUMBER_CHECK_MIN) return v;
      const digits = String(v);
      const masked = text(digits);
      return masked === digits ? v : masked;
    }
    if (v === null || typeof v === "boolean") return v;
    if (isJsonObject(v)) return redactObject(v);
    return v.map(value);
  };
  const redactObject = (obj: JsonObject): JsonObject => {
    const out: Record<string, JsonValue> = {};
    for (const [k, inner] of Object.entries(obj)) {
      const redactedValue = isSensitiveKey(k) ? REDACTED : value(inner);
      setUnique(out, text(k), redactedValue);
    }
    return out;
  };
  return { isSensitiveKey, text, value, object: redactObject };
}

/**
 * Sets `out[key]`, or `out["key (2)"]` … when masking PII made two keys equal (two email
 * addresses both becoming "[EMAIL]"), so no value is silently lost.
 */
function setUnique(out: Record<string, JsonValue>, key: string, v: JsonValue): void {
  let name = key;
  for (let n = 2; Object.hasOwn(out, name); n++) name = `${key} (${String(n)})`;
  Object.defineProperty(out, name, { value: v, enumerable: true, writable: true, configurable: true });
}
