/**
 * A {@link KeyProvider} over Azure Key Vault (or Managed HSM) wrapKey / unwrapKey, through the
 * official `@azure/keyvault-keys` CryptographyClient, pinned to one key version.
 */
import {
  CryptographyClient,
  type CryptographyClientOptions,
  type KeyClient,
  type KeyWrapAlgorithm,
} from "@azure/keyvault-keys";
import { z } from "zod";
import { parseOptions } from "../../_internal/options.js";
import {
  type KeyProvider,
  type KeyProviderCallOptions,
  MAX_PROVIDER_CIPHERTEXT,
  type WrapContext,
} from "../../crypto/key-provider.js";
import { MoatError } from "../../errors.js";
import { DATA_KEY_BYTES, assertContext, bindDataKey, openBoundDataKey } from "./binding.js";
import { providerError, translateUnwrapError, translateWrapError } from "./errors.js";
import { type PinnedKeyId, parsePinnedKeyId } from "./key-id.js";

/** The credential type the Azure SDK takes (an `@azure/identity` credential, for instance). */
export type AzureTokenCredential = ConstructorParameters<typeof KeyClient>[1];

/** The wrap algorithms moatkit allows: RSA-OAEP with SHA-256 (RSA keys) or AES key wrap (Managed HSM `oct-HSM` keys). */
export type AzureWrapAlgorithm = "RSA-OAEP-256" | "A256KW";

/** Options for {@link createAzureKeyVaultProvider}. */
export interface AzureKeyVaultProviderOptions {
  /**
   * The key identifier with its version, `https://{vault}.vault.azure.net/keys/{name}/{version}`
   * (or a Managed HSM's). An identifier without a version is refused: moatkit never wraps under
   * whatever version the vault currently calls newest.
   */
  readonly keyId: string;
  /** How to authenticate, e.g. `new DefaultAzureCredential()` from `@azure/identity`. */
  readonly credential: AzureTokenCredential;
  /** The wrap algorithm; default `"RSA-OAEP-256"`. Use `"A256KW"` for a Managed HSM AES key. */
  readonly algorithm?: AzureWrapAlgorithm;
  /**
   * Passed to the SDK's CryptographyClient (pipeline policies, proxy, `serviceVersion`). Its
   * retries are turned off whatever is given here: moatkit's envelope retries with backoff and
   * jitter inside its own deadline, and two nested retry loops would multiply the wait.
   */
  readonly clientOptions?: CryptographyClientOptions;
}

const optionsSchema = z.strictObject({
  keyId: z.string().min(1).max(2048),
  credential: z.custom<AzureTokenCredential>(
    (v) => typeof v === "object" && v !== null && typeof Reflect.get(v, "getToken") === "function",
    "expected a TokenCredential (an object with getToken)",
  ),
  algorithm: z.enum(["RSA-OAEP-256", "A256KW"]).default("RSA-OAEP-256"),
  clientOptions: z
    .custom<CryptographyClientOptions>(
      (v) => typeof v === "object" && v !== null && !Array.isArray(v),
      "expected an object",
    )
    .optional(),
});

const FORMAT_V1 = 0x01;
// The remote part's length is fixed by the key: an RSA modulus (2048, 3072 or 4096 bits), or
// AES key wrap's 8-byte integrity block over the 64 bound bytes. Anything else is refused
// without a call to the vault.
const REMOTE_LENGTHS: Readonly<Record<AzureWrapAlgorithm, ReadonlySet<number>>> = {
  "RSA-OAEP-256": new Set([256, 384, 512]),
  A256KW: new Set([72]),
};

function invalid(message: string): never {
  throw new MoatError("ERR_INVALID_INPUT", { message: `Azure Key Vault provider: ${message}` });
}

function assertSignal(options: unknown): AbortSignal {
  const signal: unknown = typeof options === "object" && options !== null ? Reflect.get(options, "signal") : undefined;
  if (!(signal instanceof AbortSignal)) invalid("options.signal must be an AbortSignal");
  return signal;
}

