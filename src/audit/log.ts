/**
 * The audit log: appends events to per-organisation hash chains, verifies them, signs
 * checkpoints, lists, exports and prunes.
 */
import { z } from "zod";
import { canonicalJson } from "../_internal/canonical-json.js";
import { base64urlDecode, base64urlEncode, utf8Decode, utf8Encode } from "../_internal/encoding.js";
import { functionSchema } from "../_internal/function-schema.js";
import { parseInput, parseOptions } from "../_internal/options.js";
import { type Clock, type RandomSource, systemClock } from "../_internal/runtime.js";
import { storeCall } from "../_internal/store-error.js";
import { MoatError } from "../errors.js";
import { type AuditEventInput, createAuditEventBuilder, redactionOptionShape } from "./builder.js";
import {
  type AuditCheckpointKey,
  type AuditCheckpointSigner,
  isCheckpointKey,
  parseSigner,
  signAuditCheckpoint,
  verifyAuditCheckpoint,
} from "./checkpoint.js";
import {
  type AuditChainHead,
  type AuditEvent,
  type StoredAuditEvent,
  auditEventSchema,
  idSchema,
  isHashHex,
  isValidated,
  nameSchema,
  sealAuditEvent,
} from "./event.js";
import type { TextRedactor } from "./redaction.js";
import { AUDIT_STORE_METHODS, type AuditAnchor, type AuditStore } from "./store.js";
import { type AuditVerifyProgress, type VerifyAuditResult, verifyRows, verifySignedPoints } from "./verify.js";

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
  /** Sensitive key fragments for `record` (see `createAuditEventBuilder`). */
  readonly sensitiveKeys?: readonly string[];
  /** Text redactor for `record` (see `createAuditEventBuilder`). */
  readonly redactor?: TextRedactor;
}

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
  /** Overrides the log's `checkpointKey` for this call. */
  readonly checkpointKey?: AuditCheckpointKey;
  /** Called after each page of events (for progress bars on long chains). */
  readonly onProgress?: (progress: AuditVerifyProgress) => void;
  /** Aborts with ERR_ABORTED. */
  readonly signal?: AbortSignal;
}

/** A time: a `Date`, milliseconds since the epoch, or an ISO 8601 string. */
export type AuditTime = Date | number | string;

/** Filters and paging for {@link AuditLog.query}. */
export interface AuditQuery {
  /** The organisation. */
  readonly orgId: string;
  /** Events by this user, directly or through impersonation (`actor.userId` or `impersonatorId`). */
  readonly actorId?: string;
  /** Events with this action. */
  readonly action?: string;
  /** Events on this target id. */
  readonly targetId?: string;
  /** Events at or after this time. */
  readonly from?: AuditTime;
  /** Events before this time. */
  readonly to?: AuditTime;
  /** Page size, 1–1000. */
  readonly limit: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
  /** `desc` (default): newest first; `asc`: oldest first. */
  readonly order?: "asc" | "desc";
}

/** One page of {@link AuditLog.query}. */
export interface AuditPage {
  /** The events. */
  readonly events: readonly StoredAuditEvent[];
  /** Pass as `cursor` for the next page; `null` on the last page. */
  readonly nextCursor: string | null;
}

/** Options for {@link AuditLog.checkpoint}. */
export interface AuditCheckpointOptions {
  /**
   * The previous checkpoint of this organisation. When given, the events since it are verified
   * first (and must chain onto it), so a checkpoint never vouches for a chain already tampered
   * with. Without it only the head event is checked.
   */
  readonly previous?: string;
}

/** Options for {@link AuditLog.exportNdjson}. */
export interface AuditExportOptions {
  /** First sequence number (default: the first stored). */
  readonly fromSeq?: number;
  /** Last sequence number (default: the last). */
  readonly toSeq?: number;
}

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
}

/** What {@link AuditLog.prune} did. */
export interface PruneAuditResult {
  /** Events deleted. */
  readonly pruned: number;
  /** The chain's anchor after the prune (`null` if it has never been pruned). */
  readonly anchor: AuditAnchor | null;
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
   * the sequence, the prune anchor's signature, and the given checkpoints. Tampering is a
   * result (`{ ok: false, reason, seq }`), not an exception.
   *
   * @throws MoatError ERR_INVALID_INPUT for bad options or a checkpoint of another org;
   *   ERR_INTEGRITY for a checkpoint or anchor whose signature does not verify; ERR_ABORTED;
   *   ERR_STORE.
   */
  verify(options: VerifyAuditLogOptions): Promise<VerifyAuditResult>;
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
   * Postgres the deletion runs as the `moatkit_audit_retention` role.
   *
   * @throws MoatError ERR_INTEGRITY (nothing deleted) when the events to prune do not verify;
   *   ERR_INVALID_INPUT when the log has no `checkpointKey`; ERR_CONFIG when the signer does
   *   not match it; ERR_STORE.
   */
  prune(options: PruneAuditLogOptions): Promise<PruneAuditResult>;
}

