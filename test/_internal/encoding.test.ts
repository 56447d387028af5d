import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BASE62_ALPHABET,
  base62Decode,
  base62DecodeUint,
  base62Encode,
  base62EncodeUint,
  base64Decode,
  base64Encode,
  base64urlDecode,
  base64urlDecodeAfter,
  base64urlDecodeShared,
  base64urlEncode,
  hexDecode,
  hexEncode,
  isBase62,
  toBytes,
  utf8Decode,
  utf8Encode,
} from "../../src/_internal/encoding.js";
import { WRONG_TYPES, expectMoatError } from "../helpers/assertions.js";

function expectInvalidInput(fn: () => unknown): void {
  expectMoatError(fn, "ERR_INVALID_INPUT");
}

const codecs = [
  { name: "base64url", encode: base64urlEncode, decode: base64urlDecode, maxBytes: 4096 },
  { name: "base64", encode: base64Encode, decode: base64Decode, maxBytes: 4096 },
  { name: "hex", encode: hexEncode, decode: hexDecode, maxBytes: 4096 },
  { name: "base62", encode: base62Encode, decode: base62Decode, maxBytes: 256 },
] as const;

describe.each(codecs)("$name", ({ encode, decode, maxBytes }) => {
  it("round-trips any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: maxBytes }), (bytes) => {
        expect(decode(encode(bytes))).toEqual(bytes);
      }),
    );
  });

  it("round-trips bytes with leading zeros", () => {
    fc.assert(
      fc.property(fc.nat({ max: 8 }), fc.uint8Array({ maxLength: 32 }), (zeros, rest) => {
        const bytes = new Uint8Array([...new Array<number>(zeros).fill(0), ...rest]);
        expect(decode(encode(bytes))).toEqual(bytes);
      }),
    );
  });

  it("handles empty input", () => {
    expect(encode(new Uint8Array())).toBe("");
    expect(decode("")).toEqual(new Uint8Array());
  });

  it("decodes to owned, plain Uint8Arrays", () => {
    const out = decode(encode(new Uint8Array([1, 2, 3])));
    expect(out.constructor).toBe(Uint8Array);
    expect(out.byteOffset).toBe(0);
    expect(out.buffer.byteLength).toBe(out.length);
  });

  it("rejects wrong input types with ERR_INVALID_INPUT", () => {
    for (const value of WRONG_TYPES) {
      expectInvalidInput(() => decode(value as string));
      expectInvalidInput(() => encode(value as Uint8Array));
    }
  });

  it("accepts Buffers as input", () => {
    expect(decode(encode(Buffer.from([9, 8, 7])))).toEqual(new Uint8Array([9, 8, 7]));
  });

  it("rejects strings with characters outside the alphabet", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 24 }),
        fc.constantFrom(" ", "\n", "!", "é", "\u0000", "*", "."),
        fc.nat(),
        (bytes, bad, pos) => {
          const s = encode(bytes);
          const i = pos % (s.length + 1);
          expectInvalidInput(() => decode(s.slice(0, i) + bad + s.slice(i)));
        },
      ),
    );
  });
});

describe("base64url specifics", () => {
  it("rejects padding, the standard alphabet and impossible lengths", () => {
    expectInvalidInput(() => base64urlDecode("AA=="));
    expectInvalidInput(() => base64urlDecode("a+b/"));
    expectInvalidInput(() => base64urlDecode("A"));
    expectInvalidInput(() => base64urlDecode("AAAAA"));
  });

  it("rejects non-canonical trailing bits", () => {
    expect(base64urlDecode("AA")).toEqual(new Uint8Array([0]));
    expectInvalidInput(() => base64urlDecode("AB"));
    expectInvalidInput(() => base64urlDecode("AAB"));
  });

  it("matches RFC 4648 test vectors", () => {
    const vectors: [string, string][] = [
      ["", ""],
      ["f", "Zg"],
      ["fo", "Zm8"],
      ["foo", "Zm9v"],
      ["foob", "Zm9vYg"],
      ["fooba", "Zm9vYmE"],
      ["foobar", "Zm9vYmFy"],
    ];
    for (const [text, encoded] of vectors) {
      expect(base64urlEncode(utf8Encode(text))).toBe(encoded);
      expect(utf8Decode(base64urlDecode(encoded))).toBe(text);
    }
    expect(base64urlEncode(new Uint8Array([0xfb, 0xff]))).toBe("-_8");
  });

  // The decoder checks strictness around Node's lenient one (issue 18 item 8): it must accept
  // exactly the strings a character-by-character strict decoder accepts, at every length.
  it("accepts exactly what a strict reference decoder accepts, short and long", () => {
    const reference = (s: string): Uint8Array | "invalid" => {
      if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) return "invalid";
      const bytes = new Uint8Array(Buffer.from(s, "base64url"));
      return Buffer.from(bytes).toString("base64url") === s ? bytes : "invalid";
    };
    const outcome = (s: string, decode: (t: string) => Uint8Array): Uint8Array | "invalid" => {
      try {
        return decode(s);
      } catch {
        return "invalid";
      }
    };
    const chars = fc.constantFrom(
      ..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".split(""),
      ..."+/= \n\t.*%\u00e9\u0100\uff0b\u0000".split(""),
    );
    const mostlyValid = fc.oneof(
      fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b).toString("base64url")),
      fc.string({ unit: chars, maxLength: 40 }),
    );
    const mutated = fc
      .tuple(mostlyValid, fc.nat(), chars)
      .map(([s, at, c]) => (s.length === 0 ? c : s.slice(0, at % s.length) + c + s.slice((at % s.length) + 1)));
    fc.assert(
      fc.property(fc.oneof(mostlyValid, mutated), (s) => {
        expect(outcome(s, base64urlDecode)).toEqual(reference(s));
        expect(outcome(s, base64urlDecodeShared)).toEqual(reference(s));
        // With room left before the decoded bytes (how a string token is parsed).
        expect(outcome(s, (t) => new Uint8Array(base64urlDecodeAfter(t, 7).subarray(7)))).toEqual(reference(s));
      }),
      { numRuns: 3000 },
    );
  });
});

