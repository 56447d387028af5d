/**
 * The string form is built two ways (a short token as prefix + payload, a long one through a byte
 * buffer, issue 18 item 8): both must give `mk1.<keyId>.<strict base64url>` that decrypts.
 */
import { describe, expect, it } from "vitest";
import { base64urlDecode } from "../../src/_internal/encoding.js";
import { createEnvelope } from "../../src/crypto/index.js";
import { testKeyring } from "../../src/testing/index.js";

describe("string form around the flat-build threshold", () => {
  it("round-trips and keeps the layout for sizes on both sides of it", async () => {
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]) });
    for (const size of [0, 100, 48 * 1024 - 200, 48 * 1024, 48 * 1024 + 200, 300 * 1024]) {
      const plaintext = new Uint8Array(size).map((_, i) => i * 7);
      const token = await envelope.encrypt(plaintext, { context: { n: size } });
      expect(token.startsWith("mk1.k1.")).toBe(true);
      expect(base64urlDecode(token.slice("mk1.k1.".length)).length).toBeGreaterThan(size);
      expect(await envelope.decrypt(token, { context: { n: size } })).toEqual(plaintext);
    }
  });
});
