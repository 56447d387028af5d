/**
 * The string form v2 (issue 18 item 8, docs/format.md "String form"): `"mk2" ‖ c(L) ‖ key id ‖
 * "_"×f ‖ base64url(payload)`, one base64url string as a whole, written by one encode and read by
 * one decode. v1 tokens (`mk1.<keyId>.<payload>`) keep decrypting; the known-answer vectors of both
 * are in test/vectors/moatkit.
 */
import { describe, expect, it } from "vitest";
import { base64urlDecode, base64urlEncode } from "../../src/_internal/encoding.js";
import { createMemoryDataKeyStore } from "../../src/adapters/memory/index.js";
import { createEnvelope } from "../../src/crypto/index.js";
import { isMoatError } from "../../src/errors.js";
import { testKeyring } from "../../src/testing/index.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const context = { table: "t", column: "c", rowId: 1 };

/** The lead as docs/format.md defines it, computed independently of src/crypto/format.ts. */
function leadOf(keyId: string): string {
  const fill = 4 - (keyId.length % 4);
  return `mk2${ALPHABET.charAt(keyId.length)}${keyId}${"_".repeat(fill)}`;
}

/** The v1 string form of a binary token (what moatkit wrote before v2). */
function v1Form(binary: Uint8Array): string {
  const idLength = binary[1] ?? 0;
  const keyId = Buffer.from(binary.subarray(2, 2 + idLength)).toString("latin1");
  return `mk1.${keyId}.${base64urlEncode(binary.subarray(2 + idLength))}`;
}

async function failureCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (isMoatError(err)) return err.code;
    throw err;
  }
  return "decrypted";
}

