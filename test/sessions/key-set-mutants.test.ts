import { CompactSign } from "jose";
import { describe, expect, it, vi } from "vitest";
import { createKeySet, type KeySetEntry } from "../../src/sessions/index.js";
import { keySetInternals } from "../../src/sessions/key-set.js";
import { fakeClock } from "../../src/testing/index.js";
import { expectMoatError, expectMoatErrorAsync } from "../helpers/assertions.js";
import { hsSecret, rsaPair } from "./helpers.js";

const hs = (kid: string, use: "sign" | "verify" = "sign", fill = 7): KeySetEntry => ({
  kid,
  alg: "HS256",
  use,
  key: hsSecret(fill),
});

/** Signs `payload` with HS256 under an arbitrary protected header. */
async function hsJws(header: Record<string, unknown>, payload: Uint8Array, fill = 7): Promise<string> {
  return new CompactSign(payload).setProtectedHeader({ alg: "HS256", ...header }).sign(hsSecret(fill));
}

describe("createKeySet error messages", () => {
  it("names the options in an unknown-option error", () => {
    const err = expectMoatError(() => createKeySet([hs("a")], { bogus: 1 } as never), "ERR_CONFIG");
    expect(err.message).toMatch(/^createKeySet options: /);
  });

  it("says how many keys a set needs for an empty list", () => {
    const err = expectMoatError(() => createKeySet([]), "ERR_CONFIG");
    expect(err.message).toBe("a key set needs 1–64 keys");
  });

  it("accepts 64 keys and rejects 65", () => {
    const entries = [hs("k0"), ...Array.from({ length: 63 }, (_, i) => hs(`k${String(i + 1)}`, "verify"))];
    expect(createKeySet(entries).keys).toHaveLength(64);
    const err = expectMoatError(() => createKeySet([...entries, hs("k64", "verify")]), "ERR_CONFIG");
    expect(err.message).toBe("a key set needs 1–64 keys");
  });

  it("rejects a now that is not a function", () => {
    const err = expectMoatError(() => createKeySet([hs("a")], { now: 42 as never }), "ERR_CONFIG");
    expect(err.message).toBe("now must be a function");
  });

  it("says which entry is not an object", () => {
    const err = expectMoatError(() => createKeySet([hs("a"), null as never]), "ERR_CONFIG");
    expect(err.message).toBe("key set entry 1 must be an object");
  });

  it("says which entry has a bad kid", () => {
    const err = expectMoatError(() => createKeySet([hs("a"), { ...hs("b", "verify"), kid: "" }]), "ERR_CONFIG");
    expect(err.message).toBe("key set entry 1 needs a kid of 1–128 printable ASCII characters");
  });

  it("lists the algorithms for an unknown alg", () => {
    const err = expectMoatError(() => createKeySet([{ ...hs("a"), alg: "HS512" as never }]), "ERR_CONFIG");
    expect(err.message).toBe('key "a" needs alg HS256, RS256, ES256, EdDSA');
  });

  it("accepts every known alg", () => {
    const rsa = rsaPair();
    const keys = createKeySet([{ kid: "r", alg: "RS256", use: "sign", key: rsa.privateKey }, hs("h", "verify")]);
    expect(keys.keys.map((k) => k.alg)).toEqual(["RS256", "HS256"]);
  });

  it("says which key has an unknown use", () => {
    const err = expectMoatError(() => createKeySet([{ ...hs("a"), use: "encrypt" as never }]), "ERR_CONFIG");
    expect(err.message).toBe('key "a" needs use "sign" or "verify"');
  });

  it("names a duplicate kid", () => {
    const err = expectMoatError(() => createKeySet([hs("a"), hs("a", "verify", 2)]), "ERR_CONFIG");
    expect(err.message).toBe('key "a" appears twice');
  });

  it("refuses verifyUntil on the signing key, naming it", () => {
    const err = expectMoatError(() => createKeySet([{ ...hs("a"), verifyUntil: 1 }]), "ERR_CONFIG");
    expect(err.message).toBe('signing key "a" cannot have verifyUntil');
  });

  it("names the key with an invalid verifyUntil", () => {
    for (const verifyUntil of [Number.NaN, "soon"]) {
      const err = expectMoatError(
        () => createKeySet([hs("a"), { ...hs("b", "verify", 2), verifyUntil: verifyUntil as number }]),
        "ERR_CONFIG",
      );
      expect(err.message).toBe('key "b" has an invalid verifyUntil');
    }
  });

  it("refuses two signing keys and no signing key with the same message", () => {
    const two = expectMoatError(() => createKeySet([hs("a"), hs("b", "sign", 2)]), "ERR_CONFIG");
    expect(two.message).toBe("a key set has exactly one signing key");
    const none = expectMoatError(() => createKeySet([hs("a", "verify")]), "ERR_CONFIG");
    expect(none.message).toBe("a key set has exactly one signing key");
  });

  it("describes a verify-only key's verifyUntil in ms", () => {
    const keys = createKeySet([hs("a"), { ...hs("b", "verify", 2), verifyUntil: new Date(5_000) }]);
    expect(keys.keys[1]).toEqual({ kid: "b", alg: "HS256", use: "verify", verifyUntil: 5_000 });
  });

  it("refuses an object that is not a key set, saying what it needs", () => {
    const err = expectMoatError(() => keySetInternals({}), "ERR_CONFIG");
    expect(err.message).toBe("keys must be a key set made by createKeySet or createRemoteKeySet");
  });
});

