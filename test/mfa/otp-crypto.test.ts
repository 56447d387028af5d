import { describe, expect, it } from "vitest";
import type { HashAlgorithm } from "otplib";
import { otpCrypto } from "../../src/mfa/otp-crypto.js";
import { expectMoatError } from "../helpers/assertions.js";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("otplib crypto plugin", () => {
  it.each(["md5", "sha384", "constructor", "toString", "__proto__"])(
    "refuses to compute an HMAC with %j instead of falling back to some other hash",
    (algorithm) => {
      const err = expectMoatError(
        () => otpCrypto.hmac(algorithm as HashAlgorithm, bytes("key"), bytes("data")),
        "ERR_UNSUPPORTED",
      );
      expect(err.message).toMatch(/TOTP algorithm/);
    },
  );

  it("compares two strings and two byte arrays by content", () => {
    expect(otpCrypto.constantTimeEqual("123456", "123456")).toBe(true);
    expect(otpCrypto.constantTimeEqual("123456", "123457")).toBe(false);
    expect(otpCrypto.constantTimeEqual(bytes("123456"), bytes("123456"))).toBe(true);
    expect(otpCrypto.constantTimeEqual(bytes("123456"), bytes("123457"))).toBe(false);
    expect(otpCrypto.constantTimeEqual(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2))).toBe(false);
  });

  it("never calls a string equal to a byte array, whatever their contents", () => {
    // The string that a byte array turns into when coerced, and the array's own bytes as text.
    for (const [text, arr] of [
      ["1,2,3", Uint8Array.of(1, 2, 3)],
      ["abc", bytes("abc")],
      ["", new Uint8Array(0)],
    ] as const) {
      expect(otpCrypto.constantTimeEqual(text, arr)).toBe(false);
      expect(otpCrypto.constantTimeEqual(arr, text)).toBe(false);
    }
  });
});
