/**
 * Wrapping data keys under master keys (docs/format.md, "Wrapped data keys"). A local master key
 * wraps with AES-256-GCM under a wrap key derived once per master key with
 * HKDF-SHA-256(master key, "", "moatkit/v1 key-wrap"), with the key's mode, master key id, data
 * key id and scope length-prefixed as associated data, so a wrapped key cannot be moved to another
 * scope, id or mode. A master key held by a key provider wraps remotely, bound to the same facts
 * as a {@link WrapContext} (provider-calls.ts adds the deadline and retries).
 */
import { base64urlEncode, utf8Encode } from "../_internal/encoding.js";
import { MoatError } from "../errors.js";
import { AEAD_KEY_LENGTH, type CryptoBackend } from "./backend.js";
import { type KeyMode, WRAPPED_KEY_LENGTH, providerKeyRef } from "./format.js";
import { DATA_KEY_PURPOSE, type WrapContext } from "./key-provider.js";
import { type KeyringEntry, type MasterKeyring, keyringEntry, masterKeyBytes } from "./keyring.js";
import type { ProviderCalls } from "./provider-calls.js";

const WRAP_INFO = utf8Encode("moatkit/v1 key-wrap");
const WRAP_AAD_LABEL = utf8Encode("moatkit/v1 data-key");
const EMPTY = new Uint8Array(0);

/** @internal A new data key and how it is referenced: its wrap (stored) or the token's keyRef (embedded). */
export interface NewDataKey {
  readonly key: Uint8Array;
  readonly wrapped: Uint8Array;
}

