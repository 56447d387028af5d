/**
 * Access tokens at their bounds: the claims size limit, the shortest lifetime, the longest
 * `forget` target, and which cached verdicts a `forget` drops. tokens.test.ts tests well inside
 * these; the edges are where an off-by-one would let through what the contract refuses (found by
 * mutation testing, docs/quality.md).
 */
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/_internal/canonical-json.js";
import { createTokens } from "../../src/sessions/index.js";
import { expectMoatError, expectMoatErrorAsync } from "../helpers/assertions.js";
import { AUDIENCE, ISSUER, makeTokens } from "./helpers.js";

/** Claims whose canonical JSON is exactly `size` characters. */
function claimsOfSize(size: number): Record<string, string> {
  const base = canonicalJson({ pad: "" }).length;
  return { pad: "x".repeat(size - base) };
}

describe("token bounds", () => {
  it("signs claims of exactly 8 KB of JSON and refuses one byte more", async () => {
    const { tokens } = makeTokens();
    const exact = claimsOfSize(8192);
    expect(canonicalJson(exact)).toHaveLength(8192);
    const jwt = await tokens.sign(exact);
    const verified = await tokens.verify(jwt);
    expect(verified.ok && verified.claims.pad).toBe(exact.pad);
    await expectMoatErrorAsync(tokens.sign(claimsOfSize(8193)), "ERR_INVALID_INPUT");
  });

  it("accepts an access lifetime of exactly one second and refuses less", async () => {
    const { tokens, clock, keys } = makeTokens({ accessTtl: 1000 });
    expect(tokens.accessTtlMs).toBe(1000);
    const jwt = await tokens.sign({});
    expect((await tokens.verify(jwt)).ok).toBe(true);
    clock.advance(1000);
    expect(await tokens.verify(jwt)).toEqual({ ok: false, reason: "expired" });
    expectMoatError(() => createTokens({ keys, issuer: ISSUER, audience: AUDIENCE, accessTtl: 999 }), "ERR_CONFIG");
  });

  it("forgets a subject or session id of 512 characters and refuses 513", async () => {
    const { tokens } = makeTokens();
    await expect(tokens.forget({ subject: "s".repeat(512) })).resolves.toBeUndefined();
    await expect(tokens.forget({ sessionId: "s".repeat(512) })).resolves.toBeUndefined();
    await expectMoatErrorAsync(tokens.forget({ sessionId: "s".repeat(513) }), "ERR_INVALID_INPUT");
  });

  it("forget by subject drops that subject's cached verdicts only, and forget by session that session's only", async () => {
    let checks = 0;
    const { tokens } = makeTokens({
      revalidate: () => {
        checks += 1;
        return true;
      },
      revalidateCache: "5m",
    });
    const a1 = await tokens.sign({ sub: "user_a", sid: "sess_a1" });
    const a2 = await tokens.sign({ sub: "user_a", sid: "sess_a2" });
    const b = await tokens.sign({ sub: "user_b", sid: "sess_b" });
    const verifyAll = async (): Promise<number> => {
      const before = checks;
      for (const jwt of [a1, a2, b]) expect((await tokens.verify(jwt)).ok).toBe(true);
      return checks - before;
    };
    expect(await verifyAll()).toBe(3);
    expect(await verifyAll()).toBe(0);
    await tokens.forget({ sessionId: "sess_a1" });
    expect(await verifyAll()).toBe(1);
    await tokens.forget({ subject: "user_a" });
    expect(await verifyAll()).toBe(2);
    // A session id equal to a subject is not that subject.
    await tokens.forget({ sessionId: "user_b" });
    expect(await verifyAll()).toBe(0);
  });
});
