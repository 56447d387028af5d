/**
 * A master key in HashiCorp Vault or OpenBao's Transit secrets engine, as a moatkit
 * {@link KeyProvider}. Data keys are wrapped (`encrypt`), unwrapped (`decrypt`) and made
 * (`datakey/plaintext`) by Transit; the key never leaves Vault. Every call carries a Transit
 * `context` encoding the whole `WrapContext` (from `moatkit/crypto`), which a `derived` Transit key turns into the
 * encryption key, so a data key wrapped for one tenant, data key id or mode does not unwrap for
 * another. Wraps are pinned to `keyVersion`; Vault's `min_decryption_version` is respected.
 * Only `fetch` is used (no SDK). See docs/kms.md, "Vault / OpenBao Transit".
 *
 * @example
 * ```ts
 * import { createVaultTransitProvider } from "moatkit/kms/vault";
 * import { createEnvelope, createKeyring } from "moatkit/crypto";
 * const provider = createVaultTransitProvider({
 *   address: "https://vault.internal:8200",
 *   token: () => readFileSync("/var/run/vault-token", "utf8").trim(),
 *   keyName: "moatkit",
 *   keyVersion: 3,
 * });
 * const envelope = createEnvelope({ keyring: createKeyring([{ id: "vault3", provider }]), dataKeys: store });
 * ```
 *
 * @module
 */
import { z } from "zod";
import { parseOptions } from "../../_internal/options.js";
import { type KeyProvider, KeyProviderError, MAX_PROVIDER_CIPHERTEXT } from "../../crypto/key-provider.js";
import { type TransitTarget, type VaultFetch, field, transitCall, transitContext } from "./transit.js";

export type { VaultFetch, VaultFetchResponse } from "./transit.js";

/** Options for {@link createVaultTransitProvider}. */
export interface VaultTransitProviderOptions {
  /** The Vault address, e.g. `https://vault.internal:8200` (no trailing `/v1`). */
  readonly address: string;
  /** A Vault token, or a function returning the current one (called per request, for renewed tokens). */
  readonly token: string | (() => string | Promise<string>);
  /** The Transit key's name. It must be a `derived` key (`derived=true`, type `aes256-gcm96`). */
  readonly keyName: string;
  /** The key version new wraps use (pinned: a rotation at Vault changes nothing until you change it). */
  readonly keyVersion: number;
  /** The Transit mount path. Default `"transit"`. */
  readonly mount?: string;
  /** A Vault Enterprise / OpenBao namespace, sent as `X-Vault-Namespace`. */
  readonly namespace?: string;
  /** The `fetch` to call Vault with. Default the global `fetch`. */
  readonly fetch?: VaultFetch;
}

const CIPHERTEXT = /^vault:v[1-9][0-9]{0,9}:[A-Za-z0-9+/]+={0,2}$/;
// Segments of `A-Z a-z 0-9 . _ -`, none of them `.` or `..` (a path must not climb out of the mount).
const MOUNT_PATH = /^(?!.*(?:^|\/)\.{1,2}(?:\/|$))[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;
const KEY_NAME = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,128}$/;

const schema = z.strictObject({
  address: z
    .url()
    .regex(/^https?:\/\//, "an http(s) URL")
    .transform((a) => a.replace(/\/+$/, "")),
  token: z.union([z.string().min(1), z.custom<() => string | Promise<string>>((v) => typeof v === "function")]),
  keyName: z.string().regex(KEY_NAME, "a Transit key name"),
  keyVersion: z.number().int().min(1),
  mount: z.string().regex(MOUNT_PATH, "a mount path such as transit").default("transit"),
  namespace: z.string().min(1).optional(),
  fetch: z.custom<VaultFetch>((v) => typeof v === "function", "a fetch function").optional(),
});

function toKey(encoded: string): Uint8Array {
  const key = Buffer.from(encoded, "base64");
  if (key.length !== 32) throw new KeyProviderError("invalid_response", "vault transit: the data key is not 32 bytes");
  return new Uint8Array(key.buffer, key.byteOffset, key.length);
}

function toCiphertext(text: string): Uint8Array {
  const bytes = Buffer.from(text, "utf8");
  if (!CIPHERTEXT.test(text) || bytes.length > MAX_PROVIDER_CIPHERTEXT)
    throw new KeyProviderError("invalid_response", "vault transit: the answer is not a Transit ciphertext");
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

/**
 * A {@link KeyProvider} for a Vault or OpenBao Transit key. It authenticates with a token
 * (`X-Vault-Token`); errors become {@link KeyProviderError}: 5xx and unreachable → `unavailable`,
 * 429 → `throttled`, 401/403 → `denied`, 404 → `not_found`, a version below
 * `min_encryption_version`/`min_decryption_version` → `key_disabled`, and a decrypt refused with
 * 400 (wrong context, tampered ciphertext) → `unwrap` resolves `undefined`.
 *
 * @throws MoatError ERR_CONFIG for invalid options.
 * @example
 * ```ts
 * const provider = createVaultTransitProvider({ address: process.env.VAULT_ADDR ?? "", token: process.env.VAULT_TOKEN ?? "", keyName: "moatkit", keyVersion: 1 });
 * ```
 */
export function createVaultTransitProvider(options: VaultTransitProviderOptions): KeyProvider {
  const opts = parseOptions(schema, options, "createVaultTransitProvider options");
  const { token } = opts;
  const target: TransitTarget = {
    address: opts.address,
    mount: opts.mount,
    name: opts.keyName,
    namespace: opts.namespace,
    token: typeof token === "string" ? () => token : token,
    fetch: opts.fetch ?? ((url, init) => fetch(url, init)),
  };
  const version = opts.keyVersion;
  const provider: KeyProvider = {
    kind: "vault-transit",
    keyName: `${opts.mount}/${opts.keyName}:v${String(version)}`,
    async wrap(dataKey, context, { signal }) {
      const plaintext = Buffer.from(dataKey).toString("base64");
      const answer = await transitCall(
        target,
        "encrypt",
        { plaintext, context: transitContext(context), key_version: version },
        signal,
        false,
      );
      if (!answer.ok) throw new KeyProviderError("invalid_response", "vault transit: encrypt was refused");
      return toCiphertext(field(answer.data, "ciphertext"));
    },
    async unwrap(wrapped, context, { signal }) {
      // Not a Transit ciphertext at all: nothing Vault could authenticate, so no call is made.
      if (wrapped.length === 0 || wrapped.length > MAX_PROVIDER_CIPHERTEXT) return undefined;
      const ciphertext = Buffer.from(wrapped).toString("utf8");
      if (!CIPHERTEXT.test(ciphertext)) return undefined;
      const answer = await transitCall(
        target,
        "decrypt",
        { ciphertext, context: transitContext(context) },
        signal,
        true,
      );
      if (!answer.ok) return undefined;
      return toKey(field(answer.data, "plaintext"));
    },
    async generate(context, { signal }) {
      const answer = await transitCall(
        target,
        "datakey/plaintext",
        { context: transitContext(context), bits: 256, key_version: version },
        signal,
        false,
      );
      if (!answer.ok) throw new KeyProviderError("invalid_response", "vault transit: datakey was refused");
      return {
        dataKey: toKey(field(answer.data, "plaintext")),
        wrapped: toCiphertext(field(answer.data, "ciphertext")),
      };
    },
  };
  return Object.freeze(provider);
}
