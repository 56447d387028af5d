/**
 * The size bound of the envelope parser (src/crypto/format.ts): a token is only worth parsing up
 * to the largest one moatkit can write, the largest plaintext (MAX_PLAINTEXT_BYTES) with the
 * largest header, whose provider keyRef can hold MAX_PROVIDER_CIPHERTEXT bytes. Up to the bound a
 * token-shaped value is read (and fails as ERR_DECRYPT when its payload is wrong); one byte or
 * character past it is ERR_INVALID_INPUT "not a moatkit ciphertext" without being decoded.
 */
import { describe, expect, it } from "vitest";
import {
  type KeyProvider,
  MAX_PLAINTEXT_BYTES,
  MAX_PROVIDER_CIPHERTEXT,
  createEnvelope,
  createKeyring,
} from "../../src/crypto/index.js";
import { testKeyring } from "../../src/testing/index.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";

const context = { table: "t", column: "c", rowId: 1 };
const NOT_A_TOKEN = "not a moatkit ciphertext";
// The parser's bounds, as format.ts defines them: the largest plaintext plus room for the largest
// header (provider keyRef included), and its base64url length plus room for the lead.
const MAX_TOKEN_BYTES = MAX_PLAINTEXT_BYTES + 256 + MAX_PROVIDER_CIPHERTEXT;
const MAX_TOKEN_CHARS = Math.ceil((MAX_TOKEN_BYTES * 4) / 3) + 64;

/** Test only, not a cipher: the wrap is the key followed by zeros, MAX_PROVIDER_CIPHERTEXT bytes in all. */
function widestProvider(): KeyProvider {
  return {
    kind: "test-widest",
    keyName: "test/widest:v1",
    wrap: (key) => {
      const out = new Uint8Array(MAX_PROVIDER_CIPHERTEXT);
      out.set(key);
      return Promise.resolve(out);
    },
    unwrap: (wrapped) => Promise.resolve(wrapped.length === MAX_PROVIDER_CIPHERTEXT ? wrapped.slice(0, 32) : undefined),
  };
}

describe("format: size bounds", () => {
  it("reads the largest token moatkit writes: 64 MiB under a 2048-byte provider wrap and a 32-character key id", async () => {
    const keyId = "k".repeat(32);
    const envelope = createEnvelope({
      keyring: createKeyring([{ id: keyId, provider: widestProvider() }]),
      algorithm: "xchacha20-poly1305",
    });
    const plaintext = new Uint8Array(MAX_PLAINTEXT_BYTES).fill(0xa5);
    const binary = await envelope.encryptBytes(plaintext, { context });
    expect(binary.length).toBeGreaterThan(MAX_PLAINTEXT_BYTES + 2048);
    expect(binary.length).toBeLessThanOrEqual(MAX_TOKEN_BYTES);
    const opened = await envelope.decrypt(binary, { context });
    expect(opened.length).toBe(MAX_PLAINTEXT_BYTES);
    expect(opened.every((b) => b === 0xa5)).toBe(true);
    const text = await envelope.encrypt(plaintext, { context });
    expect(text.length).toBeLessThanOrEqual(MAX_TOKEN_CHARS);
    expect((await envelope.decrypt(text, { context })).length).toBe(MAX_PLAINTEXT_BYTES);
  }, 120_000);

  it("parses a binary value of exactly the bound and refuses one byte more", async () => {
    const envelope = createEnvelope({ keyring: testKeyring(["k"]) });
    // 0x01 ‖ L = 1 ‖ "k" ‖ suite 0x00 ‖ zeros: token-shaped, with a suite that is not defined.
    const atBound = new Uint8Array(MAX_TOKEN_BYTES);
    atBound.set([0x01, 0x01, 0x6b]);
    await expectMoatErrorAsync(envelope.decrypt(atBound, { context }), "ERR_DECRYPT");
    const over = new Uint8Array(MAX_TOKEN_BYTES + 1);
    over.set([0x01, 0x01, 0x6b]);
    const err = await expectMoatErrorAsync(envelope.decrypt(over, { context }), "ERR_INVALID_INPUT");
    expect(err.message).toBe(NOT_A_TOKEN);
  }, 60_000);

  it("parses a string of exactly the bound and refuses one character more", async () => {
    const envelope = createEnvelope({ keyring: testKeyring(["k"]) });
    // A v2 lead for key id "k", then "A"s: strict base64url of zero bytes, so suite 0x00.
    const atBound = "mk2Bk___".padEnd(MAX_TOKEN_CHARS, "A");
    expect(MAX_TOKEN_CHARS % 4).not.toBe(1);
    await expectMoatErrorAsync(envelope.decrypt(atBound, { context }), "ERR_DECRYPT");
    const err = await expectMoatErrorAsync(envelope.decrypt(`${atBound}A`, { context }), "ERR_INVALID_INPUT");
    expect(err.message).toBe(NOT_A_TOKEN);
  }, 60_000);
});
