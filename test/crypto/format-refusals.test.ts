/**
 * The envelope parser (src/crypto/format.ts) on tampered and malformed tokens, as docs/format.md
 * "Reading, and the errors" lays down: what is not shaped like a token is ERR_INVALID_INPUT with
 * the message "not a moatkit ciphertext"; a token-shaped value whose suite byte is not one of the
 * six, or whose provider keyRef length n is 0 or above MAX_PROVIDER_CIPHERTEXT, is ERR_DECRYPT
 * before anything is looked up or any provider is called. `keyIdOf` only parses, so it tells a
 * refused token from one the parser accepts even where decryption would fail later anyway.
 */
import { describe, expect, it } from "vitest";
import { base64urlEncode } from "../../src/_internal/encoding.js";
import { createMemoryDataKeyStore } from "../../src/adapters/memory/index.js";
import { parseToken } from "../../src/crypto/format.js";
import { type KeyProvider, MAX_PROVIDER_CIPHERTEXT, createEnvelope, createKeyring } from "../../src/crypto/index.js";
import { testKeyring } from "../../src/testing/index.js";
import { expectMoatError, expectMoatErrorAsync } from "../helpers/assertions.js";

const context = { table: "t", column: "c", rowId: 1 };
const NOT_A_TOKEN = "not a moatkit ciphertext";

/** A binary token laid out by hand: 0x01 ‖ L ‖ keyId ‖ suite ‖ keyRef ‖ salt ‖ commitment ‖ nonce ‖ sealed. */
function binaryToken(keyId: string, suite: number, keyRef: Uint8Array, nonceLength: number, sealed = 16): Uint8Array {
  const body = [suite, ...keyRef, ...new Uint8Array(32 + nonceLength + sealed).fill(0x5a)];
  return new Uint8Array([0x01, keyId.length, ...Buffer.from(keyId, "latin1"), ...body]);
}

/** keyRef of a provider-wrapped key: uint16 big-endian n ‖ n bytes. */
function providerRef(n: number, declared = n): Uint8Array {
  return new Uint8Array([declared >> 8, declared & 0xff, ...new Uint8Array(n).fill(0x7e)]);
}

/** A provider that unwraps nothing and records the length of every ciphertext it is asked about. */
function recordingProvider(): KeyProvider & { readonly seen: number[] } {
  const seen: number[] = [];
  return {
    kind: "test-recording",
    keyName: "test/recording:v1",
    seen,
    wrap: () => Promise.resolve(new Uint8Array(8)),
    unwrap: (wrapped) => {
      seen.push(wrapped.length);
      return Promise.resolve(undefined);
    },
  };
}

describe("format: suite byte", () => {
  it("refuses an algorithm nibble other than 1 and 2 before any lookup, whatever the body's length", async () => {
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: createMemoryDataKeyStore() });
    // Bodies long enough for either nonce length, so only the suite byte can make them wrong.
    for (const suite of [0x10, 0x13, 0x1f, 0x20, 0x23, 0x2f, 0x30, 0x33, 0x3f]) {
      const keyRef = suite >> 4 === 1 ? new Uint8Array(8) : suite >> 4 === 2 ? new Uint8Array(60) : providerRef(4);
      const token = binaryToken("k1", suite, keyRef, 24);
      expectMoatError(() => envelope.keyIdOf(token), "ERR_DECRYPT");
      await expectMoatErrorAsync(envelope.decrypt(token, { context }), "ERR_DECRYPT");
    }
    // The same bodies under a defined suite are token-shaped: the parser reads their key id.
    for (const [suite, keyRef] of [
      [0x12, new Uint8Array(8)],
      [0x22, new Uint8Array(60)],
      [0x32, providerRef(4)],
    ] as const)
      expect(envelope.keyIdOf(binaryToken("k1", suite, keyRef, 24))).toBe("k1");
  });

  it("refuses a key mode nibble of 0 or 4 to 15 even when the body is shaped like a provider keyRef", async () => {
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]) });
    for (const suite of [0x01, 0x02, 0x41, 0x42, 0x71, 0xf1, 0xf2]) {
      const token = binaryToken("k1", suite, providerRef(4), 24);
      expectMoatError(() => envelope.keyIdOf(token), "ERR_DECRYPT");
      await expectMoatErrorAsync(envelope.decrypt(token, { context }), "ERR_DECRYPT");
    }
    expect(envelope.keyIdOf(binaryToken("k1", 0x31, providerRef(4), 24))).toBe("k1");
  });
});

