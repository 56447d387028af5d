import { crc32 as zlibCrc32 } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BASE62_ALPHABET, base62DecodeUint } from "../../src/_internal/encoding.js";
import { systemRandom, randomBase62 } from "../../src/_internal/runtime.js";
import { apiKeyPattern, parseApiKey } from "../../src/apikeys/index.js";
import { crc32 } from "../../src/apikeys/crc32.js";
import { formatApiKey } from "../../src/apikeys/format.js";
import { WRONG_TYPES, expectMoatError } from "../helpers/assertions.js";

const base62Char = fc.constantFrom(...Array.from(BASE62_ALPHABET));
const prefixArb = fc.string({
  unit: fc.constantFrom(...Array.from("abcdefghijklmnopqrstuvwxyz0123456789")),
  minLength: 2,
  maxLength: 16,
});
const envArb = fc.constantFrom("live" as const, "test" as const);
const bodyArb = fc.string({ unit: base62Char, minLength: 32, maxLength: 64 });

function newKey(prefix = "acme", env: "live" | "test" = "live"): string {
  return formatApiKey(prefix, env, randomBase62(systemRandom, 32));
}

describe("crc32", () => {
  it('gives the catalogue check value: CRC32("123456789") = cbf43926', () => {
    expect(crc32("123456789").toString(16)).toBe("cbf43926");
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  });

  it("is 0 for empty input and matches known values", () => {
    expect(crc32("")).toBe(0);
    expect(crc32("The quick brown fox jumps over the lazy dog")).toBe(0x414fa339);
  });

  it("agrees with zlib.crc32 on arbitrary bytes and strings (non-ASCII via UTF-8)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(crc32(bytes)).toBe(zlibCrc32(bytes));
      }),
    );
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 80 }), (text) => {
        expect(crc32(text)).toBe(zlibCrc32(Buffer.from(text, "utf8")));
      }),
    );
  });

  it("honours `end` as a prefix length", () => {
    expect(crc32("123456789xyz", 9)).toBe(0xcbf43926);
  });
});

describe("key format", () => {
  it("builds <prefix>_<env>_<body><checksum> with a 6-character base62 CRC-32 of the rest", () => {
    const body = "4Fh2".padEnd(32, "x");
    const key = formatApiKey("acme", "live", body);
    const head = `acme_live_${body}`;
    expect(key.startsWith(head)).toBe(true);
    const checksum = key.slice(head.length);
    expect(checksum).toMatch(/^[0-9A-Za-z]{6}$/);
    expect(base62DecodeUint(checksum)).toBe(zlibCrc32(Buffer.from(head)));
  });

  it("round-trips through parseApiKey for every prefix, environment and body length", () => {
    fc.assert(
      fc.property(prefixArb, envArb, bodyArb, (prefix, env, body) => {
        const key = formatApiKey(prefix, env, body);
        const parsed = parseApiKey(key);
        expect(parsed).not.toBeNull();
        expect(parsed?.prefix).toBe(prefix);
        expect(parsed?.env).toBe(env);
        expect(parsed?.body).toBe(body);
        expect(parsed?.checksumValid).toBe(true);
        expect(`${prefix}_${env}_${parsed?.body ?? ""}${parsed?.checksum ?? ""}`).toBe(key);
      }),
    );
  });
});

describe("parseApiKey", () => {
  it("reports a well-shaped key with a wrong checksum as checksumValid: false", () => {
    const key = newKey();
    const last = key.at(-1) === "0" ? "1" : "0";
    const parsed = parseApiKey(key.slice(0, -1) + last);
    expect(parsed?.checksumValid).toBe(false);
    expect(parsed?.prefix).toBe("acme");
  });

  it("returns null for empty, malformed and over-long input", () => {
    const key = newKey();
    const body = key.slice("acme_live_".length);
    const cases = [
      "",
      "acme",
      "acme_live_",
      `Acme_live_${body}`, // upper-case prefix
      `a_live_${body}`, // prefix too short
      `${"a".repeat(17)}_live_${body}`, // prefix too long
      `acme_prod_${body}`, // unknown environment
      `acme_live_${body.slice(0, 37)}`, // 31-character body
      `acme_live_${body.slice(0, -1)}-`, // non-base62
      `acme_live_${body} `,
      ` ${key}`,
      `${key}\n`,
      `acme__live_${body}`,
      `acme_live_${"é".repeat(38)}`,
      formatApiKey("acme", "live", "x".repeat(241)), // 257 characters, checksum and all valid
    ];
    for (const input of cases) expect(parseApiKey(input), JSON.stringify(input.slice(0, 40))).toBeNull();
    // 256 characters exactly is still a key.
    const longest = formatApiKey("acme", "live", "x".repeat(240));
    expect(longest).toHaveLength(256);
    expect(parseApiKey(longest)?.checksumValid).toBe(true);
  });

  it("throws ERR_INVALID_INPUT for wrong types", () => {
    for (const value of WRONG_TYPES) {
      // @ts-expect-error: wrong types on purpose
      expectMoatError(() => parseApiKey(value), "ERR_INVALID_INPUT");
    }
  });

  it("never throws on arbitrary strings, and accepts only what it can rebuild", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.string({ unit: base62Char, maxLength: 60 }).map((s) => `acme_live_${s}`),
        ),
        (input) => {
          const parsed = parseApiKey(input);
          if (parsed !== null) expect(`${parsed.prefix}_${parsed.env}_${parsed.body}${parsed.checksum}`).toBe(input);
        },
      ),
    );
  });
});

