/**
 * Blind index refusals, pinned by code and by what the message names: a `normalize` option that
 * is not a function (refused when the index is created, not at first use), an unknown `keyId`,
 * a `normalize` that returns a non-string, a value of the wrong type, and the 1 MiB value limit
 * (exactly 1 MiB is accepted, one byte more is refused).
 */
import { describe, expect, it } from "vitest";
import { createBlindIndex } from "../../src/crypto/index.js";
import { testKeyring } from "../../src/testing/index.js";
import { expectMoatError } from "../helpers/assertions.js";

const MIB = 1024 * 1024;

describe("createBlindIndex refusals", () => {
  it("refuses a normalize option that is not a function when the index is created", () => {
    const keyring = testKeyring(["k1"]);
    for (const normalize of ["lower", 42, {}, null]) {
      const err = expectMoatError(
        () => createBlindIndex({ keyring, name: "users.email", bits: 32, normalize } as never),
        "ERR_CONFIG",
      );
      expect(err.message).toContain("createBlindIndex options");
      expect(err.message).toContain("normalize");
    }
  });

  it("names the options in a refusal of bad options", () => {
    const keyring = testKeyring(["k1"]);
    const err = expectMoatError(() => createBlindIndex({ keyring, name: "n", bits: 16 }), "ERR_CONFIG");
    expect(err.message).toContain("createBlindIndex options");
    expect(err.message).toContain("bits");
  });

  it("names the key id that is not in the keyring", () => {
    const keyring = testKeyring(["k1", "k2"]);
    const err = expectMoatError(() => createBlindIndex({ keyring, name: "n", bits: 32, keyId: "k9" }), "ERR_CONFIG");
    expect(err.message).toContain("k9");
    expect(err.message).toContain("not in the keyring");
  });

  it("says that normalize must return a string when it does not", () => {
    const index = createBlindIndex({ keyring: testKeyring(["k1"]), name: "n", bits: 32, normalize: () => 5 as never });
    const err = expectMoatError(() => index.index("x"), "ERR_CONFIG");
    expect(err.message).toContain("normalize must return a string");
  });

  it("names the value when it is neither a string nor bytes", () => {
    const index = createBlindIndex({ keyring: testKeyring(["k1"]), name: "n", bits: 32 });
    for (const value of [42, null, {}, [1, 2]]) {
      const err = expectMoatError(() => index.index(value as never), "ERR_INVALID_INPUT");
      expect(err.message).toContain("value must be a Uint8Array");
    }
  });

  it("indexes a value of exactly 1 MiB and refuses one byte more, saying why", () => {
    const index = createBlindIndex({ keyring: testKeyring(["k1"]), name: "n", bits: 64 });
    const limit = new Uint8Array(MIB).fill(7);
    expect(index.index(limit)).toMatch(/^[0-9a-f]{16}$/);
    expect(index.index("a".repeat(MIB))).toMatch(/^[0-9a-f]{16}$/);
    const err = expectMoatError(() => index.index(new Uint8Array(MIB + 1)), "ERR_INVALID_INPUT");
    expect(err.message).toContain("larger than 1 MiB");
    const text = expectMoatError(() => index.index("a".repeat(MIB + 1)), "ERR_INVALID_INPUT");
    expect(text.message).toContain("larger than 1 MiB");
  });
});
