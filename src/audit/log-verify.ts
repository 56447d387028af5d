/** `AuditLog.verify`: an organisation's chain, checked from the rows the store returns. */
import { z } from "zod";
import { functionSchema } from "../_internal/function-schema.js";
import { parseInput } from "../_internal/options.js";
import type { AuditCheckpointKey } from "./checkpoint.js";
import { idSchema } from "./event.js";
import {
  type AuditLogContext,
  checkpointKeySchema,
  jwsListSchema,
  legacyAnchorSchema,
  seqSchema,
} from "./log-context.js";
import { verifySignedPoints } from "./signed-points.js";
import { type AuditVerifyProgress, type AuditVerifyResult, verifyRows } from "./verify.js";

/** Options for {@link AuditLog.verify}. */
export interface VerifyAuditLogOptions {
  /** The organisation whose chain to verify. */
  readonly orgId: string;
  /** First sequence number to verify (default: the start of the chain). */
  readonly from?: number;
  /** Last sequence number to verify (default: the end). */
  readonly to?: number;
  /**
   * Signed checkpoints (JWS from {@link AuditLog.checkpoint}) kept outside the database. Each
   * event they cover must have the hash they attest; events they vouch for must exist. Without
   * them, a rewrite that recomputes every hash, or a cut tail, cannot be detected.
   */
  readonly checkpoints?: readonly string[];
  /**
   * Upgrade path for logs pruned before moatkit 0.3.0, whose stored prune anchor is in the
   * checkpoint format and is otherwise `anchor_invalid` (it cannot be told apart from a
   * published checkpoint planted as the anchor). Pass the exact compact JWS that `prune`
   * returned as `anchor.jws` back then and that you kept outside the database: the stored anchor
   * is accepted only if its text is byte-identical and its signature verifies. Never copy the
   * value from the anchors table, which is what an attacker would have written. Anchors of the
   * current type ignore this option; the next `prune` given it writes one, after which it is no
   * longer needed.
   */
  readonly legacyAnchor?: string;
  /** Overrides the log's `checkpointKey` for this call. */
  readonly checkpointKey?: AuditCheckpointKey;
  /** Called after each page of events (for progress bars on long chains). */
  readonly onProgress?: (progress: AuditVerifyProgress) => void;
  /** Aborts with ERR_ABORTED. */
  readonly signal?: AbortSignal;
}

const verifySchema = z
  .strictObject({
    orgId: idSchema,
    from: seqSchema.optional(),
    to: seqSchema.optional(),
    checkpoints: jwsListSchema.optional(),
    legacyAnchor: legacyAnchorSchema.optional(),
    checkpointKey: checkpointKeySchema.optional(),
    onProgress: functionSchema<(p: AuditVerifyProgress) => void>().optional(),
    signal: z.custom<AbortSignal>((v) => v instanceof AbortSignal, "expected an AbortSignal").optional(),
  })
  .refine((o) => o.from === undefined || o.to === undefined || o.from <= o.to, {
    message: "from must not be after to",
    path: ["to"],
  });

/** Verifies a range of an organisation's chain against its anchor and the given checkpoints. */
export async function verifyAuditLog(ctx: AuditLogContext, options: VerifyAuditLogOptions): Promise<AuditVerifyResult> {
  const o = parseInput(verifySchema, options, "audit verify options");
  const anchor = await ctx.store.getLatestAuditAnchor(o.orgId);
  const key = o.checkpointKey ?? ctx.checkpointKey;
  const signed = await verifySignedPoints(o.orgId, anchor, o.checkpoints ?? [], key, o.legacyAnchor);
  if (!signed.ok) return signed.failure;
  const { start } = signed;
  const from = Math.max(o.from ?? 1, start.seq + 1);
  const prevHash = from === start.seq + 1 ? start.hash : (signed.checkpoints.get(from - 1) ?? null);
  const inRange = new Map(
    [...signed.checkpoints].filter(([seq]) => seq >= from && (o.to === undefined || seq <= o.to)),
  );
  return verifyRows(ctx.scan(o.orgId, { fromSeq: from, ...(o.to === undefined ? {} : { toSeq: o.to }) }), {
    orgId: o.orgId,
    firstSeq: from,
    prevHash,
    toSeq: o.to,
    checkpoints: inRange,
    columns: ctx.columns,
    onProgress: o.onProgress,
    signal: o.signal,
  });
}