describe("apiKeyPattern", () => {
  it("finds every key in text around quotes, '=', JSON, URLs and line ends", () => {
    const a = newKey();
    const b = newKey("acme", "test");
    const c = newKey();
    const text = [
      `export ACME_KEY=${a}`,
      `{"key":"${b}","other":1}`,
      `curl https://api.example.com/v1?key=${c}&x=1`,
      `Authorization: Bearer ${a}.`,
    ].join("\n");
    expect([...text.matchAll(apiKeyPattern("acme"))].map((m) => m[0])).toEqual([a, b, c, a]);
    expect(text.match(apiKeyPattern("acme"))).toEqual([a, b, c, a]);
  });

  it("finds keys where logs hold them: after percent-encoding and JSON or string escapes", () => {
    const keys = Array.from({ length: 8 }, () => newKey());
    const text = [
      `GET /v1?q=%22${keys[0]}%22`,
      `body=api_key%3D${keys[1]}&x=1`,
      `{"log":"line one\\n${keys[2]}"}`,
      `{"log":"col\\t${keys[3]}"}`,
      `{"log":"\\u0022${keys[4]}\\u0022"}`,
      `repr: b'\\x27${keys[5]}\\x27'`,
      `cr\\r${keys[6]}`,
      `api_key%3d${keys[7]}`,
    ].join("\n");
    expect(text.match(apiKeyPattern("acme"))).toEqual(keys);
  });

  it("ignores other prefixes, keys glued to word characters, and runs too long to be a key", () => {
    const key = newKey();
    const other = newKey("acmex");
    const tooLong = formatApiKey("acme", "live", "x".repeat(241)); // 257 characters
    const text = [other, `x${key}`, `_${key}`, `${key}_`, tooLong, newKey("beta")].join(" ");
    expect(text.match(apiKeyPattern("acme"))).toBeNull();
  });

  it("matches a key with a character appended (it has a key's shape) but the checksum rules it out", () => {
    // A fixed key: for a random one the shifted checksum would match by chance once in 2^32.
    const key = formatApiKey("acme", "live", "4Fh2".padEnd(32, "k"));
    const found = `${key}y`.match(apiKeyPattern("acme"));
    expect(found).toEqual([`${key}y`]);
    expect(parseApiKey(`${key}y`)?.checksumValid).toBe(false);
  });

  it("matches every key the format produces, and each match parses with a valid checksum", () => {
    fc.assert(
      fc.property(
        prefixArb,
        envArb,
        bodyArb,
        fc.constantFrom(" ", "\n", '"', "'", "=", ":", ",", "(", ")", "<", ">"),
        (prefix, env, body, sep) => {
          const key = formatApiKey(prefix, env, body);
          const found = `text${sep}${key}${sep}more`.match(apiKeyPattern(prefix));
          expect(found).toEqual([key]);
          expect(parseApiKey(found?.[0] ?? "")?.checksumValid).toBe(true);
        },
      ),
    );
  });

  it("returns a fresh global RegExp on each call", () => {
    const p = apiKeyPattern("acme");
    expect(p.flags).toBe("g");
    expect(apiKeyPattern("acme")).not.toBe(p);
  });

  it("rejects invalid prefixes and wrong types with ERR_INVALID_INPUT", () => {
    for (const prefix of ["", "a", "A1", "acme_", "a".repeat(17), "ac me", "ac.me", "ácme", ".*"]) {
      expectMoatError(() => apiKeyPattern(prefix), "ERR_INVALID_INPUT");
    }
    for (const value of WRONG_TYPES) {
      // @ts-expect-error: wrong types on purpose
      expectMoatError(() => apiKeyPattern(value), "ERR_INVALID_INPUT");
    }
  });
});
