/**
 * The Azure Key Vault provider against a real vault, when one is configured:
 *
 *   MOATKIT_AZURE_KEY_ID  a versioned key id, https://{vault}.vault.azure.net/keys/{name}/{version}
 *                         (an RSA key; the identity needs the "Key Vault Crypto User" role)
 *   MOATKIT_AZURE_TOKEN   an access token for it: `az account get-access-token --resource
 *                         https://vault.azure.net --query accessToken -o tsv`
 *
 * Without both it is skipped with that reason (no vault is reachable from CI). Everything the
 * emulator injects (outages, throttling, rotation) is covered in azure.test.ts.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createAzureKeyVaultProvider } from "../../src/kms/azure/index.js";
import { fixedTokenCredential } from "./azure-fixture.js";
import { context } from "./provider-suite.js";

const keyId = process.env.MOATKIT_AZURE_KEY_ID ?? "";
const token = process.env.MOATKIT_AZURE_TOKEN ?? "";

describe("Azure Key Vault provider against a real vault", () => {
  if (keyId === "" || token === "") {
    it.skip("skipped: set MOATKIT_AZURE_KEY_ID (a versioned key id) and MOATKIT_AZURE_TOKEN to run against a real vault", () => {});
    return;
  }
  const provider = createAzureKeyVaultProvider({ keyId, credential: fixedTokenCredential(token) });
  const call = (): { signal: AbortSignal } => ({ signal: AbortSignal.timeout(15_000) });

  it("wraps and unwraps a data key, and refuses it under another tenant's context", async () => {
    const key = randomBytes(32);
    const wrapped = await provider.wrap(key, context(), call());
    const unwrapped = await provider.unwrap(wrapped, context(), call());
    expect(unwrapped && Buffer.from(unwrapped).equals(key)).toBe(true);
    expect(await provider.unwrap(wrapped, context({ scope: "tenant-b" }), call())).toBeUndefined();
  });

  it("answers a tampered ciphertext with undefined (the vault's 400), not an error", async () => {
    const wrapped = Uint8Array.from(await provider.wrap(randomBytes(32), context(), call()));
    wrapped[100] = (wrapped[100] ?? 0) ^ 1;
    expect(await provider.unwrap(wrapped, context(), call())).toBeUndefined();
  });
});