describe("format: provider keyRef length n", () => {
  it("takes n = 1, 256 and MAX_PROVIDER_CIPHERTEXT, and hands the provider exactly n bytes", async () => {
    const provider = recordingProvider();
    const envelope = createEnvelope({ keyring: createKeyring([{ id: "kms1", provider }]) });
    const lengths = [1, 255, 256, MAX_PROVIDER_CIPHERTEXT - 1, MAX_PROVIDER_CIPHERTEXT];
    for (const n of lengths) {
      const token = binaryToken("kms1", 0x31, providerRef(n), 12);
      expect(envelope.keyIdOf(token)).toBe("kms1");
      // The provider does not authenticate it: ERR_DECRYPT, but only after it was asked.
      await expectMoatErrorAsync(envelope.decrypt(token, { context }), "ERR_DECRYPT");
    }
    expect(provider.seen).toEqual(lengths);
  });

  it("refuses n = 0 and n = MAX_PROVIDER_CIPHERTEXT + 1 as ERR_DECRYPT without calling the provider", async () => {
    const provider = recordingProvider();
    const envelope = createEnvelope({ keyring: createKeyring([{ id: "kms1", provider }]) });
    const bad = [
      // n = 0, with the body long enough for any keyRef of 1 byte or more.
      binaryToken("kms1", 0x31, providerRef(0), 12, 64),
      binaryToken("kms1", 0x32, providerRef(0), 24, 64),
      // n above the bound, with all the bytes it declares present.
      binaryToken("kms1", 0x31, providerRef(MAX_PROVIDER_CIPHERTEXT + 1), 12),
      binaryToken("kms1", 0x32, providerRef(0xffff), 24),
      // n declared but the payload one byte short of 1 + 2 + n + 16 + 16 + nonce + 16.
      binaryToken("kms1", 0x31, providerRef(4), 12, 15),
      // A payload of the suite and the first byte of n only.
      new Uint8Array([0x01, 4, ...Buffer.from("kms1"), 0x31, 0x01]),
      new Uint8Array([0x01, 4, ...Buffer.from("kms1"), 0x31, 0x00, 0x01]),
    ];
    for (const token of bad) {
      expectMoatError(() => envelope.keyIdOf(token), "ERR_DECRYPT");
      for (const form of [token, `mk2Ekms1____${base64urlEncode(token.subarray(6))}`])
        await expectMoatErrorAsync(envelope.decrypt(form, { context }), "ERR_DECRYPT");
    }
    expect(provider.seen).toEqual([]);
  });
});

describe("format: not a token", () => {
  it("refuses a v2 lead whose length character is not 1 to 32, naming it not a ciphertext", async () => {
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]) });
    const binary = await envelope.encryptBytes("x", { context });
    const payload = base64urlEncode(binary.subarray(4));
    // A well-formed lead for its length character, so only that character is wrong: L = 0, L = 33, L = 63.
    const tokens = [
      `mk2A____${payload}`,
      `mk2h${"k".repeat(33)}___${payload}`,
      `mk2_${"k".repeat(63)}_${payload}`,
      `mk2.k1__${payload}`,
      "mk2",
    ];
    expect(await envelope.decryptString(`mk2Ck1__${payload}`, { context })).toBe("x");
    for (const token of tokens) {
      expect(expectMoatError(() => envelope.keyIdOf(token), "ERR_INVALID_INPUT").message).toBe(NOT_A_TOKEN);
      const err = await expectMoatErrorAsync(envelope.decrypt(token, { context }), "ERR_INVALID_INPUT");
      expect(err.message).toBe(NOT_A_TOKEN);
    }
  });

  it("names every malformed shape not a moatkit ciphertext", async () => {
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]) });
    const binary = await envelope.encryptBytes("x", { context });
    const payload = base64urlEncode(binary.subarray(4));
    const tokens: (string | Uint8Array)[] = [
      "",
      "garbage",
      "mk1.k1",
      `mk1.k1${payload}`,
      `mk1.k1..${payload}`,
      `mk2Ck1_${payload}`,
      "mk2Ck1",
      `mk2Ck1__${payload}=`,
      new Uint8Array([]),
      new Uint8Array([0x01]),
      new Uint8Array([0x01, 0x02]),
      new Uint8Array([0x01, 0x00, 0x11]),
      new Uint8Array([0x02, ...binary.subarray(1)]),
    ];
    for (const token of tokens) {
      const err = await expectMoatErrorAsync(envelope.decrypt(token, { context }), "ERR_INVALID_INPUT");
      expect(err.message).toBe(NOT_A_TOKEN);
    }
  });

  it("refuses a value that is neither a string nor bytes, saying what a ciphertext must be", async () => {
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]) });
    for (const value of [undefined, null, 42, {}, [1, 11, 0x6b], new ArrayBuffer(8)]) {
      const err = await expectMoatErrorAsync(envelope.decrypt(value as never, { context }), "ERR_INVALID_INPUT");
      expect(err.message).toBe("a ciphertext must be a string or a Uint8Array");
      expect(expectMoatError(() => envelope.keyIdOf(value as never), "ERR_INVALID_INPUT").message).toBe(err.message);
    }
  });
});

describe("format: parsed form", () => {
  it("records which form a message was read from (internal parseToken)", async () => {
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]) });
    const binary = await envelope.encryptBytes("x", { context });
    const v1 = `mk1.k1.${base64urlEncode(binary.subarray(4))}`;
    expect(parseToken(binary).form).toBe("bytes");
    expect(parseToken(await envelope.encrypt("x", { context })).form).toBe("string");
    expect(parseToken(v1).form).toBe("string");
  });
});
