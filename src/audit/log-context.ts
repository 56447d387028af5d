/**
 * What the parts of an audit log share: the store (checked and wrapped once, so every failure
 * inside it is ERR_STORE), the checkpoint key and the clock, plus the checks every part applies
 * to what the store returns.
 */
import { z } from "zod";
import { storeCall } from "../_internal/store-error.js";
import { wrapStore } from "../_internal/store.js";
import type { Clock } from "../_internal/runtime.js";
import { MoatError } from "../errors.js";
import { type AuditCheckpointKey, isCheckpointKey } from "./checkpoint.js";
import { type AuditChainHead, type StoredAuditEvent, isHashHex } from "./event.js";
import { AUDIT_STORE_METHODS, type AuditScanOptions, type AuditStore } from "./store.js";
import type { AuditVerifyResult } from "./verify.js";

/** The name store failures carry (`audit store failed during …`). */
const STORE_NAME = "audit";

/** One audit log's shared state, built once by `createAuditLog`. */
export interface AuditLogContext {
  /** The store; each call's failure is ERR_STORE. Scan through {@link AuditLogContext.scan}. */
  readonly store: AuditStore;
  /** `store.scanAuditEvents` with each page fetch wrapped like the other calls. */
  readonly scan: (orgId: string, range?: AuditScanOptions) => AsyncIterable<readonly StoredAuditEvent[]>;
  /** The store's check of its query columns against a scanned event, when it keeps such columns. */
  readonly columns: ((row: unknown) => string | null) | undefined;
  /** The key that verifies checkpoints and anchors, when the log has one. */
  readonly checkpointKey: AuditCheckpointKey | undefined;
  /** The log's clock as an ISO 8601 UTC time. */
  readonly nowIso: () => string;
}

/**
 * An async iterable whose steps fail as ERR_STORE. `wrapStore` cannot do this: the scan method
 * returns at once and its failures come later, one per page.
 */
function wrapPages<T>(operation: string, pages: AsyncIterable<T>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      let iterator: AsyncIterator<T> | undefined;
      return {
        next: () => storeCall(STORE_NAME, operation, async () => (iterator ??= pages[Symbol.asyncIterator]()).next()),
        return: async (): Promise<IteratorResult<T>> => {
          await storeCall(STORE_NAME, operation, async () => iterator?.return?.());
          return { done: true, value: undefined };
        },
      };
    },
  };
}

/** The shared state of a log over `store`. */
export function createAuditLogContext(
  store: AuditStore,
  checkpointKey: AuditCheckpointKey | undefined,
  now: Clock,
): AuditLogContext {
  const wrapped = wrapStore(STORE_NAME, store, AUDIT_STORE_METHODS);
  const check: unknown = Reflect.get(store, "checkAuditEventColumns");
  return {
    store: wrapped,
    scan: (orgId, range) => wrapPages("scanAuditEvents", wrapped.scanAuditEvents(orgId, range)),
    columns:
      typeof check === "function"
        ? (row) => {
            const column: unknown = Reflect.apply(check as (event: unknown) => unknown, store, [row]);
            return typeof column === "string" ? column : null;
          }
        : undefined,
    checkpointKey,
    nowIso: () => {
      const ms = Math.floor(now());
      if (!Number.isFinite(ms))
        throw new MoatError("ERR_CONFIG", { message: "the audit clock returned a non-finite time" });
      return new Date(ms).toISOString();
    },
  };
}

/** A checkpoint key option: a public key, a JWK or a JWK set. */
export const checkpointKeySchema: z.ZodType<AuditCheckpointKey> = z.custom<AuditCheckpointKey>(
  isCheckpointKey,
  "expected a public key, JWK or JWK set",
);
/** A sequence number given by a caller. */
export const seqSchema: z.ZodType<number> = z.int().min(1).max(Number.MAX_SAFE_INTEGER);
/** The exact text of a pre-0.3.0 prune anchor an operator vouches for. */
export const legacyAnchorSchema: z.ZodType<string> = z.string().min(1).max(4096);
/** Checkpoints given by a caller. */
export const jwsListSchema: z.ZodType<string[]> = z.array(z.string().max(4096)).max(10_000);

/** The head a store returned, refused as ERR_STORE when it is not one. */
export function checkHead(head: AuditChainHead): AuditChainHead {
  if (typeof head !== "object" || !Number.isSafeInteger(head.seq) || head.seq < 0 || !isHashHex(head.hash)) {
    throw new MoatError("ERR_STORE", { message: "audit store returned an invalid chain head" });
  }
  return head;
}

/** ERR_INTEGRITY for `what` (checkpoint, prune) refused because the chain does not verify. */
export function integrityFailure(what: string, result: AuditVerifyResult): MoatError {
  return new MoatError("ERR_INTEGRITY", {
    message: `${what}: the audit chain does not verify`,
    details: result.ok
      ? {}
      : { reason: result.reason, seq: result.seq, ...(result.column === undefined ? {} : { column: result.column }) },
  });
}
