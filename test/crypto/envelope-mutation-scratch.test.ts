/**
 * The reused buffer string tokens are built in (`tokenScratch` in src/crypto/envelope.ts): it
 * starts at 4 KiB, doubles, stops at exactly 4 MiB (SCRATCH_MAX_BYTES) and is reused for every
 * token that fits; a larger token gets a buffer of its own and leaves the reused one alone. Reuse
 * must never mix values: every token keeps decrypting to its own plaintext after later encrypts
 * of other sizes. The allocations are watched on a fresh copy of the module (vi.resetModules), so
 * the buffer starts unallocated whatever other test files ran in this worker (a fresh import is
 * slow, hence the longer timeouts).
 */
import { describe, expect, it, vi } from "vitest";

const SCRATCH_MAX_BYTES = 4 * 1024 * 1024;
const context = { table: "notes", column: "body", rowId: 1 };

/** A fresh envelope module (its scratch buffer not yet allocated) and a stateless envelope of it. */
async function freshEnvelope() {
  vi.resetModules();
  const { createEnvelope } = await import("../../src/crypto/index.js");
  const { testKeyring } = await import("../../src/testing/index.js");
  return createEnvelope({ keyring: testKeyring(["k1"]) });
}

/** The byte length of a string token (the base64url of lead ‖ header ‖ nonce ‖ ciphertext ‖ tag). */
function tokenBytes(token: string): number {
  return Buffer.from(token, "base64url").length;
}

describe("envelope string tokens: the reused scratch buffer", () => {
  it("starts at 4 KiB, doubles, reuses a buffer that fits (also at exactly its size) and stops at 4 MiB", async () => {
    const envelope = await freshEnvelope();
    // The binary form never uses the scratch buffer: this only warms up the data key.
    await envelope.encryptBytes("warm-up", { context });
    const allocUnsafe = vi.spyOn(Buffer, "allocUnsafe");
    try {
      const allocated = (): number[] => allocUnsafe.mock.calls.map(([n]) => n);
      const first = await envelope.encrypt("a", { context });
      // Everything but the plaintext: the same for every token of this envelope.
      const overhead = tokenBytes(first) - 1;
      const plaintextFor = (n: number, fill: number): Uint8Array => new Uint8Array(n - overhead).fill(fill);
      expect(allocated()).toEqual([4096]);

      const written: { token: string; plaintext: Uint8Array }[] = [];
      const encrypt = async (n: number, fill: number): Promise<void> => {
        const plaintext = plaintextFor(n, fill);
        const token = await envelope.encrypt(plaintext, { context });
        expect(tokenBytes(token)).toBe(n);
        written.push({ token, plaintext });
      };

      await encrypt(tokenBytes(first), 1); // fits: reused
      expect(allocated()).toEqual([4096]);
      await encrypt(4096, 2); // exactly the buffer's size: reused
      expect(allocated()).toEqual([4096]);
      await encrypt(5000, 3); // grows to twice the old size, not just to what this token needs
      expect(allocated()).toEqual([4096, 8192]);
      await encrypt(8192, 4);
      expect(allocated()).toEqual([4096, 8192]);
      await encrypt(SCRATCH_MAX_BYTES, 5); // at the bound: still the reused buffer, grown to exactly 4 MiB
      expect(allocated()).toEqual([4096, 8192, SCRATCH_MAX_BYTES]);
      await encrypt(SCRATCH_MAX_BYTES, 6);
      await encrypt(100_000, 7);
      expect(allocated()).toEqual([4096, 8192, SCRATCH_MAX_BYTES]);
      await encrypt(SCRATCH_MAX_BYTES + 1, 8); // past the bound: a buffer of its own each time
      await encrypt(SCRATCH_MAX_BYTES + 1, 9);
      expect(allocated()).toEqual([4096, 8192, SCRATCH_MAX_BYTES, SCRATCH_MAX_BYTES + 1, SCRATCH_MAX_BYTES + 1]);
      await encrypt(SCRATCH_MAX_BYTES, 10); // the 4 MiB buffer was kept
      expect(allocated()).toEqual([4096, 8192, SCRATCH_MAX_BYTES, SCRATCH_MAX_BYTES + 1, SCRATCH_MAX_BYTES + 1]);

      // No token shares bytes with another: each still decrypts to its own plaintext.
      expect(await envelope.decryptString(first, { context })).toBe("a");
      for (const { token, plaintext } of written) {
        expect(Buffer.from(await envelope.decrypt(token, { context })).equals(Buffer.from(plaintext))).toBe(true);
      }
    } finally {
      allocUnsafe.mockRestore();
    }
  }, 60_000);

  it("a token built in the reused buffer is not changed by the next, smaller or larger, encrypt", async () => {
    const envelope = await freshEnvelope();
    const sizes = [10, 3000, 9000, 20, SCRATCH_MAX_BYTES - 200, 64, SCRATCH_MAX_BYTES + 50, 5];
    const written: { token: string; fill: number; size: number }[] = [];
    for (const [i, size] of sizes.entries()) {
      const token = await envelope.encrypt(new Uint8Array(size).fill(i + 1), { context, tenantId: "t1" });
      written.push({ token, fill: i + 1, size });
    }
    for (const { token, fill, size } of written) {
      const plaintext = await envelope.decrypt(token, { context, tenantId: "t1" });
      expect(plaintext.length).toBe(size);
      expect(plaintext.every((b) => b === fill)).toBe(true);
    }
  }, 60_000);
});
