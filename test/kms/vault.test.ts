/**
 * The Vault / OpenBao Transit provider against the Transit emulator: the shared provider
 * contract, the shared envelope suite, and what is particular to Transit (token, namespace,
 * min_decryption_version, a ciphertext that is not Transit's never sent).
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVaultTransitProvider } from "../../src/kms/vault/index.js";
import { KeyProviderError } from "../../src/crypto/key-provider.js";
import { expectMoatError } from "../helpers/assertions.js";
import { type VaultEmulator, startVaultEmulator } from "./emulators/vault.js";
import { describeProviderEnvelope } from "./envelope-suite.js";
import { context, describeKeyProvider } from "./provider-suite.js";

async function vaultUnderTest() {
  const emulator = await startVaultEmulator();
  const provider = createVaultTransitProvider({
    address: emulator.address,
    token: emulator.token,
    keyName: emulator.keyName,
    keyVersion: 1,
  });
  return { emulator, provider, pinnedVersion: "1" };
}

describeKeyProvider("vault transit", vaultUnderTest, { hasGenerate: true });
describeProviderEnvelope("vault transit", vaultUnderTest);

const call = () => ({ signal: AbortSignal.timeout(5000) });

async function failureOf(promise: Promise<unknown>): Promise<KeyProviderError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(KeyProviderError);
    return error as KeyProviderError;
  }
  throw new Error("expected a failure");
}

describe("vault transit provider", () => {
  let emulator: VaultEmulator;
  beforeAll(async () => {
    emulator = await startVaultEmulator({ mount: "secrets/transit", keyName: "app-key" });
  });
  afterAll(async () => {
    await emulator.close();
  });
  const provider = (overrides: Record<string, unknown> = {}) =>
    createVaultTransitProvider({
      address: emulator.address,
      token: emulator.token,
      keyName: "app-key",
      mount: "secrets/transit",
      keyVersion: 1,
      ...overrides,
    });

  it("sends the namespace header and a token from a function, and names the pinned version", async () => {
    const p = provider({ namespace: "team-a", token: () => Promise.resolve(emulator.token) });
    expect(p.kind).toBe("vault-transit");
    expect(p.keyName).toBe("secrets/transit/app-key:v1");
    await p.wrap(randomBytes(32), context(), call());
    expect(emulator.lastNamespace()).toBe("team-a");
  });

  it("reports a refused token as denied, an unknown key as not_found, an unreachable server as unavailable", async () => {
    expect((await failureOf(provider({ token: "hvs.wrong" }).wrap(randomBytes(32), context(), call()))).failure).toBe(
      "denied",
    );
    expect((await failureOf(provider({ keyName: "other" }).wrap(randomBytes(32), context(), call()))).failure).toBe(
      "not_found",
    );
    const down = provider({ address: "http://127.0.0.1:1" });
    expect((await failureOf(down.wrap(randomBytes(32), context(), call()))).failure).toBe("unavailable");
  });

  it("respects min_decryption_version: a ciphertext of an older version is key_disabled, not undefined", async () => {
    const v1 = provider();
    const wrapped = await v1.wrap(randomBytes(32), context(), call());
    await emulator.rotate();
    const v2 = provider({ keyVersion: 2 });
    const newer = await v2.wrap(randomBytes(32), context(), call());
    expect(Buffer.from(newer).toString().startsWith("vault:v2:")).toBe(true);
    emulator.setMinDecryptionVersion(2);
    try {
      expect((await failureOf(v2.unwrap(wrapped, context(), call()))).failure).toBe("key_disabled");
      expect(await v2.unwrap(newer, context(), call())).toBeInstanceOf(Uint8Array);
    } finally {
      emulator.setMinDecryptionVersion(1);
    }
  });

  it("does not send what is not a Transit ciphertext", async () => {
    const before = emulator.calls().decrypt ?? 0;
    for (const bad of ["vault:v1:", "vault:v0:AAAA", "vault:v1:AA AA", "notvault:v1:AAAA", "vault:v1:AAAA\n"])
      expect(await provider().unwrap(Buffer.from(bad), context(), call())).toBeUndefined();
    expect(emulator.calls().decrypt ?? 0).toBe(before);
  });

  it("refuses invalid options with ERR_CONFIG, never echoing the token", () => {
    const good = { address: emulator.address, token: "hvs.secret-token", keyName: "k", keyVersion: 1 };
    for (const bad of [
      { ...good, address: "vault.internal" },
      { ...good, token: "" },
      { ...good, keyName: "a/b" },
      { ...good, keyVersion: 0 },
      { ...good, keyVersion: 1.5 },
      { ...good, mount: "../x" },
      { ...good, mount: "a/./b" },
      { ...good, keyName: ".." },
      { ...good, extra: true },
      { ...good, fetch: "nope" },
    ]) {
      const error = expectMoatError(() => createVaultTransitProvider(bad as never), "ERR_CONFIG");
      expect(JSON.stringify(error.details ?? {}) + error.message).not.toContain("secret-token");
    }
  });
});
