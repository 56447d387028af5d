/**
 * Per-message subkeys: HKDF-SHA-256(data key, salt, "moatkit/v1 message " ‖ suite) gives a
 * 32-byte AEAD subkey and a 16-byte key-commitment value (docs/format.md). The encrypting side
 * draws a salt per batch of {@link MESSAGES_PER_SALT} messages; both sides cache the derivation
 * on the data key, so HKDF runs once per batch rather than once per message.
 */
import { constantTimeEqual } from "../_internal/ct-compare.js";
import { utf8Encode } from "../_internal/encoding.js";
import { AEAD_KEY_LENGTH, type AeadAlgorithm, type CryptoBackend } from "./backend.js";
import type { DataKey } from "./data-keys.js";
import { COMMITMENT_LENGTH, SALT_LENGTH, type StringLead, encodeHeader, stringLead, suiteByte } from "./format.js";

/** Encryptions under one (data key, salt) pair before a new salt is drawn. */
export const MESSAGES_PER_SALT: number = 2 ** 20;

/** @internal Derived subkeys kept per data key on the decrypting side. */
export const DERIVED_PER_KEY = 64;

const MESSAGE_INFO = utf8Encode("moatkit/v1 message ");

/** @internal A per-(data key, salt) subkey and its commitment value. */
export interface Derived {
  readonly suite: number;
  readonly salt: Uint8Array;
  readonly subkey: Uint8Array;
  readonly commitment: Uint8Array;
}

/** @internal The encrypting side's current batch under one data key. */
export interface Writer {
  readonly derived: Derived;
  readonly header: Uint8Array;
  /** What goes before the payload in the binary form: version ‖ L ‖ keyId. */
  readonly binaryLead: Uint8Array;
  /** What goes before the payload in the string form (v2), as text and as the bytes it decodes to. */
  readonly stringLead: StringLead;
  /** The header from the suite byte on (the part both forms share). */
  readonly headerBody: Uint8Array;
  remaining: number;
}

/** @internal The subkey derivations of an envelope. */
export interface Subkeys {
  /** The subkey and commitment a message under `dk` with this salt and suite was sealed with. */
  readonly derive: (dk: DataKey, salt: Uint8Array, suite: number) => Derived;
  /** The batch the next message under `dk` goes into (counted as used). */
  readonly writerOf: (dk: DataKey) => Writer;
}

/** @internal A byte string as a Map key (one char per byte). */
export function bytesKey(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** @internal */
export function createSubkeys(
  backend: CryptoBackend,
  algorithm: AeadAlgorithm,
  draw: (n: number) => Uint8Array,
): Subkeys {
  function deriveSubkey(key: Uint8Array, salt: Uint8Array, suite: number): Derived {
    const okm = backend.hkdf(
      key,
      salt,
      concat(MESSAGE_INFO, Uint8Array.of(suite)),
      AEAD_KEY_LENGTH + COMMITMENT_LENGTH,
    );
    return { suite, salt, subkey: okm.subarray(0, AEAD_KEY_LENGTH), commitment: okm.subarray(AEAD_KEY_LENGTH) };
  }

  return {
    derive(dk, salt, suite) {
      const writer = dk.writer;
      if (writer !== undefined && writer.derived.suite === suite && constantTimeEqual(writer.derived.salt, salt))
        return writer.derived;
      const saltKey = bytesKey(salt) + String.fromCharCode(suite);
      let derived = dk.derived.get(saltKey);
      if (derived === undefined) {
        derived = deriveSubkey(dk.key, salt.slice(), suite);
        dk.derived.set(saltKey, derived);
      }
      return derived;
    },
    writerOf(dk) {
      let writer = dk.writer;
      if (writer === undefined || writer.remaining <= 0) {
        const suite = suiteByte(dk.mode, algorithm);
        const derived = deriveSubkey(dk.key, draw(SALT_LENGTH).slice(), suite);
        dk.derived.set(bytesKey(derived.salt) + String.fromCharCode(suite), derived);
        const header = encodeHeader(dk.masterKeyId, suite, dk.ref, derived.salt, derived.commitment);
        const payloadOffset = 2 + dk.masterKeyId.length;
        writer = {
          derived,
          header,
          binaryLead: header.subarray(0, payloadOffset),
          stringLead: stringLead(dk.masterKeyId),
          headerBody: header.subarray(payloadOffset),
          remaining: MESSAGES_PER_SALT,
        };
        dk.writer = writer;
      }
      writer.remaining--;
      return writer;
    },
  };
}