function buildClient(
  key: PinnedKeyId,
  credential: AzureTokenCredential,
  given: CryptographyClientOptions | undefined,
): CryptographyClient {
  const clientOptions: CryptographyClientOptions = {
    ...given,
    retryOptions: { ...given?.retryOptions, maxRetries: 0 },
  };
  return new CryptographyClient(key.url, credential, clientOptions);
}

/**
 * A key provider over one pinned Azure Key Vault key version. The wrap binds the data key to its
 * {@link WrapContext} (Key Vault's wrapKey has no associated data, so the context digest is
 * wrapped with the key and checked on unwrap; see docs/kms-azure.md). The identity needs the
 * "Key Vault Crypto User" role (or an access policy with wrapKey, unwrapKey and get).
 *
 * @example
 * ```ts
 * import { DefaultAzureCredential } from "@azure/identity";
 * import { createAzureKeyVaultProvider } from "moatkit/kms/azure";
 *
 * const provider = createAzureKeyVaultProvider({
 *   keyId: "https://my-vault.vault.azure.net/keys/moatkit-kek/0123456789abcdef0123456789abcdef",
 *   credential: new DefaultAzureCredential(),
 * });
 * ```
 */
export function createAzureKeyVaultProvider(options: AzureKeyVaultProviderOptions): KeyProvider {
  const parsed = parseOptions(optionsSchema, options, "createAzureKeyVaultProvider options");
  const key = parsePinnedKeyId(parsed.keyId);
  const algorithm: KeyWrapAlgorithm = parsed.algorithm;
  const client = buildClient(key, parsed.credential, parsed.clientOptions);
  const keyName = key.url;
  const remoteLengths = REMOTE_LENGTHS[parsed.algorithm];

  async function wrap(dataKey: Uint8Array, context: WrapContext, callOptions: KeyProviderCallOptions) {
    if (!(dataKey instanceof Uint8Array) || dataKey.length !== DATA_KEY_BYTES)
      invalid(`the data key must be a Uint8Array of ${DATA_KEY_BYTES} bytes`);
    assertContext(context);
    const abortSignal = assertSignal(callOptions);
    const bound = bindDataKey(dataKey, context);
    let result: Uint8Array | undefined;
    try {
      ({ result } = await client.wrapKey(algorithm, bound, { abortSignal }));
    } catch (error) {
      throw translateWrapError(error, keyName, abortSignal);
    } finally {
      bound.fill(0);
    }
    if (!(result instanceof Uint8Array) || !remoteLengths.has(result.length))
      throw providerError("invalid_response", "wrapKey", keyName);
    const wrapped = new Uint8Array(1 + result.length);
    wrapped[0] = FORMAT_V1;
    wrapped.set(result, 1);
    return wrapped;
  }

  async function unwrap(wrapped: Uint8Array, context: WrapContext, callOptions: KeyProviderCallOptions) {
    if (!(wrapped instanceof Uint8Array)) invalid("the wrapped key must be a Uint8Array");
    assertContext(context);
    const abortSignal = assertSignal(callOptions);
    // A ciphertext that cannot be ours is refused here, without spending a vault call on it.
    if (wrapped.length > MAX_PROVIDER_CIPHERTEXT || wrapped[0] !== FORMAT_V1 || !remoteLengths.has(wrapped.length - 1))
      return undefined;
    let plaintext: Uint8Array | undefined;
    try {
      ({ result: plaintext } = await client.unwrapKey(algorithm, wrapped.slice(1), { abortSignal }));
    } catch (error) {
      const outcome = translateUnwrapError(error, keyName, abortSignal);
      if (outcome === "does_not_unwrap") return undefined;
      throw outcome;
    }
    if (!(plaintext instanceof Uint8Array)) throw providerError("invalid_response", "unwrapKey", keyName);
    return openBoundDataKey(plaintext, context);
  }

  return Object.freeze({ kind: "azure-key-vault", keyName, wrap, unwrap });
}
