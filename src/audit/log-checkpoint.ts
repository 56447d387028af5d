/** `AuditLog.checkpoint`: a signed attestation of an organisation's current head. */
import { z } from "zod";
import { parseInput } from "../_internal/options.js";
import { MoatError } from "../errors.js";
import { type AuditCheckpointSigner, parseSigner, signAuditCheckpoint, verifyAuditCheckpoint } from "./checkpoint.js";
import { type AuditChainHead, idSchema } from "./event.js";
import { type AuditLogContext, checkHead, integrityFailure } from "./log-context.js";
import { verifyAuditLog } from "./log-verify.js";
import { verifyRows } from "./verify.js";

/** Options for {@link AuditLog.checkpoint}. */
export interface AuditCheckpointOptions {
  /**
   * The previous checkpoint of this organisation. When given, the events since it are verified
   * first (and must chain onto it), so a checkpoint never vouches for a chain already tampered
   * with. Without it only the head event is checked.
   */
  readonly previous?: string;
}

const checkpointOptionsSchema = z.strictObject({ previous: z.string().max(4096).optional() });

/** The head, once the chain since `previous` verifies onto it. */
async function headSincePrevious(ctx: AuditLogContext, orgId: string, previous: string): Promise<AuditChainHead> {
  const key = ctx.checkpointKey;
  if (key === undefined)
    throw new MoatError("ERR_INVALID_INPUT", {
      message: "checking the previous checkpoint needs the log's checkpointKey",
    });
  const attested = await verifyAuditCheckpoint(previous, key);
  const result = await verifyAuditLog(ctx, {
    orgId,
    checkpoints: [previous],
    ...(attested.seq > 0 ? { from: attested.seq } : {}),
  });
  if (!result.ok || result.head === null) throw integrityFailure("checkpoint", result);
  return result.head;
}

/** The head, once its own row is checked, so a checkpoint never signs a hash its row does not have. */
async function checkedHead(ctx: AuditLogContext, orgId: string): Promise<AuditChainHead> {
  const head = checkHead(await ctx.store.getAuditChainHead(orgId));
  const anchor = await ctx.store.getLatestAuditAnchor(orgId);
  if (head.seq <= (anchor?.seq ?? 0)) return head;
  const result = await verifyRows(ctx.scan(orgId, { fromSeq: head.seq, toSeq: head.seq }), {
    orgId,
    firstSeq: head.seq,
    prevHash: null,
    toSeq: head.seq,
    checkpoints: new Map([[head.seq, head.hash]]),
    columns: ctx.columns,
  });
  if (!result.ok || result.count !== 1)
    throw integrityFailure("checkpoint", result.ok ? { ok: false, reason: "deleted", seq: head.seq } : result);
  return head;
}

/** Signs the organisation's head as a JWS over `{ orgId, seq, hash, at }`. */
export async function checkpointAuditLog(
  ctx: AuditLogContext,
  orgId: string,
  signer: AuditCheckpointSigner,
  options: AuditCheckpointOptions = {},
): Promise<string> {
  const id = parseInput(idSchema, orgId, "audit org id");
  const s = parseSigner(signer);
  const o = parseInput(checkpointOptionsSchema, options, "audit checkpoint options");
  const head = o.previous === undefined ? await checkedHead(ctx, id) : await headSincePrevious(ctx, id, o.previous);
  return signAuditCheckpoint({ orgId: id, seq: head.seq, hash: head.hash, at: ctx.nowIso() }, s);
}
