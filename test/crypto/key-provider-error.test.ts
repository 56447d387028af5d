/**
 * Pins down KeyProviderError (src/crypto/key-provider.ts): its name, failure and retryable flag
 * (unavailable, throttled and timeout retry; the rest do not), and its cause: kept when given,
 * and no `cause` property at all when not.
 */
import { describe, expect, it } from "vitest";
import { KeyProviderError, type KeyProviderFailure } from "../../src/crypto/index.js";

describe("KeyProviderError", () => {
  const failures: [KeyProviderFailure, boolean][] = [
    ["unavailable", true],
    ["throttled", true],
    ["timeout", true],
    ["denied", false],
    ["key_disabled", false],
    ["not_found", false],
    ["invalid_response", false],
  ];
  for (const [failure, retryable] of failures) {
    it(`${failure}: ${retryable ? "retryable" : "not retryable"}`, () => {
      const error = new KeyProviderError(failure, `vault transit: ${failure}`);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe("KeyProviderError");
      expect(String(error)).toBe(`KeyProviderError: vault transit: ${failure}`);
      expect(error.failure).toBe(failure);
      expect(error.retryable).toBe(retryable);
    });
  }

  it("keeps the cause it is given", () => {
    const cause = new Error("HTTP 503");
    expect(new KeyProviderError("unavailable", "down", { cause }).cause).toBe(cause);
    expect(new KeyProviderError("denied", "no", { cause: "403" }).cause).toBe("403");
  });

  it("has no cause property when given none", () => {
    expect(Object.hasOwn(new KeyProviderError("denied", "no"), "cause")).toBe(false);
    expect(Object.hasOwn(new KeyProviderError("denied", "no", {}), "cause")).toBe(false);
    expect(Object.hasOwn(new KeyProviderError("denied", "no", { cause: undefined }), "cause")).toBe(false);
  });
});
