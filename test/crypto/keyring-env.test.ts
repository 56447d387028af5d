/**
 * The environment side of master keys: parseMasterKeys, keyringFromEnv and generateMasterKey
 * refuse bad input with ERR_CONFIG whose message names what is wrong (the variable, the entry,
 * the option) and never echoes the value, which holds key bytes.
 */
import { describe, expect, it } from "vitest";
import { generateMasterKey, keyringFromEnv, parseMasterKeys } from "../../src/crypto/index.js";
import { expectMoatError } from "../helpers/assertions.js";

const K1 = Buffer.alloc(32, 0xab).toString("base64");

describe("parseMasterKeys errors", () => {
  it("names an unknown option", () => {
    const err = expectMoatError(() => parseMasterKeys(`k1:${K1}`, { varaible: "X" } as never), "ERR_CONFIG");
    expect(err.message).toBe('parseMasterKeys options: unknown option "varaible"; did you mean "variable"?');
  });

  it("says the value must be a string, naming the variable", () => {
    const err = expectMoatError(() => parseMasterKeys(42 as never, { variable: "APP_KEYS" }), "ERR_CONFIG");
    expect(err.message).toBe("APP_KEYS: must be a string");
  });

  it("treats an empty first entry of several as a missing id prefix, not as an empty value", () => {
    const err = expectMoatError(() => parseMasterKeys(`,k1:${K1}`, { variable: "APP_KEYS" }), "ERR_CONFIG");
    expect(err.message).toBe('APP_KEYS: entry 1 has no "id:" prefix (only a single key may omit it)');
    expect(err.message).not.toContain(K1.slice(0, 12));
  });
});

describe("keyringFromEnv errors", () => {
  it("refuses an empty or non-string variable name, saying so", () => {
    for (const variable of ["", 5, null]) {
      const err = expectMoatError(
        () => keyringFromEnv(variable as never, { "": `k1:${K1}`, 5: `k1:${K1}`, null: `k1:${K1}` }),
        "ERR_CONFIG",
      );
      expect(err.message).toBe("keyringFromEnv: the variable name must be a non-empty string");
    }
    const fromEmptyEnv = expectMoatError(() => keyringFromEnv("", {}), "ERR_CONFIG");
    expect(fromEmptyEnv.message).toBe("keyringFromEnv: the variable name must be a non-empty string");
  });

  it("refuses an env that is not an object, saying so", () => {
    for (const env of ["X", 5, null, true]) {
      const err = expectMoatError(() => keyringFromEnv("X", env as never), "ERR_CONFIG");
      expect(err.message).toBe("keyringFromEnv: env must be an object of strings, such as process.env");
    }
  });

  it("says a blank or whitespace-only variable is not set", () => {
    for (const value of ["", "   ", "\t\n"]) {
      const err = expectMoatError(() => keyringFromEnv("APP_KEYS", { APP_KEYS: value }), "ERR_CONFIG");
      expect(err.message).toBe("APP_KEYS is not set");
    }
  });

  it("names the variable it read in parse errors, never the value", () => {
    const err = expectMoatError(() => keyringFromEnv("APP_KEYS", { APP_KEYS: `k1:${K1.slice(0, -4)}` }), "ERR_CONFIG");
    expect(err.message).toBe("APP_KEYS: key k1 is not 32 bytes");
    expect(err.message).not.toContain(K1.slice(0, 12));
  });
});

describe("generateMasterKey errors", () => {
  it("names an unknown option", () => {
    const err = expectMoatError(() => generateMasterKey({ ids: "k1" } as never), "ERR_CONFIG");
    expect(err.message).toBe('generateMasterKey options: unknown option "ids"; did you mean "id"?');
  });

  it("says what a key id must look like", () => {
    for (const id of ["not ok", "", "k".repeat(33), "a.b"]) {
      const err = expectMoatError(() => generateMasterKey({ id }), "ERR_CONFIG");
      expect(err.message).toBe("a master key id must be 1-32 characters A-Z a-z 0-9 _ -");
    }
  });
});