/** @internal Wraps and unwraps data keys under the master keys of one keyring. */
export interface KeyWrapper {
  /** Whether a provider holds this master key (false for a local key or an unknown id). */
  isProvider(masterKeyId: string): boolean;
  /** A new stored data key under `masterKeyId` (a provider makes it in one call where it can). */
  newStored(masterKeyId: string, id: Uint8Array, scope: string): NewDataKey | Promise<NewDataKey>;
  /** `key` wrapped as a stored data key under `masterKeyId`. */
  wrapStored(masterKeyId: string, id: Uint8Array, scope: string, key: Uint8Array): Promise<Uint8Array>;
  /**
   * A stored data key, or undefined when its wrap does not authenticate. A retired master key
   * unwraps only with `allowRetired` (rewrapDataKeys); otherwise ERR_KEY_NOT_FOUND names it retired.
   */
  unwrapStored(
    masterKeyId: string,
    id: Uint8Array,
    scope: string,
    wrapped: Uint8Array,
    allowRetired: boolean,
  ): Uint8Array | undefined | Promise<Uint8Array | undefined>;
  /** A new stateless data key under `masterKeyId`; `wrapped` is the token's keyRef field. */
  newEmbedded(masterKeyId: string): { mode: KeyMode; made: NewDataKey | Promise<NewDataKey> };
  /** A stateless token's data key, or undefined when its keyRef does not authenticate under the token's master key. */
  unwrapEmbedded(
    mode: KeyMode,
    masterKeyId: string,
    keyRef: Uint8Array,
  ): Uint8Array | undefined | Promise<Uint8Array | undefined>;
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
  calls: ProviderCalls,
  newKey: () => Uint8Array,
): KeyWrapper {
  // One entry per master key of the keyring, which is fixed at creation: bounded without eviction.
  const wrapKeys = new Map<string, Uint8Array>();

  function wrapKeyOf(masterKeyId: string): Uint8Array {
    let key = wrapKeys.get(masterKeyId);
    if (key === undefined) {
      const master = masterKeyBytes(keyring, masterKeyId);
      // Also a provider's id: a local wrap is never made or opened under a key this process lacks.
      if (master === undefined) {
        throw new MoatError("ERR_KEY_NOT_FOUND", { message: `master key ${masterKeyId} is not in the keyring` });
      }
      key = backend.hkdf(master, EMPTY, WRAP_INFO, AEAD_KEY_LENGTH);
      wrapKeys.set(masterKeyId, key);
    }
    return key;
  }

  /** The entry of a master key that may be used now; ERR_KEY_NOT_FOUND when absent or retired. */
  function usableEntry(masterKeyId: string, allowRetired: boolean): KeyringEntry {
    const entry = keyringEntry(keyring, masterKeyId);
    if (entry === undefined)
      throw new MoatError("ERR_KEY_NOT_FOUND", { message: `master key ${masterKeyId} is not in the keyring` });
    if (entry.retired && !allowRetired)
      throw new MoatError("ERR_KEY_NOT_FOUND", {
        message: `master key ${masterKeyId} is retired: run envelope.keys.rewrapDataKeys() to move data keys off it`,
        details: { keyId: masterKeyId, retired: true },
      });
    return entry;
  }

  function storedContext(keyId: string, id: Uint8Array, scope: string): WrapContext {
    return { keyId, mode: "stored", dataKeyId: base64urlEncode(id), scope, purpose: DATA_KEY_PURPOSE };
  }

  function embeddedContext(keyId: string): WrapContext {
    return { keyId, mode: "embedded", dataKeyId: "", scope: "", purpose: DATA_KEY_PURPOSE };
  }

  async function withRef(made: Promise<NewDataKey>): Promise<NewDataKey> {
    const { key, wrapped } = await made;
    return { key, wrapped: providerKeyRef(wrapped) };
  }

  const wrapper: KeyWrapper = {
    isProvider: (masterKeyId) => keyringEntry(keyring, masterKeyId)?.kind === "provider",
    newStored(masterKeyId, id, scope) {
      const entry = usableEntry(masterKeyId, false);
      if (entry.kind === "provider")
        return calls
          .generate(masterKeyId, entry.provider, storedContext(masterKeyId, id, scope), newKey)
          .then(({ dataKey, wrapped }) => ({ key: dataKey, wrapped }));
      const key = newKey();
      return { key, wrapped: wrapper.wrap("stored", masterKeyId, id, scope, key) };
    },
    async wrapStored(masterKeyId, id, scope, key) {
      const entry = usableEntry(masterKeyId, false);
      if (entry.kind === "local") return wrapper.wrap("stored", masterKeyId, id, scope, key);
      return calls.wrap(masterKeyId, entry.provider, storedContext(masterKeyId, id, scope), key);
    },
    unwrapStored(masterKeyId, id, scope, wrapped, allowRetired) {
      const entry = usableEntry(masterKeyId, allowRetired);
      if (entry.kind === "local") return wrapper.unwrap("stored", masterKeyId, id, scope, wrapped);
      return calls.unwrap(masterKeyId, entry.provider, storedContext(masterKeyId, id, scope), wrapped);
    },
    newEmbedded(masterKeyId) {
      const entry = usableEntry(masterKeyId, false);
      if (entry.kind === "provider") {
        const made = calls.generate(masterKeyId, entry.provider, embeddedContext(masterKeyId), newKey);
        return {
          mode: "embedded-provider",
          made: withRef(made.then(({ dataKey, wrapped }) => ({ key: dataKey, wrapped }))),
        };
      }
      const key = newKey();
      return { mode: "embedded", made: { key, wrapped: wrapper.wrap("embedded", masterKeyId, EMPTY, "", key) } };
    },
    unwrapEmbedded(mode, masterKeyId, keyRef) {
      const entry = usableEntry(masterKeyId, false);
      // The suite byte says how the key was wrapped; it must agree with the entry the token names,
      // so a local wrap relabelled to a provider's id (or the reverse) never reaches either.
      if (entry.kind === "local")
        return mode === "embedded" ? wrapper.unwrap("embedded", masterKeyId, EMPTY, "", keyRef) : undefined;
      if (mode !== "embedded-provider") return undefined;
      return calls.unwrap(masterKeyId, entry.provider, embeddedContext(masterKeyId), keyRef.subarray(2));
    },
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
  return wrapper;
}
