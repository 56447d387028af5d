/**
 * A tamper-evident audit log: an event builder with redacted diffs, per-organisation SHA-256
 * hash chains, a verifier that trusts nothing the store says, signed checkpoints (JWS, EdDSA or
 * ES256) that stop a full rewrite, and retention that keeps the rest verifiable.
 *
 * @example
 * ```ts
 * import { createAuditLog, auditContextFromRequest } from "moatkit/audit";
 * import { createMemoryAuditStore } from "moatkit/adapters/memory";
 *
 * const log = createAuditLog({ store: createMemoryAuditStore() });
 * await log.record({
 *   orgId: "org_1",
 *   actor: { userId: "user_1" },
 *   action: "member.role_change",
 *   target: { type: "member", id: "mem_9" },
 *   request: auditContextFromRequest(req, { trustProxy: 1 }),
 *   before: { role: "member" },
 *   after: { role: "admin" },
 * });
 * const result = await log.verify({ orgId: "org_1" }); // { ok: true, count: 1, head }
 * ```
 *
 * @module
 */
export {
  buildAuditEvent,
  computeAuditDiff,
  createAuditEventBuilder,
  type AuditEventBuilder,
  type AuditEventBuilderOptions,
  type AuditEventInput,
  type AuditRedactOptions,
  type AuditRequestContext,
} from "./builder.js";
export {
  auditContextFromRequest,
  type AuditContextOptions,
  type AuditRequestDetails,
  type AuditRequestLike,
} from "./request-context.js";
export type { TrustProxy } from "../_internal/client-ip.js";
export { DEFAULT_SENSITIVE_KEY_SUBSTRINGS, REDACTED, type TextRedactor } from "./redaction.js";
export type { AuditDiffEntry } from "./diff.js";
export type { JsonObject, JsonValue } from "./json-value.js";
export {
  GENESIS_HASH,
  MAX_METADATA_BYTES,
  hashAuditEvent,
  type AuditActor,
  type AuditChainHead,
  type AuditEvent,
  type AuditTarget,
  type StoredAuditEvent,
} from "./event.js";
export { createAuditLog, type AuditLog, type AuditLogOptions } from "./log.js";
export type { VerifyAuditLogOptions } from "./log-verify.js";
export type { AuditCheckpointOptions } from "./log-checkpoint.js";
export type { AuditExportOptions, AuditPage, AuditQuery, AuditTime } from "./log-query.js";
export type { AuditPruneResult, PruneAuditLogOptions } from "./log-prune.js";
export {
  verifyAuditChain,
  type AuditTamperReason,
  type AuditVerifyProgress,
  type VerifyAuditChainOptions,
  type AuditVerifyResult,
} from "./verify.js";
export {
  AUDIT_ANCHOR_TYPE,
  AUDIT_CHECKPOINT_TYPE,
  verifyAuditCheckpoint,
  type AuditCheckpoint,
  type AuditCheckpointAlgorithm,
  type AuditCheckpointKey,
  type AuditCheckpointSigner,
} from "./checkpoint.js";
export {
  AUDIT_STORE_METHODS,
  type AuditAnchor,
  type AuditSeal,
  type AuditScanOptions,
  type AuditStore,
  type AuditStoreQuery,
} from "./store.js";