describe("KeySet.verifyJws edge cases", () => {
  it("says a non-string JWS must be a string", async () => {
    const keys = createKeySet([hs("a")]);
    const err = await expectMoatErrorAsync(() => keys.verifyJws(42 as never), "ERR_INVALID_INPUT");
    expect(err.message).toBe("a JWS must be a string");
  });

  it("answers a structurally broken JWS with malformed", async () => {
    const keys = createKeySet([hs("a")]);
    expect(await keys.verifyJws("not.a.jws")).toEqual({ ok: false, reason: "malformed" });
  });

  it("treats 16384 characters as the longest JWS, even when its signature is valid", async () => {
    const keys = createKeySet([hs("a")]);
    // Find a payload size and kid padding that give a JWS of exactly 16384 characters.
    let exact: string | undefined;
    for (let pad = 1; exact === undefined && pad < 8; pad++) {
      for (let n = 12_200; n < 12_300; n++) {
        const jws = await hsJws({ kid: "a", x: "p".repeat(pad) }, new Uint8Array(n).fill(65));
        if (jws.length === 16_384) {
          exact = jws;
          break;
        }
      }
    }
    if (exact === undefined) throw new Error("no JWS of exactly 16384 characters");
    const okResult = await keys.verifyJws(exact);
    expect(okResult.ok).toBe(true);
    const over = await hsJws({ kid: "a" }, new Uint8Array(12_400).fill(65));
    expect(over.length).toBeGreaterThan(16_384);
    expect(await keys.verifyJws(over)).toEqual({ ok: false, reason: "malformed" });
  });

  it("answers a kid that is not a string with unknown_key, even with a valid signature", async () => {
    const keys = createKeySet([hs("a")]);
    const jws = await hsJws({ kid: 5 }, new Uint8Array([1, 2, 3]));
    expect(await keys.verifyJws(jws)).toEqual({ ok: false, reason: "unknown_key" });
  });

  it("verifies a kid-less token when exactly one key uses its algorithm", async () => {
    const rsa = rsaPair();
    const clock = fakeClock();
    const keys = createKeySet([{ kid: "r", alg: "RS256", use: "sign", key: rsa.privateKey }, hs("h", "verify")], {
      now: clock.now,
    });
    const result = await keys.verifyJws(await hsJws({}, new Uint8Array([1])));
    expect(result.ok && result.kid).toBe("h");
  });

  it("verifies a kid-less token when the other key of its algorithm has expired", async () => {
    const clock = fakeClock();
    const keys = createKeySet([hs("a"), { ...hs("b", "verify", 2), verifyUntil: clock.now() + 1_000 }], {
      now: clock.now,
    });
    const jws = await hsJws({}, new Uint8Array([1]));
    expect(await keys.verifyJws(jws)).toEqual({ ok: false, reason: "unknown_key" });
    clock.advance(2_000);
    const result = await keys.verifyJws(jws);
    expect(result.ok && result.kid).toBe("a");
  });

  it("refuses an algorithm the set does not use as invalid_signature", async () => {
    const keys = createKeySet([hs("a")]);
    const jws = await new CompactSign(new Uint8Array([1]))
      .setProtectedHeader({ alg: "HS384" })
      .sign(new Uint8Array(48).fill(7));
    expect(await keys.verifyJws(jws)).toEqual({ ok: false, reason: "invalid_signature" });
  });

  it("rethrows an unexpected runtime failure instead of reporting a bad token", async () => {
    const keys = createKeySet([hs("a")]);
    const jws = await hsJws({ kid: "a" }, new Uint8Array([1]));
    const spy = vi.spyOn(globalThis.crypto.subtle, "importKey").mockRejectedValueOnce(new Error("boom"));
    try {
      await expect(keys.verifyJws(jws)).rejects.toThrow("boom");
    } finally {
      spy.mockRestore();
    }
  });
});