// ---------------------------------------------------------------------------------------------

function isAuditStore(value: unknown): value is AuditStore {
  if (typeof value !== "object" || value === null) return false;
  return AUDIT_STORE_METHODS.every((m) => typeof Reflect.get(value, m) === "function");
}

const checkpointKeySchema = z.custom<AuditCheckpointKey>(isCheckpointKey, "expected a public key, JWK or JWK set");

const optionsSchema = z.strictObject({
  store: z.custom<AuditStore>(isAuditStore, `expected a store with methods ${AUDIT_STORE_METHODS.join(", ")}`),
  now: functionSchema<Clock>().optional(),
  random: functionSchema<RandomSource>().optional(),
  checkpointKey: checkpointKeySchema.optional(),
  ...redactionOptionShape,
});

const seqSchema = z.int().min(1).max(Number.MAX_SAFE_INTEGER);
const jwsListSchema = z.array(z.string().max(4096)).max(10_000);

const verifySchema = z
  .strictObject({
    orgId: idSchema,
    from: seqSchema.optional(),
    to: seqSchema.optional(),
    checkpoints: jwsListSchema.optional(),
    checkpointKey: checkpointKeySchema.optional(),
    onProgress: functionSchema<(p: AuditVerifyProgress) => void>().optional(),
    signal: z.custom<AbortSignal>((v) => v instanceof AbortSignal, "expected an AbortSignal").optional(),
  })
  .refine((o) => o.from === undefined || o.to === undefined || o.from <= o.to, { message: "from must not be after to", path: ["to"] });

const timeSchema = z.union([z.date(), z.number(), z.string()]).transform((value, ctx) => {
  const ms = value instanceof Date ? value.getTime() : typeof value === "number" ? value : Date.parse(value);
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) {
    ctx.addIssue({ code: "custom", message: "expected a valid time" });
    return z.NEVER;
  }
  return new Date(ms).toISOString();
});

const querySchema = z.strictObject({
  orgId: idSchema,
  actorId: idSchema.optional(),
  action: nameSchema.optional(),
  targetId: idSchema.optional(),
  from: timeSchema.optional(),
  to: timeSchema.optional(),
  limit: z.int().min(1).max(1000),
  cursor: z.string().max(200).optional(),
  order: z.enum(["asc", "desc"]).optional(),
});

const exportSchema = z.strictObject({ fromSeq: seqSchema.optional(), toSeq: seqSchema.optional() });

const pruneSchema = z.strictObject({
  orgId: idSchema,
  before: timeSchema,
  signer: z.unknown(),
  checkpoints: jwsListSchema.optional(),
});

const checkpointOptionsSchema = z.strictObject({ previous: z.string().max(4096).optional() });

const cursorSchema = z.strictObject({ v: z.literal(1), o: z.enum(["asc", "desc"]), s: seqSchema });

function encodeCursor(order: "asc" | "desc", seq: number): string {
  return base64urlEncode(utf8Encode(canonicalJson({ v: 1, o: order, s: seq })));
}

function decodeCursor(cursor: string, order: "asc" | "desc"): number {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8Decode(base64urlDecode(cursor)));
  } catch {
    parsed = undefined;
  }
  const result = cursorSchema.safeParse(parsed);
  if (!result.success || result.data.o !== order) {
    throw new MoatError("ERR_INVALID_INPUT", { message: "invalid audit query cursor" });
  }
  return result.data.s;
}

/** Events appended together for one org are written in batches of at most this many. */
const MAX_BATCH = 64;

interface PendingAppend {
  readonly event: AuditEvent;
  readonly resolve: (event: StoredAuditEvent) => void;
  readonly reject: (err: unknown) => void;
}

function checkHead(head: AuditChainHead): AuditChainHead {
  if (typeof head !== "object" || !Number.isSafeInteger(head.seq) || head.seq < 0 || !isHashHex(head.hash)) {
    throw new MoatError("ERR_STORE", { message: "audit store returned an invalid chain head" });
  }
  return head;
}

