/**
 * Signed checkpoints: a JWS (EdDSA or ES256) over `{ orgId, seq, hash, at }` saying "event `seq`
 * of this organisation's chain had hash `hash` at time `at`". Kept outside the database (object
 * storage with retention, another account, a transparency log), they are what stops a full
 * rewrite: an attacker with write access to the table can recompute every hash, but cannot sign.
 * CloudTrail's signed digest files do the same job.
 *
 * Prune anchors are signed with the same key but are a different object: their own JWS `typ` and
 * a `purpose` member in the payload, so no checkpoint can pass for an anchor nor an anchor for a
 * checkpoint. (Were they the same, anyone holding a published checkpoint and the right to delete
 * events could delete the events it covers and store the checkpoint as the anchor.)
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

/**
 * The JWS `typ` of a prune anchor. Anchors written before moatkit 0.3.0 carried the checkpoint
 * `typ` and cannot be told apart from checkpoints, so they are refused as anchors unless the
 * operator vouches for their exact text (`legacyAnchor` of `AuditLog.verify` and `prune`).
 */
export const AUDIT_ANCHOR_TYPE = "moatkit-audit-anchor";

/** The `purpose` member of an anchor's payload (checkpoints have none). */
const ANCHOR_PURPOSE = "prune-anchor";

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

