/**
 * Wrapping data keys under master keys (docs/format.md, "Wrapped data keys"): AES-256-GCM under a
 * wrap key derived once per master key with HKDF-SHA-256(master key, "", "moatkit/v1 key-wrap"),
 * with the key's mode, master key id, data key id and scope length-prefixed as associated data,
 * so a wrapped key cannot be moved to another scope, id or mode.
 */
import { utf8Encode } from "../_internal/encoding.js";
import { MoatError } from "../errors.js";
import { AEAD_KEY_LENGTH, type CryptoBackend } from "./backend.js";
import { type KeyMode, WRAPPED_KEY_LENGTH } from "./format.js";
import { type MasterKeyring, masterKeyBytes } from "./keyring.js";

const WRAP_INFO = utf8Encode("moatkit/v1 key-wrap");
const WRAP_AAD_LABEL = utf8Encode("moatkit/v1 data-key");
const EMPTY = new Uint8Array(0);

/** @internal Wraps and unwraps data keys under the master keys of one keyring. */
export interface KeyWrapper {
  /** nonce(12) ‖ AES-256-GCM(key) ‖ tag under `masterKeyId`'s wrap key. */
  wrap(mode: KeyMode, masterKeyId: string, id: Uint8Array, scope: string, key: Uint8Array): Uint8Array;
  /** The data key, or undefined when `wrapped` does not authenticate under these inputs. */
  unwrap(
    mode: KeyMode,
    masterKeyId: string,
    id: Uint8Array,
    scope: string,
    wrapped: Uint8Array,
  ): Uint8Array | undefined;
}

/** uint32 length ‖ bytes, for each part: unambiguous however the parts are chosen. */
function lengthPrefixed(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + 4 + p.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const p of parts) {
    view.setUint32(offset, p.length);
    out.set(p, offset + 4);
    offset += 4 + p.length;
  }
  return out;
}

function wrapAad(mode: KeyMode, masterKeyId: string, id: Uint8Array, scope: string): Uint8Array {
  return lengthPrefixed([
    WRAP_AAD_LABEL,
    Uint8Array.of(mode === "stored" ? 1 : 2),
    utf8Encode(masterKeyId),
    id,
    utf8Encode(scope),
  ]);
}

/**
 * @internal
 * @param draw public randomness for the wrap nonces.
 */
export function createKeyWrapper(
  keyring: MasterKeyring,
  backend: CryptoBackend,
  draw: (n: number) => Uint8Array,
): KeyWrapper {
  // One entry per master key of the keyring, which is fixed at creation: bounded without eviction.
  const wrapKeys = new Map<string, Uint8Array>();

  function wrapKeyOf(masterKeyId: string): Uint8Array {
    let key = wrapKeys.get(masterKeyId);
    if (key === undefined) {
      const master = masterKeyBytes(keyring, masterKeyId);
      if (master === undefined) {
        throw new MoatError("ERR_KEY_NOT_FOUND", { message: `master key ${masterKeyId} is not in the keyring` });
      }
      key = backend.hkdf(master, EMPTY, WRAP_INFO, AEAD_KEY_LENGTH);
      wrapKeys.set(masterKeyId, key);
    }
    return key;
  }

  return {
    wrap(mode, masterKeyId, id, scope, key) {
      const out = new Uint8Array(WRAPPED_KEY_LENGTH);
      const nonce = draw(12);
      out.set(nonce);
      backend.sealInto(
        "aes-256-gcm",
        wrapKeyOf(masterKeyId),
        nonce,
        wrapAad(mode, masterKeyId, id, scope),
        key,
        out,
        12,
      );
      return out;
    },
    unwrap(mode, masterKeyId, id, scope, wrapped) {
      if (wrapped.length !== WRAPPED_KEY_LENGTH) return undefined;
      const aad = wrapAad(mode, masterKeyId, id, scope);
      const key = backend.open(
        "aes-256-gcm",
        wrapKeyOf(masterKeyId),
        wrapped.subarray(0, 12),
        aad,
        wrapped.subarray(12),
      );
      return key?.length === AEAD_KEY_LENGTH ? key : undefined;
    },
  };
}
