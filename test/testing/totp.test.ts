import { describe, expect, it } from "vitest";
import { Secret } from "../../src/index.js";
import { totpCode, totpStep } from "../../src/testing/index.js";
import { WRONG_TYPES, expectMoatError } from "../helpers/assertions.js";
import { loadRfc } from "../vectors/index.js";

const SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

describe("totpCode / totpStep", () => {
  it("gives the RFC 6238 SHA1 codes (8 digits) and the step of a time", () => {
    for (const v of loadRfc("rfc6238_totp.json").vectors.filter((x) => x.mode === "SHA1")) {
      expect(totpCode(v.secretBase32, v.time * 1000, { digits: 8 })).toBe(v.totp);
      expect(totpStep(v.time * 1000)).toBe(Number.parseInt(v.T, 16));
    }
  });

  it("accepts a Secret, and codes change with the step, not within it", () => {
    expect(totpCode(new Secret(SECRET), 0)).toBe(totpCode(SECRET, 29_999));
    expect(totpCode(SECRET, 30_000)).not.toBe(totpCode(SECRET, 29_999));
    expect(totpCode(SECRET, 59_000, { period: 60 })).toBe(totpCode(SECRET, 0, { period: 60 }));
    expect(totpStep(119_999, { period: 60 })).toBe(1);
    expect(totpCode(SECRET, 0)).toMatch(/^\d{6}$/);
  });

  it("rejects bad secrets and times with ERR_INVALID_INPUT and bad options with ERR_CONFIG", () => {
    for (const secret of [...WRONG_TYPES, "", "not base32!"])
      expectMoatError(() => totpCode(secret as never, 0), "ERR_INVALID_INPUT");
    for (const at of [...WRONG_TYPES.filter((v) => v !== 42), -1, Number.POSITIVE_INFINITY, 2 ** 60]) {
      expectMoatError(() => totpCode(SECRET, at as never), "ERR_INVALID_INPUT");
      expectMoatError(() => totpStep(at as never), "ERR_INVALID_INPUT");
    }
    for (const options of [{ digits: 5 }, { algorithm: "MD5" }, { period: 0 }, { perio: 30 }]) {
      expectMoatError(() => totpCode(SECRET, 0, options as never), "ERR_CONFIG");
    }
  });
});
