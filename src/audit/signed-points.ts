/**
 * The signed points a chain is verified against: the prune anchor it starts from (stored with the
 * log, so untrusted: a bad one is a verification failure) and the checkpoints the caller keeps
 * elsewhere (a bad one is the caller's error).
 */
import { base64urlDecode, utf8Decode } from "../_internal/encoding.js";
import { MoatError, isMoatError } from "../errors.js";
import {
  type AuditCheckpoint,
  type AuditCheckpointKey,
  type SignedPointProblem,
  verifyAuditAnchor,
  verifyAuditCheckpoint,
} from "./checkpoint.js";
import { type AuditChainHead, EMPTY_CHAIN_HEAD } from "./event.js";
import type { AuditVerifyResult } from "./verify.js";

/** A failed verification. */
type Failure = Extract<AuditVerifyResult, { ok: false }>;

/** Checkpoints and an anchor, verified and reduced to what `verifyRows` needs, or why the anchor fails. */
export type SignedPoints =
  | {
      readonly ok: true;
      /** Where the chain starts: the anchor, or the empty chain. */
      readonly start: AuditChainHead;
      /** Signed hashes by seq, after the start. */
      readonly checkpoints: ReadonlyMap<number, string>;
    }
  | { readonly ok: false; readonly failure: Failure };

/** A prune anchor to verify: its JWS, and the seq it is stored under (for the report only). */
export interface AnchorToVerify {
  readonly jws: string;
  readonly seq?: number;
}

type AnchorProblem = SignedPointProblem | "org" | "not_vouched";

const ANCHOR_DETAILS: Readonly<Record<AnchorProblem, string>> = {
  checkpoint_as_anchor:
    "the prune anchor is a checkpoint, not a prune anchor, so events before it may have been deleted; anchors written before moatkit 0.3.0 look the same and are refused unless vouched for with legacyAnchor",
  not_vouched:
    "the prune anchor is in the checkpoint format and is not the legacy anchor vouched for, so events before it may have been deleted",
  anchor_as_checkpoint: "the prune anchor does not verify",
  invalid: "the prune anchor does not verify under the checkpoint key, so events before it may have been deleted",
  org: "the prune anchor belongs to another organisation, so events before it may have been deleted",
};

/** The seq an anchor claims, read without verifying it, to say where the failure is (0 if none). */
function claimedSeq(jws: string): number {
  try {
    const payload: unknown = JSON.parse(utf8Decode(base64urlDecode(jws.split(".")[1] ?? "")));
    const seq: unknown = typeof payload === "object" && payload !== null ? Reflect.get(payload, "seq") : undefined;
    return typeof seq === "number" && Number.isSafeInteger(seq) && seq >= 0 ? seq : 0;
  } catch {
    return 0;
  }
}

/**
 * A stored anchor in the pre-0.3.0 (checkpoint) format, accepted only when its text is
 * byte-identical to the one the operator vouches for; what it attests, or the problem.
 */
async function verifyLegacyAnchor(
  jws: string,
  legacyAnchor: string | undefined,
  key: AuditCheckpointKey,
): Promise<AuditCheckpoint | AnchorProblem> {
  if (legacyAnchor === undefined) return "checkpoint_as_anchor";
  if (jws !== legacyAnchor) return "not_vouched";
  const legacy = await verifyAuditCheckpoint(jws, key);
  // A prune always deleted at least one event: seq 0 (the empty chain) was never an anchor.
  return legacy.seq >= 1 ? legacy : "invalid";
}

/** The anchor, verified; or the failure it is. */
async function verifyAnchor(
  orgId: string,
  anchor: AnchorToVerify,
  key: AuditCheckpointKey,
  legacyAnchor: string | undefined,
): Promise<AuditCheckpoint | Failure> {
  const seq = anchor.seq ?? claimedSeq(anchor.jws);
  const fail = (problem: AnchorProblem): Failure => ({
    ok: false,
    reason: "anchor_invalid",
    seq,
    detail: ANCHOR_DETAILS[problem],
  });
  let verified: AuditCheckpoint | AnchorProblem;
  try {
    verified = await verifyAuditAnchor(anchor.jws, key);
  } catch (err) {
    if (!isMoatError(err, "ERR_INTEGRITY")) throw err;
    verified = "invalid";
    if (err.details?.problem === "checkpoint_as_anchor") {
      try {
        verified = await verifyLegacyAnchor(anchor.jws, legacyAnchor, key);
      } catch (legacyErr) {
        if (!isMoatError(legacyErr, "ERR_INTEGRITY")) throw legacyErr;
      }
    }
  }
  if (typeof verified === "string") return fail(verified);
  return verified.orgId === orgId ? verified : fail("org");
}

/**
 * Verifies the signatures of an anchor and of checkpoints for `orgId`. A bad anchor is a
 * failure (`anchor_invalid`), as is a checkpoint that contradicts it (`checkpoint_mismatch`).
 * An anchor in the pre-0.3.0 checkpoint format is accepted only when it is byte-identical to
 * `legacyAnchor`, the text the operator vouches for; an anchor of the current type ignores it.
 *
 * @throws MoatError ERR_INVALID_INPUT when there is something to verify but no key, or a
 *   checkpoint belongs to another organisation; ERR_INTEGRITY when a checkpoint's signature is
 *   bad, it is an anchor, or two checkpoints disagree; ERR_CONFIG for an unusable key.
 */
export async function verifySignedPoints(
  orgId: string,
  anchor: AnchorToVerify | null,
  checkpointJws: readonly string[],
  key: AuditCheckpointKey | undefined,
  legacyAnchor?: string,
): Promise<SignedPoints> {
  if (key === undefined) {
    if (anchor === null && checkpointJws.length === 0)
      return { ok: true, start: EMPTY_CHAIN_HEAD, checkpoints: new Map() };
    throw new MoatError("ERR_INVALID_INPUT", {
      message:
        anchor !== null
          ? "this audit log was pruned: verifying it needs the checkpoint key"
          : "verifying checkpoints needs the checkpoint key",
    });
  }
  let start: AuditChainHead = EMPTY_CHAIN_HEAD;
  if (anchor !== null) {
    const verified = await verifyAnchor(orgId, anchor, key, legacyAnchor);
    if ("reason" in verified) return { ok: false, failure: verified };
    start = { seq: verified.seq, hash: verified.hash };
  }
  const checkpoints = new Map<number, string>();
  let anchorMismatch = false;
  for (const jws of checkpointJws) {
    const c = await verifyAuditCheckpoint(jws, key);
    if (c.orgId !== orgId) {
      throw new MoatError("ERR_INVALID_INPUT", { message: "an audit checkpoint belongs to another organisation" });
    }
    const known = checkpoints.get(c.seq);
    if (known !== undefined && known !== c.hash) {
      throw new MoatError("ERR_INTEGRITY", { message: "two audit checkpoints disagree about the same event" });
    }
    if (c.seq === start.seq && c.hash !== start.hash) anchorMismatch = true;
    // Checkpoints at or before the anchor cover pruned events: nothing left to compare.
    if (c.seq > start.seq) checkpoints.set(c.seq, c.hash);
  }
  if (anchorMismatch) return { ok: false, failure: { ok: false, reason: "checkpoint_mismatch", seq: start.seq } };
  return { ok: true, start, checkpoints };
}
