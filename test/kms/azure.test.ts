/**
 * The Azure Key Vault provider through the real `@azure/keyvault-keys` client against the
 * protocol emulator: the shared provider contract, then what is Azure's own — version pinning,
 * the context binding Key Vault cannot do itself (attacked), option checks and error mapping.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KeyProviderError, type KeyProvider } from "../../src/crypto/key-provider.js";
import { isMoatError } from "../../src/errors.js";
import { createAzureKeyVaultProvider } from "../../src/kms/azure/index.js";
import { azureProviderFor, fixedTokenCredential } from "./azure-fixture.js";
import { type AzureKeyVaultEmulator, startAzureKeyVaultEmulator } from "./emulators/azure-key-vault.js";
import { context, describeKeyProvider } from "./provider-suite.js";

describeKeyProvider(
  "azure-key-vault (RSA-OAEP-256)",
  async () => {
    const emulator = await startAzureKeyVaultEmulator();
    return { provider: azureProviderFor(emulator), emulator, pinnedVersion: emulator.firstVersion };
  },
  { hasGenerate: false },
);

describeKeyProvider(
  "azure-key-vault (Managed HSM, A256KW)",
  async () => {
    const emulator = await startAzureKeyVaultEmulator({ keyType: "oct-HSM" });
    return {
      provider: azureProviderFor(emulator, { algorithm: "A256KW" }),
      emulator,
      pinnedVersion: emulator.firstVersion,
    };
  },
  { hasGenerate: false },
);

const call = (): { signal: AbortSignal } => ({ signal: AbortSignal.timeout(5000) });

async function failureOf(promise: Promise<unknown>): Promise<KeyProviderError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(KeyProviderError);
    return error as KeyProviderError;
  }
  throw new Error("expected a KeyProviderError, the call succeeded");
}

async function unwrapsTo(provider: KeyProvider, wrapped: Uint8Array, key: Uint8Array): Promise<boolean> {
  const out = await provider.unwrap(wrapped, context(), call());
  return out !== undefined && Buffer.from(out).equals(Buffer.from(key));
}

describe("Azure Key Vault provider", () => {
  let emulator: AzureKeyVaultEmulator;
  let provider: KeyProvider;
  beforeAll(async () => {
    emulator = await startAzureKeyVaultEmulator();
    provider = azureProviderFor(emulator);
  });
  afterAll(async () => {
    await emulator.close();
  });

  describe("version pinning", () => {
    it("refuses a key identifier without a version, naming the reason", () => {
      for (const keyId of [
        `${emulator.vaultUrl}/keys/${emulator.keyName}`,
        `${emulator.vaultUrl}/keys/${emulator.keyName}/`,
      ]) {
        expect(() => createAzureKeyVaultProvider({ keyId, credential: fixedTokenCredential("t") })).toThrow(
          /no version/,
        );
      }
    });

    it("names the pinned version in keyName and sends it on every call, whatever the vault's newest is", async () => {
      expect(provider.keyName).toBe(emulator.keyId(emulator.firstVersion));
      const newest = await emulator.rotate();
      const key = randomBytes(32);
      const wrapped = await provider.wrap(key, context(), call());
      expect(emulator.lastVersionUsed()).toBe(emulator.firstVersion);
      expect(emulator.lastVersionUsed()).not.toBe(newest);
      expect(await unwrapsTo(provider, wrapped, key)).toBe(true);
    });

    it("a provider pinned to the new version cannot unwrap what the old version wrapped (so retiring a version is explicit)", async () => {
      const newest = await emulator.rotate();
      const key = randomBytes(32);
      const wrapped = await provider.wrap(key, context(), call());
      const pinnedToNewest = azureProviderFor(emulator, { version: newest });
      expect(await pinnedToNewest.unwrap(wrapped, context(), call())).toBeUndefined();
      const rewrapped = await pinnedToNewest.wrap(key, context(), call());
      expect(emulator.lastVersionUsed()).toBe(newest);
      expect(await unwrapsTo(pinnedToNewest, rewrapped, key)).toBe(true);
    });

    it("reports a deleted pinned version as not_found", async () => {
      const doomed = await emulator.rotate();
      const pinned = azureProviderFor(emulator, { version: doomed });
      const wrapped = await pinned.wrap(randomBytes(32), context(), call());
      emulator.deleteVersion(doomed);
      expect((await failureOf(pinned.unwrap(wrapped, context(), call()))).failure).toBe("not_found");
      expect((await failureOf(pinned.wrap(randomBytes(32), context(), call()))).failure).toBe("not_found");
    });

    it("reports one disabled version as key_disabled while the other versions keep working", async () => {
      const other = await emulator.rotate();
      const pinnedOther = azureProviderFor(emulator, { version: other });
      const wrapped = await provider.wrap(randomBytes(32), context(), call());
      emulator.setVersionEnabled(emulator.firstVersion, false);
      try {
        expect((await failureOf(provider.unwrap(wrapped, context(), call()))).failure).toBe("key_disabled");
        expect(await pinnedOther.wrap(randomBytes(32), context(), call())).toBeInstanceOf(Uint8Array);
      } finally {
        emulator.setVersionEnabled(emulator.firstVersion, true);
      }
    });
  });

  describe("the context binding (Key Vault's wrapKey has no associated data)", () => {
    it("a wrapped key copied from tenant A's record to tenant B's does not unwrap, though the vault decrypts it", async () => {
      const key = randomBytes(32);
      const forA = await provider.wrap(key, context({ scope: "tenant-a" }), call());
      const before = emulator.calls().unwrapKey ?? 0;
      expect(await provider.unwrap(forA, context({ scope: "tenant-b" }), call())).toBeUndefined();
      // The vault did unwrap it (the attack reaches the KMS): the refusal is moatkit's check.
      expect(emulator.calls().unwrapKey).toBe(before + 1);
    });

    it("swapping the remote parts of two records' wrapped keys makes each unwrap fail under its own context", async () => {
      const a = await provider.wrap(randomBytes(32), context({ dataKeyId: "AAAAAAAAAAA" }), call());
      const b = await provider.wrap(randomBytes(32), context({ dataKeyId: "BBBBBBBBBBB" }), call());
      expect(await provider.unwrap(b, context({ dataKeyId: "AAAAAAAAAAA" }), call())).toBeUndefined();
      expect(await provider.unwrap(a, context({ dataKeyId: "BBBBBBBBBBB" }), call())).toBeUndefined();
    });

    it("fields cannot be shifted into one another: ('ab','c') and ('a','bc') are different contexts", async () => {
      const wrapped = await provider.wrap(randomBytes(32), context({ scope: "ab", dataKeyId: "c" }), call());
      expect(await provider.unwrap(wrapped, context({ scope: "a", dataKeyId: "bc" }), call())).toBeUndefined();
    });

    it("refuses a ciphertext of the right length whose format byte was changed, and one truncated at every length, without a crash", async () => {
      const key = randomBytes(32);
      const wrapped = await provider.wrap(key, context(), call());
      const reformatted = Uint8Array.from(wrapped);
      reformatted[0] = 0x02;
      expect(await provider.unwrap(reformatted, context(), call())).toBeUndefined();
      const callsBefore = emulator.calls().unwrapKey ?? 0;
      for (const length of [0, 1, 2, 64, 128, 255, 256]) {
        expect(await provider.unwrap(wrapped.subarray(0, length), context(), call())).toBeUndefined();
      }
      // Lengths no key could produce are refused locally, without spending vault calls.
      expect(emulator.calls().unwrapKey ?? 0).toBe(callsBefore);
      expect(await unwrapsTo(provider, wrapped, key)).toBe(true);
    });

    it("refuses a wrap of a known key planted with the same public key but no binding (a bare RSA-OAEP wrap)", async () => {
      // An attacker with the public key (or wrapKey permission) wraps 32 bytes of their own
      // without moatkit's digest: the vault unwraps it, moatkit refuses it.
      const key = randomBytes(32);
      const bare = await createRawWrap(emulator, key);
      expect(await provider.unwrap(bare, context(), call())).toBeUndefined();
    });

    it("never returns the unwrapped bytes of a refused binding, and the ciphertext holds neither the key nor the digest in clear", async () => {
      const key = randomBytes(32);
      const wrapped = await provider.wrap(key, context(), call());
      expect(Buffer.from(wrapped).includes(key)).toBe(false);
      expect(wrapped.length).toBe(1 + 256);
      expect(emulator.algorithmsSeen().every((alg) => alg === "RSA-OAEP-256")).toBe(true);
    });
  });

  describe("failures", () => {
    it("a refused token is a non-retryable denied, without the token in the message", async () => {
      const wrongToken = "wrong-token-0123456789";
      const refused = azureProviderFor(emulator, { token: wrongToken });
      const error = await failureOf(refused.wrap(randomBytes(32), context(), call()));
      expect(error.failure).toBe("denied");
      expect(error.retryable).toBe(false);
      expect(error.message).not.toContain(wrongToken);
      expect(JSON.stringify(error.cause)).not.toContain(wrongToken);
    });

    it("an expired or not-yet-valid pinned version is key_disabled, whether the SDK or the vault notices", async () => {
      const hour = 3600;
      const now = Math.floor(Date.now() / 1000);
      for (const validity of [{ expires: now - hour }, { notBefore: now + hour }]) {
        // Set before the first call: the SDK reads the attributes once and refuses locally.
        const fresh = await emulator.rotate();
        emulator.setVersionValidity(fresh, validity);
        const pinned = azureProviderFor(emulator, { version: fresh });
        const error = await failureOf(pinned.wrap(randomBytes(32), context(), call()));
        expect(error.failure).toBe("key_disabled");
        expect(error.retryable).toBe(false);
      }
      // Set after the SDK cached the attributes: the vault refuses.
      const later = await emulator.rotate();
      const pinned = azureProviderFor(emulator, { version: later });
      const wrapped = await pinned.wrap(randomBytes(32), context(), call());
      emulator.setVersionValidity(later, { expires: now - hour });
      expect((await failureOf(pinned.unwrap(wrapped, context(), call()))).failure).toBe("key_disabled");
    });

    it("many concurrent first calls on a fresh provider all succeed (the bearer challenge is shared safely)", async () => {
      const fresh = azureProviderFor(emulator);
      const keys = Array.from({ length: 20 }, () => randomBytes(32));
      const wrapped = await Promise.all(keys.map((key) => fresh.wrap(key, context(), call())));
      const again = azureProviderFor(emulator);
      const unwrapped = await Promise.all(wrapped.map((w) => again.unwrap(w, context(), call())));
      expect(unwrapped.every((u, i) => u !== undefined && Buffer.from(u).equals(keys[i] ?? Buffer.alloc(0)))).toBe(
        true,
      );
    });

    it("a vault that is not listening is a retryable unavailable", async () => {
      const gone = await startAzureKeyVaultEmulator();
      const orphan = azureProviderFor(gone);
      await gone.close();
      expect((await failureOf(orphan.wrap(randomBytes(32), context(), call()))).failure).toBe("unavailable");
    });

    it("an already-aborted signal is a timeout without a request", async () => {
      const before = emulator.calls().wrapKey ?? 0;
      const error = await failureOf(provider.wrap(randomBytes(32), context(), { signal: AbortSignal.abort() }));
      expect(error.failure).toBe("timeout");
      expect(emulator.calls().wrapKey ?? 0).toBe(before);
    });

    it("the SDK does not retry on its own: one throttled answer is one request, reported at once", async () => {
      const wrapped = await provider.wrap(randomBytes(32), context(), call());
      const before = emulator.calls().unwrapKey ?? 0;
      emulator.fail("throttle", 1);
      expect((await failureOf(provider.unwrap(wrapped, context(), call()))).failure).toBe("throttled");
      expect(emulator.calls().unwrapKey).toBe(before + 1);
    });

    it("asking the SDK to retry changes nothing: its retries stay off, so the envelope's deadline governs", async () => {
      const eager = azureProviderFor(emulator, {
        clientOptions: { retryOptions: { maxRetries: 5, retryDelayInMs: 1 } },
      });
      const wrapped = await eager.wrap(randomBytes(32), context(), call());
      const before = emulator.calls().unwrapKey ?? 0;
      emulator.fail("outage", 1);
      expect((await failureOf(eager.unwrap(wrapped, context(), call()))).failure).toBe("unavailable");
      expect(emulator.calls().unwrapKey).toBe(before + 1);
    });

    it("an RSA algorithm against an AES (oct-HSM) key is an invalid_response on wrap, not a silent success", async () => {
      const hsm = await startAzureKeyVaultEmulator({ keyType: "oct-HSM" });
      try {
        const mismatched = azureProviderFor(hsm, { algorithm: "RSA-OAEP-256" });
        expect((await failureOf(mismatched.wrap(randomBytes(32), context(), call()))).failure).toBe("invalid_response");
      } finally {
        await hsm.close();
      }
    });
  });
});

describe("createAzureKeyVaultProvider options", () => {
  const keyId = "https://example-vault.vault.azure.net/keys/moatkit-kek/0123456789abcdef0123456789abcdef";
  const credential = fixedTokenCredential("t");

  it("accepts a versioned https key identifier and reports it as keyName", () => {
    const made = createAzureKeyVaultProvider({ keyId, credential });
    expect(made.kind).toBe("azure-key-vault");
    expect(made.keyName).toBe(keyId);
  });

  it.each([
    ["no version", "https://example-vault.vault.azure.net/keys/moatkit-kek"],
    ["a malformed version", "https://example-vault.vault.azure.net/keys/moatkit-kek/latest"],
    [
      "plain http to a remote host",
      "http://example-vault.vault.azure.net/keys/moatkit-kek/0123456789abcdef0123456789abcdef",
    ],
    ["a secret path", "https://example-vault.vault.azure.net/secrets/moatkit-kek/0123456789abcdef0123456789abcdef"],
    ["a query", `${keyId}?api-version=7.5`],
    [
      "credentials in the URL",
      "https://user:pass@example-vault.vault.azure.net/keys/k/0123456789abcdef0123456789abcdef",
    ],
    ["extra path segments", `${keyId}/wrapkey`],
    ["not a URL", "moatkit-kek"],
    ["an empty string", ""],
  ])("refuses a keyId with %s (ERR_CONFIG)", (_what, bad) => {
    expect(() => createAzureKeyVaultProvider({ keyId: bad, credential })).toThrow(
      expect.objectContaining({ code: "ERR_CONFIG" }),
    );
  });

  it.each([
    ["a missing credential", { keyId }],
    ["a credential without getToken", { keyId, credential: { token: "t" } }],
    ["an algorithm that binds nothing safely (RSA1_5)", { keyId, credential, algorithm: "RSA1_5" }],
    ["SHA-1 RSA-OAEP", { keyId, credential, algorithm: "RSA-OAEP" }],
    ["an unknown option", { keyId, credential, keyVersion: "x" }],
    ["a keyId that is not a string", { keyId: 42, credential }],
    ["an oversized keyId", { keyId: `${keyId}${"a".repeat(5000)}`, credential }],
    ["clientOptions that are not an object", { keyId, credential, clientOptions: "fast" }],
    ["options that are not an object", null],
  ])("refuses %s (ERR_CONFIG)", (_what, bad) => {
    let thrown: unknown;
    try {
      // @ts-expect-error -- wrong types on purpose
      createAzureKeyVaultProvider(bad);
    } catch (error) {
      thrown = error;
    }
    expect(isMoatError(thrown, "ERR_CONFIG")).toBe(true);
  });

  it("never echoes a keyId in an error, so a pasted secret is not logged", () => {
    const secretish = "https://example-vault.vault.azure.net/keys/SuperSecretName123/notaversion";
    let thrown: unknown;
    try {
      createAzureKeyVaultProvider({ keyId: secretish, credential });
    } catch (error) {
      thrown = error;
    }
    expect(isMoatError(thrown, "ERR_CONFIG")).toBe(true);
    expect(
      JSON.stringify({ message: (thrown as Error).message, details: (thrown as { details?: unknown }).details }),
    ).not.toContain("SuperSecretName123");
  });

  describe("wrong call arguments are misuse (ERR_INVALID_INPUT), checked before any request", () => {
    const made = createAzureKeyVaultProvider({ keyId, credential });
    const signal = { signal: AbortSignal.timeout(1000) };
    it.each([
      ["a 16-byte data key", () => made.wrap(new Uint8Array(16), context(), signal)],
      ["an empty data key", () => made.wrap(new Uint8Array(0), context(), signal)],
      ["an oversized data key", () => made.wrap(new Uint8Array(33), context(), signal)],
      ["a string data key", () => made.wrap("k".repeat(32) as never, context(), signal)],
      [
        "a context without scope",
        () => made.wrap(new Uint8Array(32), { ...context(), scope: undefined } as never, signal),
      ],
      ["an unknown mode", () => made.wrap(new Uint8Array(32), context({ mode: "other" as never }), signal)],
      ["an oversized context field", () => made.wrap(new Uint8Array(32), context({ scope: "s".repeat(2000) }), signal)],
      ["a missing signal", () => made.wrap(new Uint8Array(32), context(), {} as never)],
      ["a wrapped key that is a string", () => made.unwrap("AQID" as never, context(), signal)],
      ["a null context on unwrap", () => made.unwrap(new Uint8Array(257), null as never, signal)],
    ])("%s", async (_what, run) => {
      await expect(run()).rejects.toSatisfy((error: unknown) => isMoatError(error, "ERR_INVALID_INPUT"));
    });
  });
});

async function createRawWrap(emulator: AzureKeyVaultEmulator, key: Uint8Array): Promise<Uint8Array> {
  const { CryptographyClient } = await import("@azure/keyvault-keys");
  const client = new CryptographyClient(emulator.keyId(emulator.firstVersion), fixedTokenCredential(emulator.token), {
    allowInsecureConnection: true,
    disableChallengeResourceVerification: true,
  });
  const { result } = await client.wrapKey("RSA-OAEP-256", key);
  return Uint8Array.from([0x01, ...result]);
}
