/**
 * The pinned Key Vault key identifier. moatkit never wraps under "the current version": a key
 * identifier without its version would let a rotation at the vault change which key new data
 * keys are wrapped under, without a configuration change anyone reviewed.
 */
import { MoatError } from "../../errors.js";

/** A Key Vault key identifier split into its parts. */
export interface PinnedKeyId {
  /** The whole identifier, normalised (no trailing slash). */
  readonly url: string;
  /** The vault (or Managed HSM) origin, e.g. `https://my-vault.vault.azure.net`. */
  readonly vaultUrl: string;
  /** The key name. */
  readonly name: string;
  /** The pinned version (32 hexadecimal characters). */
  readonly version: string;
}

// Key Vault names keys with letters, digits and dashes (1-127); versions are 32 hex digits.
const KEY_NAME = /^[0-9A-Za-z-]{1,127}$/;
const KEY_VERSION = /^[0-9a-fA-F]{32}$/;
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["127.0.0.1", "localhost", "[::1]"]);

function refuse(message: string): never {
  throw new MoatError("ERR_CONFIG", { message: `createAzureKeyVaultProvider: ${message}` });
}

/**
 * Parses `https://{vault}/keys/{name}/{version}`. Plain http is accepted for loopback hosts only
 * (local emulators); a query, a fragment, credentials in the URL or a missing version are refused.
 */
export function parsePinnedKeyId(input: string): PinnedKeyId {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return refuse("keyId is not a URL");
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback))
    refuse("keyId must be an https URL (http only for a loopback emulator)");
  if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "")
    refuse("keyId must not carry credentials, a query or a fragment");
  const segments = url.pathname.replace(/\/$/, "").split("/").slice(1);
  if (segments[0] !== "keys" || segments.length < 2 || segments.length > 3)
    refuse('keyId must look like "https://{vault}/keys/{name}/{version}"');
  const [, name = "", version] = segments;
  if (!KEY_NAME.test(name)) refuse("keyId names an invalid key");
  if (version === undefined || version === "")
    refuse("keyId has no version: pin one (Key Vault's newest version is never used implicitly)");
  if (!KEY_VERSION.test(version)) refuse("keyId has an invalid version (expected 32 hexadecimal digits)");
  return { url: `${url.origin}/keys/${name}/${version}`, vaultUrl: url.origin, name, version };
}
