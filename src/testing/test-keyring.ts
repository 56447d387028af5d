import { base64Encode } from "../_internal/encoding.js";
import { sha256 } from "../_internal/hash.js";
import { type MasterKeyring, createKeyring } from "../crypto/keyring.js";

function testKeyBytes(keyId: string): Uint8Array {
  return sha256(`moatkit test master key:${keyId}`);
}

/**
 * A keyring of deterministic test master keys (each key is SHA-256 of a fixed label and its id),
 * so tests and fixtures produce reproducible data keys across runs. The first id is primary.
 * Never use these keys outside tests: anyone can recompute them.
 *
 * @example
 * ```ts
 * import { testKeyring } from "moatkit/testing";
 * const envelope = createEnvelope({ keyring: testKeyring(["k2", "k1"]) });
 * ```
 */
export function testKeyring(keyIds: readonly string[] = ["test-k1"]): MasterKeyring {
  return createKeyring(keyIds.map((id) => ({ id, key: testKeyBytes(id) })));
}

/**
 * The `MOATKIT_MASTER_KEYS` value of {@link testKeyring}'s keys, for testing code that reads the
 * environment.
 *
 * @example
 * ```ts
 * const keyring = keyringFromEnv("MOATKIT_MASTER_KEYS", { MOATKIT_MASTER_KEYS: testMasterKeysValue(["k1"]) });
 * ```
 */
export function testMasterKeysValue(keyIds: readonly string[] = ["test-k1"]): string {
  return keyIds.map((id) => `${id}:${base64Encode(testKeyBytes(id))}`).join(",");
}
