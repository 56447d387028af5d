/**
 * Typo detection. Why no collision allowance is needed for a single changed character: the
 * checksum is CRC-32 over the ASCII text before it, and CRC-32 detects every error burst of 32
 * bits or fewer; changing one character changes one byte (a burst of at most 8 bits), so the
 * CRC always changes. A change inside the 6 checksum characters is caught because a CRC value
 * has exactly one 6-character encoding, compared as a string. The same holds for swapping two
 * adjacent characters (a 16-bit burst).
 *
 * Changes further apart can collide: any corruption not covered by the burst property passes
 * the checksum with probability about 2^-32. The last test measures that honestly instead of
 * pretending it is zero.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BASE62_ALPHABET, isBase62 } from "../../src/_internal/encoding.js";
import { createMemoryApiKeyStore } from "../../src/adapters/memory/index.js";
import { type ApiKeyStore, createApiKeys, parseApiKey } from "../../src/apikeys/index.js";
import { formatApiKey } from "../../src/apikeys/format.js";

const PRINTABLE = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));
/** Every printable ASCII character, some controls and some non-ASCII, including look-alikes. */
const REPLACEMENTS = [...PRINTABLE, "\0", "\t", "\n", "\u00e9", "\u0430", "\u2026", "\u{1f511}"];
const HEAD = "acme_live_".length;

function setup() {
  let storeCalls = 0;
  const inner = createMemoryApiKeyStore();
  const counted =
    <A extends unknown[], R>(fn: (...args: A) => R) =>
    (...args: A): R => {
      storeCalls++;
      return fn(...args);
    };
  const store: ApiKeyStore = {
    createApiKey: inner.createApiKey,
    findApiKeyByHash: counted(inner.findApiKeyByHash),
    getApiKey: counted(inner.getApiKey),
    listApiKeysByOwner: counted(inner.listApiKeysByOwner),
    revokeApiKey: counted(inner.revokeApiKey),
    rotateApiKey: counted(inner.rotateApiKey),
    touchApiKey: counted(inner.touchApiKey),
  };
  return { apiKeys: createApiKeys({ prefix: "acme", store }), storeCalls: () => storeCalls };
}

/** What verify must say about `key` with position `i` replaced by `c`. */
function expectedReason(i: number, c: string): "checksum" | "malformed" {
  // Past the "acme_live_" head every position is base62 (body or checksum).
  return i >= HEAD && isBase62(c) ? "checksum" : "malformed";
}

function replaceAt(key: string, i: number, c: string): string {
  return key.slice(0, i) + c + key.slice(i + 1);
}

describe("typo detection", () => {
  it("catches every single-character substitution at every position of issued keys (exhaustive)", async () => {
    const { apiKeys, storeCalls } = setup();
    const keys = await Promise.all(Array.from({ length: 3 }, () => apiKeys.issue({ ownerId: "u1", env: "live" })));
    let checked = 0;
    for (const { key } of keys) {
      const text = key.reveal();
      for (let i = 0; i < text.length; i++) {
        for (const c of REPLACEMENTS) {
          if (c === text[i]) continue;
          const typo = replaceAt(text, i, c);
          expect(await apiKeys.verify(typo), `position ${String(i)}`).toEqual({
            ok: false,
            reason: expectedReason(i, c),
          });
          // Offline too: a scanner's parse never calls a typo valid.
          expect(parseApiKey(typo)?.checksumValid ?? false).toBe(false);
          checked++;
        }
      }
    }
    expect(checked).toBe(3 * 48 * (REPLACEMENTS.length - 1));
    expect(storeCalls()).toBe(0);
  });

  it("catches a substitution anywhere in the prefix and environment too, for any prefix (offline parse)", () => {
    const prefixChar = fc.constantFrom(...Array.from("abcdefghijklmnopqrstuvwxyz0123456789"));
    fc.assert(
      fc.property(
        fc.string({ unit: prefixChar, minLength: 2, maxLength: 16 }),
        fc.constantFrom("live" as const, "test" as const),
        fc.string({ unit: fc.constantFrom(...Array.from(BASE62_ALPHABET)), minLength: 32, maxLength: 40 }),
        fc.nat(),
        fc.constantFrom(...REPLACEMENTS),
        (prefix, env, body, pos, c) => {
          const key = formatApiKey(prefix, env, body);
          const i = pos % key.length;
          fc.pre(key[i] !== c);
          expect(parseApiKey(replaceAt(key, i, c))?.checksumValid ?? false).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("catches random single substitutions and adjacent swaps in freshly issued keys (fast-check)", async () => {
    const { apiKeys, storeCalls } = setup();
    await fc.assert(
      fc.asyncProperty(fc.nat(47), fc.constantFrom(...REPLACEMENTS), fc.boolean(), async (i, c, swap) => {
        const { key } = await apiKeys.issue({ ownerId: "u1", env: "live" });
        const text = key.reveal();
        const before = storeCalls();
        if (swap) {
          const j = Math.min(i, text.length - 2);
          const swapped = text.slice(0, j) + text.charAt(j + 1) + text.charAt(j) + text.slice(j + 2);
          fc.pre(swapped !== text);
          const result = await apiKeys.verify(swapped);
          expect(result.ok).toBe(false);
          expect(["checksum", "malformed"]).toContain(!result.ok && result.reason);
        } else {
          fc.pre(text[i] !== c);
          expect(await apiKeys.verify(replaceAt(text, i, c))).toEqual({ ok: false, reason: expectedReason(i, c) });
        }
        expect(storeCalls()).toBe(before);
      }),
      { numRuns: 500 },
    );
  });

  it("lets through about 2^-32 of corruptions outside the burst guarantee (none expected in 20,000)", () => {
    // Two substitutions at least 8 characters apart: a burst longer than 32 bits, so CRC-32
    // gives no guarantee and a collision is possible with probability ~2^-32 each. Allowing
    // one in 20,000 keeps a false failure below 1e-10 while a broken checksum (one that
    // ignores some position, say) fails at once.
    const rng = fc.sample(
      fc.tuple(
        fc.string({ unit: fc.constantFrom(...Array.from(BASE62_ALPHABET)), minLength: 32, maxLength: 32 }),
        fc.nat(29),
        fc.nat(29),
        fc.constantFrom(...Array.from(BASE62_ALPHABET)),
        fc.constantFrom(...Array.from(BASE62_ALPHABET)),
      ),
      20_000,
    );
    let collisions = 0;
    let tried = 0;
    for (const [body, a, b, ca, cb] of rng) {
      const i = HEAD + Math.min(a, b);
      const j = HEAD + Math.max(a, b) + 8;
      const key = formatApiKey("acme", "live", body);
      if (key[i] === ca || key[j] === cb) continue;
      tried++;
      if (parseApiKey(replaceAt(replaceAt(key, i, ca), j, cb))?.checksumValid === true) collisions++;
    }
    expect(tried).toBeGreaterThan(18_000);
    expect(collisions).toBeLessThanOrEqual(1);
  });
});