describe("string form v2", () => {
  it("is the lead and the payload as one strict base64url string, for key ids of every length", async () => {
    for (let length = 1; length <= 32; length++) {
      const keyId = "k-_9Z".repeat(7).slice(0, length);
      for (const mode of ["stored", "embedded"] as const) {
        const envelope = createEnvelope({
          keyring: testKeyring([keyId]),
          ...(mode === "stored" ? { dataKeys: createMemoryDataKeyStore() } : {}),
        });
        for (const size of [0, 1, 2, 3, 64]) {
          const plaintext = new Uint8Array(size).map((_, i) => i * 31 + length);
          const token = await envelope.encrypt(plaintext, { context });
          const lead = leadOf(keyId);
          expect(lead.length % 4).toBe(0);
          expect(token.startsWith(lead)).toBe(true);
          // The whole token decodes strictly: lead and payload are one base64url string.
          expect(base64urlDecode(token).length).toBe((token.length * 3) >>> 2);
          expect(envelope.keyIdOf(token)).toBe(keyId);
          expect(await envelope.decrypt(token, { context })).toEqual(plaintext);
        }
      }
    }
  });

  it("holds the same message as the binary form and as the v1 string form", async () => {
    const envelope = createEnvelope({ keyring: testKeyring(["k2026"]), dataKeys: createMemoryDataKeyStore() });
    const binary = await envelope.encryptBytes("same message", { context });
    const v2 = `${leadOf("k2026")}${base64urlEncode(binary.subarray(7))}`;
    const v1 = v1Form(binary);
    expect(v1.startsWith("mk1.k2026.")).toBe(true);
    for (const token of [binary, v2, v1]) expect(await envelope.decryptString(token, { context })).toBe("same message");
    expect(await envelope.decryptString(await envelope.rewrap(v1, { context }), { context })).toBe("same message");
    expect((await envelope.rewrap(v1, { context })).startsWith("mk2Fk2026___")).toBe(true);
    // Bound like every form: another context does not open either string.
    for (const token of [v2, v1]) await expectMoatErrorAsync(envelope.decrypt(token, { context: {} }), "ERR_DECRYPT");
  });

  it("round-trips sizes on both sides of the scratch buffer's bounds", async () => {
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]) });
    for (const size of [4096, 48 * 1024, 300 * 1024, 4 * 1024 * 1024, 4 * 1024 * 1024 + 1]) {
      const plaintext = Buffer.alloc(size, "moatkit");
      const token = await envelope.encrypt(plaintext, { context: { n: size } });
      expect(token.startsWith("mk2Ck1__")).toBe(true);
      // Compared as one buffer: an element-wise diff of megabytes is very slow.
      expect(Buffer.from(await envelope.decrypt(token, { context: { n: size } })).equals(plaintext)).toBe(true);
    }
  });

  it("refuses every single-character change of a token", async () => {
    const envelope = createEnvelope({ keyring: testKeyring(["k1", "k2"]), dataKeys: createMemoryDataKeyStore() });
    const token = await envelope.encrypt("sixty-four bytes of plaintext, more or less, for this test....", {
      context,
    });
    for (let i = 0; i < token.length; i++) {
      for (const replacement of ["A", "_", "-", "z", ".", "="]) {
        if (token[i] === replacement) continue;
        const tampered = token.slice(0, i) + replacement + token.slice(i + 1);
        expect(["ERR_DECRYPT", "ERR_INVALID_INPUT", "ERR_KEY_NOT_FOUND"], `${String(i)} ${replacement}`).toContain(
          await failureCode(envelope.decrypt(tampered, { context })),
        );
      }
    }
  });

  it("tells a malformed lead (not a token) from a token-shaped value that cannot decrypt", async () => {
    const envelope = createEnvelope({ keyring: testKeyring(["k2026"]), dataKeys: createMemoryDataKeyStore() });
    const notTokens = [
      "mk2Fk2026__", // cut inside the lead
      "mk2Fk2026__EQ", // one "_" short: the lead would not be whole quanta
      "mk2Fk2026_-EQ", // the fill is "_" only
      "mk2Ek2026___EQ", // L says 4: the fill would start at "6"
      "mk2Ik2026___EQAA", // L says 8: key id "k2026___", then "EQAA" where the fill "____" should be
      "mk2_k2026___EQ", // L = 63
      "mk2Fk2.26___EQ", // a key id character outside the alphabet
      "mk2Fk2=26___EQ", // "=" in the key id
      "mk2Fk2\u00e926___EQ", // a non-ASCII key id character
      "mk2Fk2+26___EQ", // standard base64 in the key id
      "mk2Fk2 26___EQ", // whitespace in the key id
      "mk2Fk2026___EQ==", // padding
      "mk2Fk2026___E", // length 1 mod 4
      "mk2Fk2026___EB", // non-zero trailing bits
      "mk2Fk2026___E+", // standard base64
    ];
    for (const bad of notTokens) {
      await expectMoatErrorAsync(envelope.decrypt(bad, { context }), "ERR_INVALID_INPUT");
      expect(() => envelope.keyIdOf(bad)).toThrow(expect.objectContaining({ code: "ERR_INVALID_INPUT" }));
    }
    // Key ids may hold "_", so some edits of the lead give another well-formed lead: those are
    // token-shaped, and the key id they name is authenticated with the header.
    for (const shaped of [
      "mk2Fk2026___", // empty payload
      "mk2Fk2026___AA", // suite 0x00
      "mk2Fk2026___Ew", // suite 0x13
      "mk2Fk2026___EQ", // suite 0x11, too short
      "mk2Fk2026____EQ", // one more "_": the payload is "_EQ"
      "mk2Gk2026___EQ", // L = 6: key id "k2026_", fill "__"
    ])
      await expectMoatErrorAsync(envelope.decrypt(shaped, { context }), "ERR_DECRYPT");
    const token = await envelope.encrypt("x", { context });
    const relabelled = `mk2Gk2026____${token.slice(12)}`; // key id "k2026_", the same payload
    await expectMoatErrorAsync(envelope.decrypt(relabelled, { context }), "ERR_DECRYPT");
  });
});
