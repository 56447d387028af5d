/**
 * The audit log: appends events to per-organisation hash chains, verifies them, signs
 * checkpoints, lists, exports and prunes. Each of those lives in its own `log-*.ts` module; this
 * one validates the options and puts them together.
 */
import { z } from "zod";
import { functionSchema } from "../_internal/function-schema.js";
import { parseInput, parseOptions } from "../_internal/options.js";
import { type Clock, type RandomSource, systemClock } from "../_internal/runtime.js";
import { storeSchema } from "../_internal/store.js";
import { createAppendQueue } from "./append-queue.js";
import { type AuditEventInput, createAuditEventBuilder, redactionOptionShape } from "./builder.js";
import type { AuditCheckpointKey, AuditCheckpointSigner } from "./checkpoint.js";
import { type AuditEvent, type StoredAuditEvent, auditEventSchema, isValidated } from "./event.js";
import { type AuditCheckpointOptions, checkpointAuditLog } from "./log-checkpoint.js";
import { checkpointKeySchema, createAuditLogContext } from "./log-context.js";
import { type AuditPruneResult, type PruneAuditLogOptions, pruneAuditLog } from "./log-prune.js";
import {
  type AuditExportOptions,
  type AuditPage,
  type AuditQuery,
  exportAuditLog,
  queryAuditLog,
} from "./log-query.js";
import { type VerifyAuditLogOptions, verifyAuditLog } from "./log-verify.js";
import type { TextRedactor } from "./redaction.js";
import { AUDIT_STORE_METHODS, type AuditStore } from "./store.js";
import type { AuditVerifyResult } from "./verify.js";

/** Options for {@link createAuditLog}. */
export interface AuditLogOptions {
  /** Where events live: `createMemoryAuditStore()`, `createPostgresAuditStore(…)` or yours. */
  readonly store: AuditStore;
  /** Clock in milliseconds (event times, checkpoint times); default `Date.now`. */
  readonly now?: Clock;
  /** CSPRNG for event ids; default `crypto.getRandomValues`. */
  readonly random?: RandomSource;
  /**
   * The public key (or JWK set) that verifies your checkpoints and prune anchors. Needed to
   * verify a pruned log, and by `prune`, which checks each anchor it signs against it.
   */
  readonly checkpointKey?: AuditCheckpointKey;
  /** Sensitive key substrings for `record` (see `createAuditEventBuilder`). */
  readonly sensitiveKeys?: readonly string[];
  /** Text redactor for `record` (see `createAuditEventBuilder`). */
  readonly redactor?: TextRedactor;
}