describe("base64 specifics", () => {
  it("requires padding and rejects whitespace and the url alphabet", () => {
    expect(base64Encode(utf8Encode("fo"))).toBe("Zm8=");
    expectInvalidInput(() => base64Decode("Zm8"));
    expectInvalidInput(() => base64Decode("Zm8= "));
    expectInvalidInput(() => base64Decode("Zm 8="));
    expectInvalidInput(() => base64Decode("-_8="));
    expectInvalidInput(() => base64Decode("Zm9="));
    expectInvalidInput(() => base64Decode("===="));
  });
});

describe("hex specifics", () => {
  it("accepts either case, emits lower case and rejects odd lengths", () => {
    expect(hexDecode("ABcd")).toEqual(new Uint8Array([0xab, 0xcd]));
    expect(hexEncode(new Uint8Array([0xab, 0xcd]))).toBe("abcd");
    expectInvalidInput(() => hexDecode("abc"));
    expectInvalidInput(() => hexDecode("0x12"));
  });
});

describe("base62 specifics", () => {
  it("uses 0-9A-Za-z in value order", () => {
    expect(BASE62_ALPHABET).toHaveLength(62);
    expect(base62Encode(new Uint8Array([61]))).toBe("z");
    expect(base62Encode(new Uint8Array([62]))).toBe("10");
    expect(base62Encode(new Uint8Array([0, 0, 1]))).toBe("001");
    expect(base62Decode("001")).toEqual(new Uint8Array([0, 0, 1]));
  });

  it("is a bijection: every base62 string decodes and re-encodes to itself", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...BASE62_ALPHABET.split("")), maxLength: 64 }), (s) => {
        expect(base62Encode(base62Decode(s))).toBe(s);
      }),
    );
  });

  it("refuses oversized input instead of running quadratic work", () => {
    expectInvalidInput(() => base62Encode(new Uint8Array(1025)));
    expectInvalidInput(() => base62Decode("z".repeat(2000)));
  });

  it("encodes fixed-width integers (API key checksums) and round-trips them", () => {
    expect(base62EncodeUint(0, 6)).toBe("000000");
    expect(base62EncodeUint(0xcbf43926, 6)).toBe(base62EncodeUint(3421780262, 6));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
        const s = base62EncodeUint(n, 6);
        expect(s).toHaveLength(6);
        expect(base62DecodeUint(s)).toBe(n);
      }),
    );
    expectInvalidInput(() => base62EncodeUint(62 ** 2, 2));
    expectInvalidInput(() => base62EncodeUint(-1, 6));
    expectInvalidInput(() => base62EncodeUint(1.5, 6));
    expectInvalidInput(() => base62DecodeUint(""));
    expectInvalidInput(() => base62DecodeUint("123456789"));
    expectInvalidInput(() => base62DecodeUint("12-4"));
  });

  it("isBase62 checks the alphabet only", () => {
    expect(isBase62("abcXYZ019")).toBe(true);
    expect(isBase62("abc_")).toBe(false);
    expect(isBase62("ä")).toBe(false);
  });
});

describe("UTF-8", () => {
  it("round-trips well-formed strings", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (s) => {
        expect(utf8Decode(utf8Encode(s))).toBe(s);
      }),
    );
  });

  it("rejects invalid sequences instead of replacing them", () => {
    expectInvalidInput(() => utf8Decode(new Uint8Array([0xc3])));
    expectInvalidInput(() => utf8Decode(new Uint8Array([0xff, 0xfe])));
  });

  it("toBytes accepts strings and byte arrays only", () => {
    expect(toBytes("é")).toEqual(new Uint8Array([0xc3, 0xa9]));
    expect(toBytes(new Uint8Array([1]))).toEqual(new Uint8Array([1]));
    for (const value of WRONG_TYPES) expectInvalidInput(() => toBytes(value as string));
  });
});

describe("base64url short and long paths", () => {
  it("agrees with Buffer on both sides of the length where the decoder switches paths", () => {
    for (const n of [0, 1, 2, 3, 700, 765, 766, 767, 768, 769, 770, 3000]) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 37 + n) & 0xff);
      const encoded = base64urlEncode(bytes);
      expect(Buffer.from(base64urlDecode(encoded)).equals(Buffer.from(bytes))).toBe(true);
      if (encoded.length > 0) {
        expect(() => base64urlDecode(`${encoded.slice(0, -1)}*`)).toThrow();
        expect(() => base64urlDecode(`${encoded.slice(0, -1)}+`)).toThrow();
      }
    }
  });
});
