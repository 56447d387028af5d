/**
 * The key wrapper (key-wrap.ts) on its own: a local wrap is nonce(12) ‖ AES-256-GCM(key) ‖ tag,
 * 60 bytes, with the drawn nonce in front; it opens only for the mode, master key id, data key id
 * and scope it was made for, and only at its exact length. A stateless key reference opens only
 * under an entry of its own kind (a local wrap relabelled as a provider's, or the reverse, reaches
 * neither). A master key that is unknown, held by a provider (for a local wrap) or retired is
 * ERR_KEY_NOT_FOUND naming it, never a crash and never key bytes. Some of these paths are reached
 * only by calling the wrapper directly: the envelope always passes its primary key, never retired.
 */
import { describe, expect, it } from "vitest";
import { nodeCryptoBackend } from "../../src/crypto/backend-select.js";
import { type KeyProvider, type MasterKeyring, createKeyring } from "../../src/crypto/index.js";
import { type KeyWrapper, createKeyWrapper } from "../../src/crypto/key-wrap.js";
import { createProviderCalls } from "../../src/crypto/provider-calls.js";
import { expectMoatError, expectMoatErrorAsync } from "../helpers/assertions.js";
import { seededRandom, toHex } from "./helpers.js";

const LOCAL_BYTES = new Uint8Array(32).fill(7);
const ID = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
const EMPTY = new Uint8Array(0);

/** A provider that counts its calls and wraps by storing the key under a counter. */
function countingProvider(): { provider: KeyProvider; calls: string[] } {
  const calls: string[] = [];
  const keys = new Map<number, Uint8Array>();
  let next = 1;
  const provider: KeyProvider = {
    kind: "test-counting",
    keyName: "test/counting:v1",
    wrap(key) {
      calls.push("wrap");
      keys.set(next, key.slice());
      return Promise.resolve(Uint8Array.of(next++));
    },
    unwrap(wrapped) {
      calls.push("unwrap");
      return Promise.resolve(keys.get(wrapped[0] ?? 0)?.slice() ?? new Uint8Array(32).fill(9));
    },
  };
  return { provider, calls };
}

interface Fixture {
  readonly wrapper: KeyWrapper;
  readonly nonces: Uint8Array[];
  readonly calls: string[];
  readonly keyring: MasterKeyring;
}

/** A wrapper over local "k1", retired local "old" and provider "kms"; records the nonces drawn. */
function fixture(): Fixture {
  const { provider, calls } = countingProvider();
  const keyring = createKeyring([
    { id: "k1", key: LOCAL_BYTES },
    { id: "old", key: new Uint8Array(32).fill(3), retired: true },
    { id: "kms", provider },
  ]);
  const random = seededRandom(42);
  const nonces: Uint8Array[] = [];
  const draw = (n: number): Uint8Array => {
    const out = random(n);
    if (n === 12) nonces.push(out.slice());
    return out;
  };
  const wrapper = createKeyWrapper(keyring, nodeCryptoBackend()!, draw, createProviderCalls(5000), () => random(32));
  return { wrapper, nonces, calls, keyring };
}

function dataKey(): Uint8Array {
  return Uint8Array.from({ length: 32 }, (_, i) => i + 100);
}