const anchorPayloadSchema = z.strictObject({
  orgId: idSchema,
  seq: z.int().min(1),
  hash: z.string().refine(isHashHex, "expected 64 lower-case hex digits"),
  at: isoTimeSchema,
  purpose: z.literal(ANCHOR_PURPOSE),
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

async function sign(payload: object, typ: string, signer: AuditCheckpointSigner): Promise<string> {
  const header = { alg: signer.alg, typ, ...(signer.kid === undefined ? {} : { kid: signer.kid }) };
  try {
    return await new CompactSign(utf8Encode(canonicalJson(payload))).setProtectedHeader(header).sign(signer.privateKey);
  } catch (err) {
    throw new MoatError("ERR_CONFIG", {
      message: "the checkpoint signer's key cannot sign with its algorithm",
      cause: err,
    });
  }
}

/**
 * Signs a checkpoint with `signer`.
 *
 * @throws MoatError ERR_CONFIG when the key does not fit the algorithm or is not private.
 * @internal Reached through `AuditLog.checkpoint`.
 */
export function signAuditCheckpoint(checkpoint: AuditCheckpoint, signer: AuditCheckpointSigner): Promise<string> {
  return sign(checkpoint, AUDIT_CHECKPOINT_TYPE, signer);
}

/**
 * Signs a prune anchor with `signer`: `typ` {@link AUDIT_ANCHOR_TYPE}, payload
 * `{ at, hash, orgId, purpose: "prune-anchor", seq }`.
 *
 * @throws MoatError ERR_CONFIG when the key does not fit the algorithm or is not private.
 * @internal Reached through `AuditLog.prune`.
 */
export function signAuditAnchor(anchor: AuditCheckpoint, signer: AuditCheckpointSigner): Promise<string> {
  return sign({ ...anchor, purpose: ANCHOR_PURPOSE }, AUDIT_ANCHOR_TYPE, signer);
}

const INTEGRITY_CODES = new Set([
  errors.JWSSignatureVerificationFailed.code,
  errors.JWSInvalid.code,
  errors.JOSEAlgNotAllowed.code,
  errors.JWKSNoMatchingKey.code,
  errors.JWKSMultipleMatchingKeys.code,
]);

/** What was wrong with a signed object, in `details.problem` of the ERR_INTEGRITY. */
export type SignedPointProblem = "invalid" | "checkpoint_as_anchor" | "anchor_as_checkpoint";

function invalid(what: "checkpoint" | "anchor", problem: SignedPointProblem = "invalid", cause?: unknown): MoatError {
  const message =
    problem === "checkpoint_as_anchor"
      ? "a checkpoint is not a prune anchor: refused as the anchor (anchors written before moatkit 0.3.0 look the same)"
      : problem === "anchor_as_checkpoint"
        ? "this is a prune anchor, not a checkpoint: pass it as the anchor"
        : `audit ${what === "anchor" ? "prune anchor" : "checkpoint"} does not verify`;
  return new MoatError("ERR_INTEGRITY", { message, details: { problem }, cause });
}

/** The protected `typ` and the parsed payload of a JWS whose signature verifies under `key`. */
async function verifySigned(
  jws: string,
  key: AuditCheckpointKey,
  what: "checkpoint" | "anchor",
): Promise<{ typ: unknown; payload: unknown }> {
  if (typeof jws !== "string" || jws.length > 4096) throw invalid(what);
  if (!isCheckpointKey(key))
    throw new MoatError("ERR_CONFIG", { message: "a checkpoint key must be a public key or a JWK set" });
  let verified: { payload: Uint8Array; protectedHeader: { typ?: string | undefined } };
  try {
    const options = { algorithms: [...ALGORITHMS] };
    verified = isJwks(key)
      ? await compactVerify(jws, createLocalJWKSet(key), options)
      : await compactVerify(jws, key, options);
  } catch (err) {
    if (err instanceof errors.JOSEError && INTEGRITY_CODES.has(err.code)) throw invalid(what, "invalid", err);
    throw new MoatError("ERR_CONFIG", {
      message: "the checkpoint key cannot verify EdDSA or ES256 signatures",
      cause: err,
    });
  }
  try {
    return { typ: verified.protectedHeader.typ, payload: JSON.parse(utf8Decode(verified.payload)) };
  } catch (err) {
    throw invalid(what, "invalid", err);
  }
}

/**
 * Checks a checkpoint's signature and format and returns what it attests. Only EdDSA and ES256
 * signatures with the checkpoint `typ` are accepted; a prune anchor is refused.
 *
 * @throws MoatError ERR_INTEGRITY when the signature, header or payload is wrong (a forged or
 *   damaged checkpoint, one signed by another key, or a prune anchor: `details.problem` says
 *   which); ERR_CONFIG when `key` cannot verify these algorithms at all.
 * @example
 * ```ts
 * const { orgId, seq, hash, at } = await verifyAuditCheckpoint(jws, publicKey);
 * ```
 */
export async function verifyAuditCheckpoint(jws: string, key: AuditCheckpointKey): Promise<AuditCheckpoint> {
  const { typ, payload } = await verifySigned(jws, key, "checkpoint");
  if (typ !== AUDIT_CHECKPOINT_TYPE)
    throw invalid("checkpoint", typ === AUDIT_ANCHOR_TYPE ? "anchor_as_checkpoint" : "invalid");
  const parsed = payloadSchema.safeParse(payload);
  if (!parsed.success) throw invalid("checkpoint");
  return parsed.data;
}

/**
 * Checks a prune anchor's signature and format and returns what it attests (the last pruned
 * event). A checkpoint, including an anchor written before moatkit 0.3.0, is refused.
 *
 * @throws MoatError ERR_INTEGRITY as {@link verifyAuditCheckpoint} (`details.problem`
 *   `checkpoint_as_anchor` for a checkpoint); ERR_CONFIG for an unusable key.
 * @internal Reached through `AuditLog.verify`, `AuditLog.prune` and `verifyAuditChain`.
 */
export async function verifyAuditAnchor(jws: string, key: AuditCheckpointKey): Promise<AuditCheckpoint> {
  const { typ, payload } = await verifySigned(jws, key, "anchor");
  if (typ !== AUDIT_ANCHOR_TYPE)
    throw invalid("anchor", typ === AUDIT_CHECKPOINT_TYPE ? "checkpoint_as_anchor" : "invalid");
  const parsed = anchorPayloadSchema.safeParse(payload);
  if (!parsed.success) throw invalid("anchor");
  const { orgId, seq, hash, at } = parsed.data;
  return { orgId, seq, hash, at };
}