function integrityFailure(what: string, result: VerifyAuditResult): MoatError {
  return new MoatError("ERR_INTEGRITY", {
    message: `${what}: the audit chain does not verify`,
    details: result.ok ? {} : { reason: result.reason, seq: result.seq },
  });
}

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
  const store = opts.store;
  const now = opts.now ?? systemClock;
  const builder = createAuditEventBuilder({
    now,
    ...(opts.random === undefined ? {} : { random: opts.random }),
    ...(opts.sensitiveKeys === undefined ? {} : { sensitiveKeys: opts.sensitiveKeys }),
    ...(opts.redactor === undefined ? {} : { redactor: opts.redactor }),
  });
  const queues = new Map<string, PendingAppend[]>();

  const nowIso = (): string => {
    const ms = Math.floor(now());
    if (!Number.isFinite(ms)) throw new MoatError("ERR_CONFIG", { message: "the audit clock returned a non-finite time" });
    return new Date(ms).toISOString();
  };

  async function drain(orgId: string, queue: PendingAppend[]): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH);
      try {
        const stored = await storeCall("audit", "append", () =>
          store.append(orgId, (head) => {
            let previous = checkHead(head);
            return batch.map((p) => {
              const sealed = sealAuditEvent(p.event, previous);
              previous = sealed;
              return sealed;
            });
          }),
        );
        if (stored.length !== batch.length) throw new MoatError("ERR_STORE", { message: "audit store stored a different number of events" });
        batch.forEach((p, i) => {
          const event = stored[i];
          if (event === undefined) p.reject(new MoatError("ERR_STORE", { message: "audit store lost an event" }));
          else p.resolve(event);
        });
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
    queues.delete(orgId);
  }

  function append(event: AuditEvent): Promise<StoredAuditEvent> {
    let valid: AuditEvent;
    try {
      valid = isValidated(event) ? event : parseInput(auditEventSchema, event, "audit event");
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return new Promise<StoredAuditEvent>((resolve, reject) => {
      const queue = queues.get(valid.orgId);
      if (queue !== undefined) {
        queue.push({ event: valid, resolve, reject });
        return;
      }
      const fresh: PendingAppend[] = [{ event: valid, resolve, reject }];
      queues.set(valid.orgId, fresh);
      // Start on the next microtask, so appends made in the same tick share the first batch.
      queueMicrotask(() => void drain(valid.orgId, fresh));
    });
  }

  async function verify(options: VerifyAuditLogOptions): Promise<VerifyAuditResult> {
    const o = parseInput(verifySchema, options, "audit verify options");
    const anchor = await storeCall("audit", "latestAnchor", () => store.latestAnchor(o.orgId));
    const signed = await verifySignedPoints(o.orgId, anchor?.jws ?? null, o.checkpoints ?? [], o.checkpointKey ?? opts.checkpointKey);
    if (signed.anchorMismatch !== undefined) return { ok: false, reason: "checkpoint_mismatch", seq: signed.anchorMismatch };
    const { start } = signed;
    const from = Math.max(o.from ?? 1, start.seq + 1);
    const prevHash = from === start.seq + 1 ? start.hash : (signed.checkpoints.get(from - 1) ?? null);
    const inRange = new Map([...signed.checkpoints].filter(([seq]) => seq >= from && (o.to === undefined || seq <= o.to)));
    return verifyRows(store.scan(o.orgId, { fromSeq: from, ...(o.to === undefined ? {} : { toSeq: o.to }) }), {
      orgId: o.orgId,
      firstSeq: from,
      prevHash,
      toSeq: o.to,
      checkpoints: inRange,
      onProgress: o.onProgress,
      signal: o.signal,
    });
  }

  async function checkpoint(orgId: string, signer: AuditCheckpointSigner, options: AuditCheckpointOptions = {}): Promise<string> {
    const id = parseInput(idSchema, orgId, "audit org id");
    const s = parseSigner(signer);
    const o = parseInput(checkpointOptionsSchema, options, "audit checkpoint options");
    let head: AuditChainHead;
    if (o.previous !== undefined) {
      const key = opts.checkpointKey;
      if (key === undefined) throw new MoatError("ERR_INVALID_INPUT", { message: "checking the previous checkpoint needs the log's checkpointKey" });
      const previous = await verifyAuditCheckpoint(o.previous, key);
      const result = await verify({ orgId: id, checkpoints: [o.previous], ...(previous.seq > 0 ? { from: previous.seq } : {}) });
      if (!result.ok || result.head === null) throw integrityFailure("checkpoint", result);
      head = result.head;
    } else {
      head = checkHead(await storeCall("audit", "head", () => store.head(id)));
      const anchor = await storeCall("audit", "latestAnchor", () => store.latestAnchor(id));
      if (head.seq > (anchor?.seq ?? 0)) {
        // Check the head row itself, so a checkpoint never signs a hash its row does not have.
        const result = await verifyRows(store.scan(id, { fromSeq: head.seq, toSeq: head.seq }), {
          orgId: id,
          firstSeq: head.seq,
          prevHash: null,
          toSeq: head.seq,
          checkpoints: new Map([[head.seq, head.hash]]),
        });
        if (!result.ok || result.count !== 1) throw integrityFailure("checkpoint", result.ok ? { ok: false, reason: "deleted", seq: head.seq } : result);
      }
    }
    return signAuditCheckpoint({ orgId: id, seq: head.seq, hash: head.hash, at: nowIso() }, s);
  }

  async function query(q: AuditQuery): Promise<AuditPage> {
    const o = parseInput(querySchema, q, "audit query");
    const order = o.order ?? "desc";
    const afterSeq = o.cursor === undefined ? undefined : decodeCursor(o.cursor, order);
    const rows = await storeCall("audit", "query", () =>
      store.query({
        orgId: o.orgId,
        order,
        limit: o.limit + 1,
        ...(o.actorId === undefined ? {} : { actorId: o.actorId }),
        ...(o.action === undefined ? {} : { action: o.action }),
        ...(o.targetId === undefined ? {} : { targetId: o.targetId }),
        ...(o.from === undefined ? {} : { fromTime: o.from }),
        ...(o.to === undefined ? {} : { toTime: o.to }),
        ...(afterSeq === undefined ? {} : { afterSeq }),
      }),
    );
    const events = rows.slice(0, o.limit);
    const last = events[events.length - 1];
    return { events, nextCursor: rows.length > o.limit && last !== undefined ? encodeCursor(order, last.seq) : null };
  }

  function exportNdjson(orgId: string, options: AuditExportOptions = {}): ReadableStream<Uint8Array> {
    const id = parseInput(idSchema, orgId, "audit org id");
    const o = parseInput(exportSchema, options, "audit export options");
    let pages: AsyncIterator<readonly StoredAuditEvent[]> | undefined;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        pages ??= store.scan(id, o)[Symbol.asyncIterator]();
        const iterator = pages;
        for (;;) {
          const next = await storeCall("audit", "scan", () => iterator.next());
          if (next.done === true) {
            controller.close();
            return;
          }
          if (next.value.length === 0) continue;
          let text = "";
          for (const event of next.value) text += `${canonicalJson(event)}\n`;
          controller.enqueue(utf8Encode(text));
          return;
        }
      },
      async cancel() {
        await pages?.return?.();
      },
    });
  }

  async function prune(options: PruneAuditLogOptions): Promise<PruneAuditResult> {
    const o = parseInput(pruneSchema, options, "audit prune options");
    const signer = parseSigner(o.signer);
    const key = opts.checkpointKey;
    if (key === undefined) {
      throw new MoatError("ERR_INVALID_INPUT", { message: "prune needs the log's checkpointKey, so the anchor it leaves can be verified" });
    }
    const anchor = await storeCall("audit", "latestAnchor", () => store.latestAnchor(o.orgId));
    const signed = await verifySignedPoints(o.orgId, anchor?.jws ?? null, o.checkpoints ?? [], key);
    if (signed.anchorMismatch !== undefined) {
      throw integrityFailure("prune", { ok: false, reason: "checkpoint_mismatch", seq: signed.anchorMismatch });
    }
    const { start } = signed;
    // The prefix ends just before the first event at or after `before`.
    const firstKept = await storeCall("audit", "query", () => store.query({ orgId: o.orgId, order: "asc", fromTime: o.before, limit: 1 }));
    const head = checkHead(await storeCall("audit", "head", () => store.head(o.orgId)));
    const through = firstKept[0] === undefined ? head.seq : firstKept[0].seq - 1;
    if (through <= start.seq) return { pruned: 0, anchor };

    // Verify what is about to be deleted: pruning must never launder tampering.
    const result = await verifyRows(store.scan(o.orgId, { fromSeq: start.seq + 1, toSeq: through }), {
      orgId: o.orgId,
      firstSeq: start.seq + 1,
      prevHash: start.hash,
      toSeq: through,
      checkpoints: new Map([...signed.checkpoints].filter(([seq]) => seq <= through)),
    });
    if (!result.ok || result.head === null || result.head.seq !== through) {
      throw integrityFailure("prune", result.ok ? { ok: false, reason: "deleted", seq: (result.head?.seq ?? start.seq) + 1 } : result);
    }
    const jws = await signAuditCheckpoint({ orgId: o.orgId, seq: through, hash: result.head.hash, at: nowIso() }, signer);
    try {
      await verifyAuditCheckpoint(jws, key);
    } catch (err) {
      throw new MoatError("ERR_CONFIG", { message: "the prune signer's key does not match the log's checkpointKey", cause: err });
    }
    const next: AuditAnchor = { seq: through, hash: result.head.hash, jws };
    const pruned = await storeCall("audit", "prune", () => store.prune(o.orgId, next));
    return { pruned, anchor: next };
  }

  return {
    record: async (input) => append(builder.build(input)),
    append,
    verify,
    checkpoint,
    query,
    exportNdjson,
    prune,
  };
}