describe("a local wrap", () => {
  it("is 60 bytes, starts with the nonce drawn for it, and differs per nonce", () => {
    const { wrapper, nonces } = fixture();
    const a = wrapper.wrap("stored", "k1", ID, "t1", dataKey());
    const b = wrapper.wrap("stored", "k1", ID, "t1", dataKey());
    expect(a.length).toBe(60);
    expect(nonces).toHaveLength(2);
    expect(toHex(a.subarray(0, 12))).toBe(toHex(nonces[0]!));
    expect(toHex(b.subarray(0, 12))).toBe(toHex(nonces[1]!));
    expect(toHex(a)).not.toBe(toHex(b));
    // The key bytes do not appear in the wrap.
    expect(toHex(a)).not.toContain(toHex(dataKey()).slice(0, 16));
    expect(wrapper.unwrap("stored", "k1", ID, "t1", a)).toEqual(dataKey());
    expect(wrapper.unwrap("stored", "k1", ID, "t1", b)).toEqual(dataKey());
  });

  it("opens only for the mode, data key id and scope it was made for", () => {
    const { wrapper } = fixture();
    const wrapped = wrapper.wrap("stored", "k1", ID, "t1", dataKey());
    expect(wrapper.unwrap("stored", "k1", ID, "t2", wrapped)).toBeUndefined();
    expect(wrapper.unwrap("stored", "k1", ID, "", wrapped)).toBeUndefined();
    expect(wrapper.unwrap("stored", "k1", Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 9), "t1", wrapped)).toBeUndefined();
    expect(wrapper.unwrap("embedded", "k1", ID, "t1", wrapped)).toBeUndefined();
    const embedded = wrapper.wrap("embedded", "k1", EMPTY, "", dataKey());
    expect(wrapper.unwrap("stored", "k1", EMPTY, "", embedded)).toBeUndefined();
    expect(wrapper.unwrap("embedded", "k1", EMPTY, "", embedded)).toEqual(dataKey());
  });

  it("does not open under another master key, with a changed nonce, or at another length", () => {
    const { wrapper } = fixture();
    const wrapped = wrapper.wrap("stored", "k1", ID, "t1", dataKey());
    expect(wrapper.unwrap("stored", "old", ID, "t1", wrapped)).toBeUndefined();
    const nonce = wrapped.slice();
    nonce[0]! ^= 1;
    expect(wrapper.unwrap("stored", "k1", ID, "t1", nonce)).toBeUndefined();
    const tag = wrapped.slice();
    tag[59]! ^= 1;
    expect(wrapper.unwrap("stored", "k1", ID, "t1", tag)).toBeUndefined();
    const longer = new Uint8Array(61);
    longer.set(wrapped);
    expect(wrapper.unwrap("stored", "k1", ID, "t1", longer)).toBeUndefined();
    expect(wrapper.unwrap("stored", "k1", ID, "t1", wrapped.subarray(0, 59))).toBeUndefined();
    expect(wrapper.unwrap("stored", "k1", ID, "t1", EMPTY)).toBeUndefined();
  });

  it("is ERR_KEY_NOT_FOUND naming a master key the process holds no bytes of (a provider's or unknown)", () => {
    const { wrapper } = fixture();
    for (const keyId of ["kms", "nope"]) {
      const err = expectMoatError(() => wrapper.wrap("stored", keyId, ID, "t1", dataKey()), "ERR_KEY_NOT_FOUND");
      expect(err.message).toBe(`master key ${keyId} is not in the keyring`);
      const again = expectMoatError(
        () => wrapper.unwrap("embedded", keyId, EMPTY, "", new Uint8Array(60)),
        "ERR_KEY_NOT_FOUND",
      );
      expect(again.message).toContain(keyId);
      expect(again.message).not.toContain(toHex(dataKey()).slice(0, 8));
    }
  });
});

describe("which entries the wrapper treats as a provider's", () => {
  it("is true only for a provider entry, false for a local or unknown id", () => {
    const { wrapper } = fixture();
    expect(wrapper.isProvider("kms")).toBe(true);
    expect(wrapper.isProvider("k1")).toBe(false);
    expect(wrapper.isProvider("old")).toBe(false);
    expect(wrapper.isProvider("nope")).toBe(false);
  });
});

describe("a retired master key", () => {
  it("neither wraps nor makes new keys, and unwraps only when allowed", async () => {
    const { wrapper, keyring } = fixture();
    expect(keyring.retiredKeyIds).toEqual(["old"]);
    const wrapErr = await expectMoatErrorAsync(wrapper.wrapStored("old", ID, "t1", dataKey()), "ERR_KEY_NOT_FOUND");
    expect(wrapErr.message).toContain("master key old is retired");
    expect(wrapErr.details).toEqual({ keyId: "old", retired: true });
    const embErr = expectMoatError(() => wrapper.newEmbedded("old"), "ERR_KEY_NOT_FOUND");
    expect(embErr.details).toEqual({ keyId: "old", retired: true });
    expectMoatError(() => wrapper.newStored("old", ID, "t1"), "ERR_KEY_NOT_FOUND");

    const wrapped = wrapper.wrap("stored", "old", ID, "t1", dataKey());
    expectMoatError(() => wrapper.unwrapStored("old", ID, "t1", wrapped, false), "ERR_KEY_NOT_FOUND");
    expect(await wrapper.unwrapStored("old", ID, "t1", wrapped, true)).toEqual(dataKey());
  });
});

describe("a stateless key reference under an entry of the other kind", () => {
  it("opens a local wrap only under the embedded suite, never relabelled as a provider's", async () => {
    const { wrapper } = fixture();
    const { mode, made } = wrapper.newEmbedded("k1");
    expect(mode).toBe("embedded");
    const { key, wrapped } = await made;
    expect(wrapped.length).toBe(60);
    expect(await wrapper.unwrapEmbedded("embedded", "k1", wrapped)).toEqual(key);
    // Local wraps of both stateless modes share their associated data: only the suite check refuses this.
    expect(await wrapper.unwrapEmbedded("embedded-provider", "k1", wrapped)).toBeUndefined();
  });

  it("never asks a provider to open a reference whose suite says it was wrapped locally", async () => {
    const { wrapper, calls } = fixture();
    const { mode, made } = wrapper.newEmbedded("kms");
    expect(mode).toBe("embedded-provider");
    const { key, wrapped } = await made;
    expect(calls).toEqual(["wrap"]);
    expect(await wrapper.unwrapEmbedded("embedded-provider", "kms", wrapped)).toEqual(key);
    expect(calls).toEqual(["wrap", "unwrap"]);
    expect(await wrapper.unwrapEmbedded("embedded", "kms", wrapped)).toBeUndefined();
    expect(await wrapper.unwrapEmbedded("stored", "kms", wrapped)).toBeUndefined();
    expect(calls).toEqual(["wrap", "unwrap"]);
  });
});
