/**
 * Signed checkpoints: a JWS (EdDSA or ES256) over `{ orgId, seq, hash, at }` saying "event `seq`
 * of this organisation's chain had hash `hash` at time `at`". Kept outside the database (object
 * storage with retention, another account, a transparency log), they are what stops a full
 * rewrite: an attacker with write access to the table can recompute every hash, but cannot sign.
 * CloudTrail's signed digest files do the same job.
 *
 * Prune anchors are checkpoints too (same format and key), stored with the log.
 */
import {
  CompactSign,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
  type KeyObject,
  compactVerify,
  createLocalJWKSet,
  errors,
} from "jose";
import { z } from "zod";
import { canonicalJson } from "../_internal/canonical-json.js";
import { utf8Decode, utf8Encode } from "../_internal/encoding.js";
import { parseInput } from "../_internal/options.js";
import { MoatError } from "../errors.js";
import { idSchema, isHashHex, isoTimeSchema } from "./event.js";

/** The signature algorithms checkpoints may use. */
export type AuditCheckpointAlgorithm = "EdDSA" | "ES256";

const ALGORITHMS: readonly AuditCheckpointAlgorithm[] = ["EdDSA", "ES256"];

/** The JWS `typ` of a checkpoint, so no other token of yours can pass for one. */
export const AUDIT_CHECKPOINT_TYPE = "moatkit-audit-checkpoint";

/** Signs checkpoints: an Ed25519 or P-256 private key and its algorithm. */
export interface AuditCheckpointSigner {
  /** `"EdDSA"` (Ed25519) or `"ES256"` (P-256). */
  readonly alg: AuditCheckpointAlgorithm;
  /** The private key: a `CryptoKey`, a Node `KeyObject` or a private JWK. */
  readonly privateKey: CryptoKey | KeyObject | JWK;
  /** A key id written into the JWS header, to pick the key from a JWK set when verifying. */
  readonly kid?: string;
}

/**
 * Verifies checkpoints: the public key (`CryptoKey`, `KeyObject`, JWK) or a JWK set `{ keys }`
 * holding the current and previous keys (matched by `kid`).
 */
export type AuditCheckpointKey = CryptoKey | KeyObject | JWK | JSONWebKeySet;

/** What a checkpoint attests. */
export interface AuditCheckpoint {
  /** The organisation whose chain it covers. */
  readonly orgId: string;
  /** The sequence number of the attested event (0: the empty chain). */
  readonly seq: number;
  /** That event's hash. */
  readonly hash: string;
  /** When it was signed (ISO 8601 UTC). */
  readonly at: string;
}

const signerSchema = z.strictObject({
  alg: z.enum(["EdDSA", "ES256"]),
  privateKey: z.custom<CryptoKey | KeyObject | JWK>(
    (v) => typeof v === "object" && v !== null && !(v instanceof Uint8Array),
    "expected a private key",
  ),
  kid: z.string().min(1).max(256).optional(),
});

const payloadSchema = z.strictObject({
  orgId: idSchema,
  seq: z.int().min(0),
  hash: z.string().refine(isHashHex, "expected 64 lower-case hex digits"),
  at: isoTimeSchema,
});

function isJwks(key: AuditCheckpointKey): key is JSONWebKeySet {
  return typeof key === "object" && "keys" in key && Array.isArray(key.keys);
}

/** Validates a signer given as an argument (ERR_INVALID_INPUT when malformed). */
export function parseSigner(signer: unknown): AuditCheckpointSigner {
  const s = parseInput(signerSchema, signer, "checkpoint signer");
  return s.kid === undefined
    ? { alg: s.alg, privateKey: s.privateKey }
    : { alg: s.alg, privateKey: s.privateKey, kid: s.kid };
}

/** Whether `value` can be passed as an {@link AuditCheckpointKey}. */
export function isCheckpointKey(value: unknown): value is AuditCheckpointKey {
  return typeof value === "object" && value !== null && !(value instanceof Uint8Array);
}

/**
 * Signs a checkpoint with `signer`.
 *
 * @throws MoatError ERR_CONFIG when the key does not fit the algorithm or is not private.
 * @internal Reached through `AuditLog.checkpoint` and `AuditLog.prune`.
 */
export async function signAuditCheckpoint(checkpoint: AuditCheckpoint, signer: AuditCheckpointSigner): Promise<string> {
  const header = {
    alg: signer.alg,
    typ: AUDIT_CHECKPOINT_TYPE,
    ...(signer.kid === undefined ? {} : { kid: signer.kid }),
  };
  try {
    return await new CompactSign(utf8Encode(canonicalJson(checkpoint)))
      .setProtectedHeader(header)
      .sign(signer.privateKey);
  } catch (err) {
    throw new MoatError("ERR_CONFIG", {
      message: "the checkpoint signer's key cannot sign with its algorithm",
      cause: err,
    });
  }
}

const INTEGRITY_CODES = new Set([
  errors.JWSSignatureVerificationFailed.code,
  errors.JWSInvalid.code,
  errors.JOSEAlgNotAllowed.code,
  errors.JWKSNoMatchingKey.code,
  errors.JWKSMultipleMatchingKeys.code,
]);

function invalidCheckpoint(cause?: unknown): MoatError {
  return new MoatError("ERR_INTEGRITY", { message: "audit checkpoint does not verify", cause });
}

/**
 * Checks a checkpoint's signature and format and returns what it attests. Only EdDSA and ES256
 * signatures with the checkpoint `typ` are accepted.
 *
 * @throws MoatError ERR_INTEGRITY when the signature, header or payload is wrong (a forged or
 *   damaged checkpoint, or one signed by another key); ERR_CONFIG when `key` cannot verify
 *   these algorithms at all.
 * @example
 * ```ts
 * const { orgId, seq, hash, at } = await verifyAuditCheckpoint(jws, publicKey);
 * ```
 */
export async function verifyAuditCheckpoint(jws: string, key: AuditCheckpointKey): Promise<AuditCheckpoint> {
  if (typeof jws !== "string" || jws.length > 4096) throw invalidCheckpoint();
  if (!isCheckpointKey(key))
    throw new MoatError("ERR_CONFIG", { message: "a checkpoint key must be a public key or a JWK set" });
  let verified: { payload: Uint8Array; protectedHeader: { typ?: string | undefined } };
  try {
    const options = { algorithms: [...ALGORITHMS] };
    verified = isJwks(key)
      ? await compactVerify(jws, createLocalJWKSet(key), options)
      : await compactVerify(jws, key, options);
  } catch (err) {
    if (err instanceof errors.JOSEError && INTEGRITY_CODES.has(err.code)) throw invalidCheckpoint(err);
    throw new MoatError("ERR_CONFIG", {
      message: "the checkpoint key cannot verify EdDSA or ES256 signatures",
      cause: err,
    });
  }
  if (verified.protectedHeader.typ !== AUDIT_CHECKPOINT_TYPE) throw invalidCheckpoint();
  let payload: unknown;
  try {
    payload = JSON.parse(utf8Decode(verified.payload));
  } catch (err) {
    throw invalidCheckpoint(err);
  }
  const parsed = payloadSchema.safeParse(payload);
  if (!parsed.success) throw invalidCheckpoint();
  return parsed.data;
}
