/**
 * Pins down what provider calls (src/crypto/provider-calls.ts) make of a provider's answers:
 * ciphertext and data key sizes (1 to 2048 bytes, exactly 32), `generate` used when the provider
 * has it and a local key plus one wrap when not, a non-Error thrown by a provider, and the final
 * ERR_KEY_PROVIDER: its details, a message naming provider, key id, failure and attempts (never
 * key bytes), its cause, and no fallback to another key of the keyring.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createEnvelope, createKeyring } from "../../src/crypto/index.js";
import type { KeyProvider } from "../../src/crypto/key-provider.js";
import { createProviderCalls } from "../../src/crypto/provider-calls.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";
import {
  DATA_KEY,
  WRAPPED,
  WRAP_CONTEXT,
  causeOf,
  providerError,
  scriptedProvider,
  track,
} from "./provider-calls-fixtures.js";

afterEach(() => {
  vi.restoreAllMocks();
});

async function settle<T>(promise: Promise<T>): Promise<ReturnType<typeof track<T>>> {
  const state = track(promise);
  await promise.catch(() => undefined);
  return state;
}

describe("the ciphertext a provider returns", () => {
  it("takes 1 to 2048 bytes", async () => {
    for (const size of [1, 2047, 2048]) {
      const bytes = new Uint8Array(size).fill(7);
      const provider = scriptedProvider([bytes]);
      expect(await createProviderCalls(5000).wrap("kms", provider, WRAP_CONTEXT, DATA_KEY)).toBe(bytes);
    }
  });

  for (const [what, answer] of [
    ["an empty ciphertext", new Uint8Array(0)],
    ["2049 bytes", new Uint8Array(2049)],
    ["a string", { resolve: "abc" }],
  ] as const) {
    it(`refuses ${what}, once, saying what a ciphertext must be`, async () => {
      const provider = scriptedProvider([answer]);
      const error = providerError(
        await settle(createProviderCalls(5000).wrap("kms", provider, WRAP_CONTEXT, DATA_KEY)),
      );
      expect(error.details).toMatchObject({ failure: "invalid_response", attempts: 1 });
      expect(causeOf(error)).toMatchObject({
        name: "KeyProviderError",
        message: "a wrapped data key must be 1 to 2048 bytes",
      });
      expect(provider.calls).toHaveLength(1);
    });
  }
});

describe("the data key a provider unwraps", () => {
  it("takes exactly 32 bytes, and passes on a ciphertext that does not authenticate", async () => {
    expect(await createProviderCalls(5000).unwrap("kms", scriptedProvider([DATA_KEY]), WRAP_CONTEXT, WRAPPED)).toBe(
      DATA_KEY,
    );
    const refusing: KeyProvider = { ...scriptedProvider([]), unwrap: () => Promise.resolve(undefined) };
    expect(await createProviderCalls(5000).unwrap("kms", refusing, WRAP_CONTEXT, WRAPPED)).toBeUndefined();
  });

  for (const size of [0, 31, 33]) {
    it(`refuses ${String(size)} bytes, saying a data key is 32 bytes`, async () => {
      const provider = scriptedProvider([new Uint8Array(size)]);
      const error = providerError(
        await settle(createProviderCalls(5000).unwrap("kms", provider, WRAP_CONTEXT, WRAPPED)),
      );
      expect(error.details).toMatchObject({ failure: "invalid_response", attempts: 1 });
      expect(causeOf(error)).toMatchObject({
        name: "KeyProviderError",
        message: "an unwrapped data key must be 32 bytes",
      });
    });
  }
});

describe("generate", () => {
  it("uses the provider's generate when it has one: one call, no local key, no wrap", async () => {
    const provider = scriptedProvider([], true);
    const wrap = vi.spyOn(provider, "wrap");
    const newKey = vi.fn(() => new Uint8Array(32));
    const generated = await createProviderCalls(5000).generate("kms", provider, WRAP_CONTEXT, newKey);
    expect(generated).toEqual({ dataKey: DATA_KEY, wrapped: WRAPPED });
    expect(provider.calls).toHaveLength(1);
    expect(newKey).not.toHaveBeenCalled();
    expect(wrap).not.toHaveBeenCalled();
  });

  it("checks what generate returns", async () => {
    const provider: KeyProvider = {
      ...scriptedProvider([]),
      generate: () => Promise.resolve({ dataKey: DATA_KEY, wrapped: new Uint8Array(0) }),
    };
    const error = providerError(
      await settle(createProviderCalls(5000).generate("kms", provider, WRAP_CONTEXT, () => DATA_KEY)),
    );
    expect(causeOf(error).message).toBe("a wrapped data key must be 1 to 2048 bytes");
  });

  it("makes a local key and wraps it once when the provider has no generate", async () => {
    const provider = scriptedProvider([]);
    const local = new Uint8Array(32).fill(1);
    const generated = await createProviderCalls(5000).generate("kms", provider, WRAP_CONTEXT, () => local);
    expect(generated).toEqual({ dataKey: local, wrapped: WRAPPED });
    expect(provider.calls).toHaveLength(1);
  });
});

describe("the final ERR_KEY_PROVIDER", () => {
  it("names provider kind, key id, failure and attempts, and no key bytes", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0);
    const provider = scriptedProvider(["unavailable", "denied"]);
    const error = providerError(await settle(createProviderCalls(5000).wrap("kms", provider, WRAP_CONTEXT, DATA_KEY)));
    expect(error.message).toBe("key provider test-kms of master key kms failed (denied) after 2 attempt(s)");
    expect(error.details).toEqual({
      keyId: "kms",
      kind: "test-kms",
      keyName: "test-kms/key:v7",
      failure: "denied",
      attempts: 2,
    });
    const shown = `${error.message} ${JSON.stringify(error.details)} ${String(error.cause)}`;
    for (const secret of [DATA_KEY, WRAPPED])
      for (const encoding of ["hex", "base64", "base64url"] as const)
        expect(shown).not.toContain(Buffer.from(secret).toString(encoding).slice(0, 16));
  });

  for (const thrown of [undefined, null, "socket hang up", 42]) {
    it(`treats a provider rejecting with ${String(thrown)} as an invalid response, keeping none of it`, async () => {
      const provider = scriptedProvider([{ reject: thrown }]);
      const error = providerError(
        await settle(createProviderCalls(5000).wrap("kms", provider, WRAP_CONTEXT, DATA_KEY)),
      );
      expect(error.details).toMatchObject({ failure: "invalid_response", attempts: 1 });
      expect(causeOf(error)).toMatchObject({ name: "Error", message: "the key provider failed" });
    });
  }

  it("never falls back to another key of the keyring", async () => {
    const provider = scriptedProvider(["key_disabled"]);
    const keyring = createKeyring([
      { id: "kms", provider },
      { id: "env", key: Buffer.alloc(32, 3) },
    ]);
    const envelope = createEnvelope({ keyring, keyProviderDeadline: 5000 });
    const error = await expectMoatErrorAsync(
      envelope.encrypt("x", { context: { table: "t", column: "c", rowId: 1 } }),
      "ERR_KEY_PROVIDER",
    );
    expect(error.details).toEqual({
      keyId: "kms",
      kind: "test-kms",
      keyName: "test-kms/key:v7",
      failure: "key_disabled",
      attempts: 1,
    });
    expect(provider.calls).toHaveLength(1);
  });
});
