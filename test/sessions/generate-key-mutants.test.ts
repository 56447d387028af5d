import { describe, expect, it } from "vitest";
import { generateSigningKey } from "../../src/sessions/index.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";

describe("generateSigningKey (mutation survivors)", () => {
  it("names generateSigningKey options in the error for an unknown option, with a suggestion", async () => {
    const err = await expectMoatErrorAsync(
      generateSigningKey("HS256", { kdi: "k1" } as unknown as { kid: string }),
      "ERR_CONFIG",
    );
    expect(err.message).toBe('generateSigningKey options: unknown option "kdi"; did you mean "kid"?');
    expect(err.details).toEqual({
      issues: [
        { path: [], code: "unrecognized_keys", message: 'unknown option "kdi"; did you mean "kid"?', keys: ["kdi"] },
      ],
    });
  });

  it("accepts both known options, kid and random", async () => {
    const random = (n: number): Uint8Array => new Uint8Array(n).fill(9);
    const key = await generateSigningKey("HS256", { kid: "k-1", random });
    expect(key.kid).toBe("k-1");
    expect(key.key.reveal().k).toBe(Buffer.alloc(32, 9).toString("base64url"));
  });

  it("lists the supported algorithms in the error for an unknown one", async () => {
    const err = await expectMoatErrorAsync(generateSigningKey("none" as "HS256"), "ERR_INVALID_INPUT");
    expect(err.message).toBe("alg must be one of HS256, RS256, ES256, EdDSA");
  });

  it("explains what a kid must look like in the error for an invalid kid", async () => {
    const err = await expectMoatErrorAsync(generateSigningKey("HS256", { kid: "has space" }), "ERR_INVALID_INPUT");
    expect(err.message).toBe("kid must be 1–128 printable ASCII characters");
  });
});
