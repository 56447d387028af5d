import { describe, expect, it } from "vitest";
import { ERROR_CODES, MoatError, isMoatError, type MoatErrorCode, type Result } from "../src/index.js";

describe("MoatError", () => {
  it("carries a code from the table and that code's fixed message by default", () => {
    for (const code of Object.keys(ERROR_CODES) as MoatErrorCode[]) {
      const err = new MoatError(code);
      expect(err.code).toBe(code);
      expect(err.message).toBe(ERROR_CODES[code]);
      expect(err.name).toBe("MoatError");
      expect(err).toBeInstanceOf(Error);
      expect(err.details).toBeUndefined();
    }
  });

  it("keeps cause (as a data-free copy) and details when given", () => {
    const cause = Object.assign(new Error("driver said no"), { code: "57P01" });
    const err = new MoatError("ERR_STORE", { message: "api key store failed", cause, details: { op: "find" } });
    expect(err.message).toBe("api key store failed");
    expect(err.cause).toBeInstanceOf(Error);
    expect(err.cause).toMatchObject({ message: "driver said no", code: "57P01" });
    expect(err.details).toEqual({ op: "find" });
  });

  it("includes the table's codes the modules rely on", () => {
    for (const code of [
      "ERR_CONFIG",
      "ERR_INVALID_INPUT",
      "ERR_DECRYPT",
      "ERR_KEY_NOT_FOUND",
      "ERR_STORE",
      "ERR_INTEGRITY",
      "ERR_FORBIDDEN",
      "ERR_NO_TENANT",
      "ERR_TENANT_SCOPE",
      "ERR_ABORTED",
      "ERR_OVERLOADED",
      "ERR_KEY_PROVIDER",
    ]) {
      expect(Object.hasOwn(ERROR_CODES, code)).toBe(true);
    }
  });

  it("prints its name and code in stack traces and inspect output", () => {
    const err = new MoatError("ERR_DECRYPT");
    expect(String(err)).toBe("MoatError: decryption failed");
  });
});

describe("isMoatError", () => {
  it("recognises MoatErrors and filters by code", () => {
    const err = new MoatError("ERR_DECRYPT");
    expect(isMoatError(err)).toBe(true);
    expect(isMoatError(err, "ERR_DECRYPT")).toBe(true);
    expect(isMoatError(err, "ERR_CONFIG")).toBe(false);
  });

  it("rejects look-alikes and non-errors", () => {
    expect(isMoatError(new Error("x"))).toBe(false);
    expect(isMoatError({ name: "MoatError", code: "ERR_DECRYPT" })).toBe(false);
    const fake = Object.assign(new Error("x"), { code: "ERR_NOPE" });
    Object.defineProperty(fake, "name", { value: "MoatError" });
    expect(isMoatError(fake)).toBe(false);
    expect(isMoatError(undefined)).toBe(false);
    expect(isMoatError("ERR_DECRYPT")).toBe(false);
  });
});

describe("Result", () => {
  it("narrows on ok", () => {
    const check = (n: number): Result<{ value: number }, "negative"> =>
      n >= 0 ? { ok: true, value: n } : { ok: false, reason: "negative" };
    const good = check(1);
    const bad = check(-1);
    expect(good.ok && good.value).toBe(1);
    expect(!bad.ok && bad.reason).toBe("negative");
  });
});
