/**
 * `AuditLog.prune`: retention that keeps the rest of the chain verifiable. The prefix to delete
 * is verified first, then a signed anchor of its last hash is stored with the deletion.
 */
import { z } from "zod";
import { parseInput } from "../_internal/options.js";
import { MoatError } from "../errors.js";
import { type AuditCheckpointSigner, parseSigner, signAuditAnchor, verifyAuditAnchor } from "./checkpoint.js";
import { idSchema } from "./event.js";
import { type AuditLogContext, checkHead, integrityFailure, jwsListSchema, legacyAnchorSchema } from "./log-context.js";
import { timeSchema, type AuditTime } from "./log-query.js";
import type { AuditAnchor } from "./store.js";
import { verifySignedPoints } from "./signed-points.js";
import { verifyRows } from "./verify.js";

/** Options for {@link AuditLog.prune}. */
export interface PruneAuditLogOptions {
  /** The organisation. */
  readonly orgId: string;
  /** Delete the events before this time: the longest prefix of the chain whose events are all older. */
  readonly before: AuditTime;
  /** Signs the anchor that lets the rest of the chain verify without the deleted events. */
  readonly signer: AuditCheckpointSigner;
  /** Checkpoints to verify the pruned range against before deleting it. */
  readonly checkpoints?: readonly string[];
  /**
   * Upgrade path for logs pruned before moatkit 0.3.0, whose stored prune anchor is in the
   * checkpoint format and is otherwise `anchor_invalid` (it cannot be told apart from a
   * published checkpoint planted as the anchor). Pass the exact compact JWS that `prune`
   * returned as `anchor.jws` back then and that you kept outside the database: the stored anchor
   * is accepted only if its text is byte-identical and its signature verifies. Never copy the
   * value from the anchors table, which is what an attacker would have written. Anchors of the
   * current type ignore this option; this prune, when it deletes events, replaces it with one, after which it is no
   * longer needed.
   */
  readonly legacyAnchor?: string;
}

/** What {@link AuditLog.prune} did. */
export interface AuditPruneResult {
  /** Events deleted. */
  readonly pruned: number;
  /** The chain's anchor after the prune (`null` if it has never been pruned). */
  readonly anchor: AuditAnchor | null;
}

const pruneSchema = z.strictObject({
  orgId: idSchema,
  before: timeSchema,
  signer: z.unknown(),
  checkpoints: jwsListSchema.optional(),
  legacyAnchor: legacyAnchorSchema.optional(),
});

/** Deletes the verified prefix of the chain older than `before`, leaving a signed anchor. */
export async function pruneAuditLog(ctx: AuditLogContext, options: PruneAuditLogOptions): Promise<AuditPruneResult> {
  const o = parseInput(pruneSchema, options, "audit prune options");
  const signer = parseSigner(o.signer);
  const key = ctx.checkpointKey;
  if (key === undefined) {
    throw new MoatError("ERR_INVALID_INPUT", {
      message: "prune needs the log's checkpointKey, so the anchor it leaves can be verified",
    });
  }
  const anchor = await ctx.store.getLatestAuditAnchor(o.orgId);
  // A bad stored anchor (a checkpoint planted in its place, say) is refused, never built upon.
  // A pre-0.3.0 anchor is accepted only as the exact text the operator vouches for; the anchor
  // this prune writes has the current type, so the next call needs no legacyAnchor.
  const signed = await verifySignedPoints(o.orgId, anchor, o.checkpoints ?? [], key, o.legacyAnchor);
  if (!signed.ok) throw integrityFailure("prune", signed.failure);
  const { start } = signed;
  // The prefix ends just before the first event at or after `before`.
  const firstKept = await ctx.store.queryAuditEvents({ orgId: o.orgId, order: "asc", fromTime: o.before, limit: 1 });
  const head = checkHead(await ctx.store.getAuditChainHead(o.orgId));
  const through = firstKept[0] === undefined ? head.seq : firstKept[0].seq - 1;
  if (through <= start.seq) return { pruned: 0, anchor };

  // Verify what is about to be deleted: pruning must never launder tampering.
  const result = await verifyRows(ctx.scan(o.orgId, { fromSeq: start.seq + 1, toSeq: through }), {
    orgId: o.orgId,
    firstSeq: start.seq + 1,
    prevHash: start.hash,
    toSeq: through,
    checkpoints: new Map([...signed.checkpoints].filter(([seq]) => seq <= through)),
    columns: ctx.columns,
  });
  if (!result.ok || result.head === null || result.head.seq !== through) {
    throw integrityFailure(
      "prune",
      result.ok ? { ok: false, reason: "deleted", seq: (result.head?.seq ?? start.seq) + 1 } : result,
    );
  }
  const jws = await signAuditAnchor({ orgId: o.orgId, seq: through, hash: result.head.hash, at: ctx.nowIso() }, signer);
  try {
    await verifyAuditAnchor(jws, key);
  } catch (err) {
    throw new MoatError("ERR_CONFIG", {
      message: "the prune signer's key does not match the log's checkpointKey",
      cause: err,
    });
  }
  const next: AuditAnchor = { seq: through, hash: result.head.hash, jws };
  const pruned = await ctx.store.pruneAuditEvents(o.orgId, next);
  return { pruned, anchor: next };
}
