/**
 * What createEnvelope and the value calls refuse, by code and by a message that names what is
 * wrong (and never the plaintext): a bad option, invalidation without a store, a store failure,
 * a plaintext that is not bytes or is over 64 MiB (64 MiB itself is taken), a non-token that
 * throws something other than an Error, rewrap and rewrapBytes given the other form. Also: a
 * rewrap gives a fresh token of the same value and zeroes the plaintext it held, and a random
 * source that reuses its output buffer cannot change a data key after it was drawn.
 */
import { describe, expect, it } from "vitest";
import { createMemoryDataKeyStore } from "../../src/adapters/memory/index.js";
import { type DataKeyStore, MAX_PLAINTEXT_BYTES, createEnvelope } from "../../src/crypto/index.js";
import { testKeyring } from "../../src/testing/index.js";
import { expectMoatError, expectMoatErrorAsync } from "../helpers/assertions.js";

const context = { table: "notes", column: "body", rowId: 1 };
const SECRET = "PLAINTEXT-c0ffee-secret";

describe("createEnvelope options", () => {
  it("refuses a clock that is not a function, naming the options and the option", () => {
    const err = expectMoatError(() => createEnvelope({ keyring: testKeyring(["k1"]), now: 5 as never }), "ERR_CONFIG");
    expect(err.message).toBe('invalid createEnvelope options at "now"');
  });

  it("refuses invalidation without a dataKeys store, saying why", () => {
    const invalidation = { publish: () => Promise.resolve(), subscribe: () => () => undefined };
    const err = expectMoatError(() => createEnvelope({ keyring: testKeyring(["k1"]), invalidation }), "ERR_CONFIG");
    expect(err.message).toContain("invalidation needs a dataKeys store");
    expect(err.message).toContain("stateless values cannot be shredded");
  });

  it("a failing store is ERR_STORE naming the dataKeys store and the operation, not the driver's text", async () => {
    const store: DataKeyStore = {
      ...createMemoryDataKeyStore(),
      getCurrentDataKey: () => Promise.reject(new Error(`driver: row ${SECRET}`)),
    };
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store });
    const err = await expectMoatErrorAsync(envelope.encrypt(SECRET, { context, tenantId: "t1" }), "ERR_STORE");
    expect(err.message).toBe("dataKeys store failed during getCurrentDataKey");
  });

  it("a random source that reuses its output buffer cannot change a data key after it was drawn", async () => {
    // Legal for a RandomSource: each call's bytes are only valid until the next call.
    const shared = new Uint8Array(256);
    const random = (n: number): Uint8Array => {
      const out = n <= shared.length ? shared.subarray(0, n) : new Uint8Array(n);
      crypto.getRandomValues(out);
      return out;
    };
    const writer = createEnvelope({ keyring: testKeyring(["k1"]), random });
    const token = await writer.encrypt("value", { context });
    const second = await writer.encrypt("second", { context });
    const reader = createEnvelope({ keyring: testKeyring(["k1"]) });
    expect(await reader.decryptString(token, { context })).toBe("value");
    expect(await reader.decryptString(second, { context })).toBe("second");
    expect(await writer.decryptString(token, { context })).toBe("value");
  });
});

describe("envelope plaintext checks", () => {
  it("refuses a plaintext that is neither a string nor bytes, naming the plaintext", async () => {
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]) });
    for (const call of [envelope.encrypt, envelope.encryptBytes]) {
      const err = await expectMoatErrorAsync(() => call(42 as never, { context }), "ERR_INVALID_INPUT");
      expect(err.message).toBe("plaintext must be a Uint8Array");
    }
  });

  it("takes a plaintext of exactly 64 MiB and refuses one byte more, saying so", async () => {
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]) });
    const limit = new Uint8Array(MAX_PLAINTEXT_BYTES).fill(0x5a);
    const token = await envelope.encryptBytes(limit, { context });
    const back = await envelope.decrypt(token, { context });
    expect(back.length).toBe(MAX_PLAINTEXT_BYTES);
    expect(back[0]).toBe(0x5a);
    expect(back[MAX_PLAINTEXT_BYTES - 1]).toBe(0x5a);
    const over = new Uint8Array(MAX_PLAINTEXT_BYTES + 1);
    for (const call of [envelope.encrypt, envelope.encryptBytes]) {
      const err = await expectMoatErrorAsync(() => call(over, { context }), "ERR_INVALID_INPUT");
      expect(err.message).toBe("plaintext is larger than 64 MiB");
    }
  }, 30_000);
});

describe("envelope decrypt of something that is not a token", () => {
  it("turns a thrown non-Error into ERR_INVALID_INPUT with the generic message", async () => {
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]) });
    // A Uint8Array look-alike whose reads throw a string (not an Error).
    const hostile = new Proxy(new Uint8Array(8), {
      get() {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- the case under test
        throw SECRET;
      },
    });
    const err = await expectMoatErrorAsync(() => envelope.decrypt(hostile, { context }), "ERR_INVALID_INPUT");
    expect(err.message).toBe("invalid input");
    expect(err.message).not.toContain(SECRET);
  });
});

describe("envelope rewrap and rewrapBytes", () => {
  it("rewrap refuses bytes and rewrapBytes refuses a string, each naming the other", async () => {
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]) });
    const token = await envelope.encrypt(SECRET, { context });
    const bytes = await envelope.encryptBytes(SECRET, { context });
    const a = await expectMoatErrorAsync(() => envelope.rewrap(bytes as never, { context }), "ERR_INVALID_INPUT");
    expect(a.message).toBe("rewrap takes a string token; use rewrapBytes for bytes");
    const b = await expectMoatErrorAsync(() => envelope.rewrapBytes(token as never, { context }), "ERR_INVALID_INPUT");
    expect(b.message).toBe("rewrapBytes takes a Uint8Array token");
  });

  it("gives a fresh token of the same value in each form and zeroes the plaintext it decrypted", async () => {
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]), backend: "noble" });
    const plaintext = new TextEncoder().encode(SECRET);
    const token = await envelope.encrypt(SECRET, { context, tenantId: "t1" });
    const bytes = await envelope.encryptBytes(SECRET, { context, tenantId: "t1" });

    // Watch every zero fill of a typed array that held the plaintext at that moment.
    const typedArrayProto = Object.getPrototypeOf(Uint8Array.prototype) as { fill: (...a: unknown[]) => unknown };
    const originalFill = typedArrayProto.fill;
    let zeroedPlaintexts = 0;
    typedArrayProto.fill = function (this: Uint8Array, ...args: unknown[]) {
      if (args[0] === 0 && Buffer.from(this).equals(Buffer.from(plaintext))) zeroedPlaintexts++;
      return Reflect.apply(originalFill, this, args);
    };
    let rewrapped: string;
    let rewrappedBytes: Uint8Array;
    try {
      rewrapped = await envelope.rewrap(token, { context, tenantId: "t1" });
      expect(zeroedPlaintexts).toBe(1);
      rewrappedBytes = await envelope.rewrapBytes(bytes, { context, tenantId: "t1" });
      expect(zeroedPlaintexts).toBe(2);
    } finally {
      typedArrayProto.fill = originalFill;
    }
    expect(typeof rewrapped).toBe("string");
    expect(rewrapped).not.toBe(token);
    expect(await envelope.decryptString(rewrapped, { context, tenantId: "t1" })).toBe(SECRET);
    expect(rewrappedBytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(rewrappedBytes).equals(Buffer.from(bytes))).toBe(false);
    expect(await envelope.decryptString(rewrappedBytes, { context, tenantId: "t1" })).toBe(SECRET);
  });
});
