/**
 * Sensitive keys for structured values: the default list, and the matcher that decides whether
 * a key's value is replaced whole. Keys are compared word by word, not by substring, so a list
 * entry matches `dbPassword` but `token` does not match `max_tokens`.
 */
import { createBoundedCache } from "../_internal/bounded-cache.js";

/**
 * Keys whose values are replaced whole, whatever they contain. A key matches when a run of its
 * words equals a listed name, ignoring case and separators: `password` matches `dbPassword`
 * and `password_hash`, `api_key` matches `apiKey`, `X-API-Key` and `apikey`, `token` matches
 * `refresh_token` but not `max_tokens`.
 *
 * @example
 * ```ts
 * createRedactor({ sensitiveKeys: [...DEFAULT_SENSITIVE_KEYS, "dob"] });
 * ```
 */
export const DEFAULT_SENSITIVE_KEYS: readonly string[] = Object.freeze([
  "password",
  "passwd",
  "pwd",
  "passphrase",
  "secret",
  "token",
  "authorization",
  "cookie",
  "api_key",
  "private_key",
  "credentials",
  "credential",
  "ssn",
  "cvv",
  "cvc",
  "otp",
]);

const WORD_SPLIT = /[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/;

/** A key's words, lower-cased: `xApiKey` → `["x", "api", "key"]`. */
export function keyWords(key: string): string[] {
  return key
    .split(WORD_SPLIT)
    .filter((w) => w !== "")
    .map((w) => w.toLowerCase());
}

/** Verdicts a key matcher remembers. */
const MATCHER_CACHE_ENTRIES = 4096;

/** Compiles a sensitive-key list into a cached predicate. */
export function compileKeyMatcher(names: readonly string[]): (key: string) => boolean {
  const targets = new Set(names.map((n) => keyWords(n).join("")).filter((n) => n !== ""));
  // Keys repeat across log lines; the bound keeps hostile keys from growing the cache.
  const cache = createBoundedCache<string, boolean>(MATCHER_CACHE_ENTRIES);
  return (key) => {
    let hit = cache.get(key);
    if (hit !== undefined) return hit;
    hit = false;
    const words = keyWords(key);
    outer: for (let i = 0; i < words.length; i++) {
      let joined = "";
      for (let j = i; j < words.length; j++) {
        joined += words[j] ?? "";
        if (targets.has(joined)) {
          hit = true;
          break outer;
        }
      }
    }
    cache.set(key, hit);
    return hit;
  };
}
