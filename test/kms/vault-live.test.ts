/**
 * The Vault / OpenBao Transit provider against a real server, when one is configured:
 * `VAULT_ADDR` and `VAULT_TOKEN` (e.g. `vault server -dev`), optionally `VAULT_TRANSIT_MOUNT`
 * (default `transit`, which must be enabled) and `VAULT_NAMESPACE`. The test creates its own
 * derived key, `moatkit-live-test`. Without those variables it is skipped, saying so; it is not
 * one of the services MOATKIT_REQUIRE_SERVICES makes required (CI has no Vault).
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createMemoryDataKeyStore } from "../../src/adapters/memory/index.js";
import { createEnvelope, createKeyring } from "../../src/crypto/index.js";
import { createVaultTransitProvider } from "../../src/kms/vault/index.js";
import { context } from "./provider-suite.js";

const address = process.env.VAULT_ADDR;
const token = process.env.VAULT_TOKEN;
const mount = process.env.VAULT_TRANSIT_MOUNT ?? "transit";
const namespace = process.env.VAULT_NAMESPACE;
const KEY = "moatkit-live-test";
const configured = address !== undefined && address !== "" && token !== undefined && token !== "";

describe.skipIf(!configured)(
  "vault transit provider against a real Vault — skipped: VAULT_ADDR and VAULT_TOKEN are not set (not a required service)",
  () => {
    const headers = (): Record<string, string> => ({
      "x-vault-token": token ?? "",
      ...(namespace === undefined ? {} : { "x-vault-namespace": namespace }),
    });

    async function ensureKey(): Promise<void> {
      const response = await fetch(`${address ?? ""}/v1/${mount}/keys/${KEY}`, {
        method: "POST",
        headers: { ...headers(), "content-type": "application/json" },
        body: JSON.stringify({ derived: true, type: "aes256-gcm96" }),
      });
      expect([200, 204]).toContain(response.status);
    }

    const provider = () =>
      createVaultTransitProvider({
        address: address ?? "",
        token: token ?? "",
        keyName: KEY,
        keyVersion: 1,
        mount,
        ...(namespace === undefined ? {} : { namespace }),
      });

    it("wraps, unwraps and generates bound to the context, and refuses another tenant's context", async () => {
      await ensureKey();
      const call = () => ({ signal: AbortSignal.timeout(10_000) });
      const key = randomBytes(32);
      const wrapped = await provider().wrap(key, context(), call());
      expect(Buffer.from(wrapped).toString().startsWith("vault:v1:")).toBe(true);
      expect(Buffer.from((await provider().unwrap(wrapped, context(), call())) ?? []).equals(key)).toBe(true);
      expect(await provider().unwrap(wrapped, context({ scope: "tenant-b" }), call())).toBeUndefined();
      const generated = await provider().generate?.(context(), call());
      expect(generated?.dataKey.length).toBe(32);
    });

    it("round-trips values through an envelope whose primary key is in Vault", async () => {
      await ensureKey();
      const envelope = createEnvelope({
        keyring: createKeyring([{ id: "vault1", provider: provider() }]),
        dataKeys: createMemoryDataKeyStore(),
      });
      const where = { context: { table: "t", column: "c", rowId: 1 }, tenantId: "live" };
      expect(await envelope.decryptString(await envelope.encrypt("live value", where), where)).toBe("live value");
    });
  },
);
