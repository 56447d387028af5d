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

const ANCHOR_DETAILS: Readonly<Record<SignedPointProblem | "org", string>> = {
  checkpoint_as_anchor:
    "the prune anchor is a checkpoint, not a prune anchor, so events before it may have been deleted; anchors written before moatkit 0.3.0 look the same and are refused too",
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

/** The anchor, verified; or the failure it is. */
async function verifyAnchor(
  orgId: string,
  anchor: AnchorToVerify,
  key: AuditCheckpointKey,
): Promise<AuditCheckpoint | Failure> {
  const seq = anchor.seq ?? claimedSeq(anchor.jws);
  const fail = (problem: SignedPointProblem | "org"): Failure => ({
    ok: false,
    reason: "anchor_invalid",
    seq,
    detail: ANCHOR_DETAILS[problem],
  });
  let verified: AuditCheckpoint;
  try {
    verified = await verifyAuditAnchor(anchor.jws, key);
  } catch (err) {
    if (!isMoatError(err, "ERR_INTEGRITY")) throw err;
    const problem: unknown = err.details?.problem;
    return fail(problem === "checkpoint_as_anchor" ? problem : "invalid");
  }
  return verified.orgId === orgId ? verified : fail("org");
}

/**
 * Verifies the signatures of an anchor and of checkpoints for `orgId`. A bad anchor is a
 * failure (`anchor_invalid`), as is a checkpoint that contradicts it (`checkpoint_mismatch`).
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
    const verified = await verifyAnchor(orgId, anchor, key);
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