/** An audit log, made by {@link createAuditLog}. */
export interface AuditLog {
  /**
   * Builds an event (as `buildAuditEvent` does, with the log's clock and redaction) and appends it.
   *
   * @throws MoatError ERR_INVALID_INPUT for a malformed event, ERR_STORE when the store fails.
   */
  record(input: AuditEventInput): Promise<StoredAuditEvent>;
  /**
   * Appends a built event to its organisation's chain and returns it as stored, with `seq`,
   * `prevHash` and `hash`. Concurrent appends for one organisation form one gapless chain;
   * those arriving together are written in one batch.
   *
   * @throws MoatError ERR_INVALID_INPUT for a malformed event, ERR_STORE when the store fails.
   */
  append(event: AuditEvent): Promise<StoredAuditEvent>;
  /**
   * Verifies an organisation's chain from the rows themselves: each hash recomputed, each link,
   * the sequence, the prune anchor (its signature and its type: a checkpoint stored as the anchor
   * is `anchor_invalid`, and so is one written before moatkit 0.3.0 unless its exact text is
   * given as `legacyAnchor`), the store's query columns against each event, and the given
   * checkpoints. Tampering is a result (`{ ok: false, reason, seq }`), not an exception.
   *
   * @throws MoatError ERR_INVALID_INPUT for bad options or a checkpoint of another org;
   *   ERR_INTEGRITY for a given checkpoint whose signature does not verify or that is a prune
   *   anchor; ERR_ABORTED; ERR_STORE.
   */
  verify(options: VerifyAuditLogOptions): Promise<AuditVerifyResult>;
  /**
   * Signs the organisation's current head: a JWS over `{ orgId, seq, hash, at }`. Store it
   * outside the database; pass it to `verify` later.
   *
   * @throws MoatError ERR_INTEGRITY when the head (or, with `previous`, the chain since it) does
   *   not verify; ERR_CONFIG when the key cannot sign; ERR_STORE.
   */
  checkpoint(orgId: string, signer: AuditCheckpointSigner, options?: AuditCheckpointOptions): Promise<string>;
  /**
   * A page of events, filtered, newest first by default. Listing does not verify; run `verify`
   * for that.
   *
   * @throws MoatError ERR_INVALID_INPUT for bad filters or a cursor from elsewhere; ERR_STORE.
   */
  query(query: AuditQuery): Promise<AuditPage>;
  /**
   * The organisation's events as NDJSON (one canonical JSON event per line, oldest first), as a
   * byte stream. Each line can be re-hashed and verified offline with `verifyAuditChain`.
   *
   * @throws MoatError ERR_INVALID_INPUT (at once) for a bad org id; the stream errors with
   *   ERR_STORE when the store fails.
   */
  exportNdjson(orgId: string, options?: AuditExportOptions): ReadableStream<Uint8Array>;
  /**
   * Deletes the oldest events of an organisation (those before `before`) after verifying them,
   * and records a signed anchor of the last deleted hash, so the rest still verifies. On
   * Postgres the deletion runs as the `moatkit_audit_retention` role. A log pruned before
   * moatkit 0.3.0 continues from its old anchor only given `legacyAnchor`; the anchor this prune
   * writes has the current type, so later calls need no `legacyAnchor`.
   *
   * @throws MoatError ERR_INTEGRITY (nothing deleted) when the events to prune, or the stored
   *   anchor they continue from, do not verify;
   *   ERR_INVALID_INPUT when the log has no `checkpointKey`; ERR_CONFIG when the signer does
   *   not match it; ERR_STORE.
   */
  prune(options: PruneAuditLogOptions): Promise<AuditPruneResult>;
}

const optionsSchema = z.strictObject({
  store: storeSchema<AuditStore>(AUDIT_STORE_METHODS),
  now: functionSchema<Clock>().optional(),
  random: functionSchema<RandomSource>().optional(),
  checkpointKey: checkpointKeySchema.optional(),
  ...redactionOptionShape,
});

/**
 * An append-only, hash-chained audit log over a store.
 *
 * @throws MoatError ERR_CONFIG for invalid options.
 * @example
 * ```ts
 * import { createAuditLog } from "moatkit/audit";
 * import { createPostgresAuditStore } from "moatkit/adapters/postgres";
 *
 * const log = createAuditLog({ store: createPostgresAuditStore({ client: db }), checkpointKey: publicKey });
 * await log.record({ orgId, actor: { userId }, action: "api_key.revoke", target: { type: "api_key", id } });
 * const jws = await log.checkpoint(orgId, { alg: "EdDSA", privateKey });   // ship it elsewhere
 * const result = await log.verify({ orgId, checkpoints: [jws] });
 * if (!result.ok) alert(`audit log ${result.reason} at seq ${result.seq}`);
 * ```
 */
export function createAuditLog(options: AuditLogOptions): AuditLog {
  const opts = parseOptions(optionsSchema, options, "createAuditLog options");
  const now = opts.now ?? systemClock;
  const builder = createAuditEventBuilder({
    now,
    ...(opts.random === undefined ? {} : { random: opts.random }),
    ...(opts.sensitiveKeys === undefined ? {} : { sensitiveKeys: opts.sensitiveKeys }),
    ...(opts.redactor === undefined ? {} : { redactor: opts.redactor }),
  });
  const ctx = createAuditLogContext(opts.store, opts.checkpointKey, now);
  const enqueue = createAppendQueue(ctx.store);

  function append(event: AuditEvent): Promise<StoredAuditEvent> {
    let valid: AuditEvent;
    try {
      valid = isValidated(event) ? event : parseInput(auditEventSchema, event, "audit event");
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return enqueue(valid);
  }

  return {
    record: async (input) => append(builder.build(input)),
    append,
    verify: (o) => verifyAuditLog(ctx, o),
    checkpoint: (orgId, signer, o) => checkpointAuditLog(ctx, orgId, signer, o),
    query: (q) => queryAuditLog(ctx, q),
    exportNdjson: (orgId, o) => exportAuditLog(ctx, orgId, o),
    prune: (o) => pruneAuditLog(ctx, o),
  };
}
