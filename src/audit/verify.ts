/**
 * Chain verification. Everything is recomputed from the rows as they come: each row's hash from
 * its own content, each link from the previous row's recomputed hash, the sequence from a
 * counter, checkpoints and anchors from their signatures. Nothing a store says about a row (its
 * position, its seq column, a "verified" flag) is believed, because a store that lies is exactly
 * what verification must catch (immudb GO-2022-1117: a client that accepted a server's proofs).
 */
import { z } from "zod";
import { functionSchema } from "../_internal/function-schema.js";
import { parseInput } from "../_internal/options.js";
import { MoatError, isMoatError } from "../errors.js";
import { type AuditCheckpointKey, isCheckpointKey } from "./checkpoint.js";
import { type AuditChainHead, idSchema } from "./event.js";
import { verifySignedPoints } from "./signed-points.js";
import { END, MORE, RowCursor, YIELD_EVERY, inspect, seqOf } from "./verify-rows.js";

/**
 * Why a chain failed verification, located by `seq`:
 * - `modified`: the event at `seq` does not hash to its `hash`, is malformed, or its `prevHash`
 *   is not the hash of the event before it (so it, or the one before, was changed);
 * - `deleted`: event `seq` is missing (a gap, or a checkpoint vouches for events past the end);
 * - `reordered`: event `seq` is stored out of order;
 * - `inserted`: an event claims `seq` although that position is taken, or belongs to another
 *   organisation;
 * - `checkpoint_mismatch`: the event at `seq` is internally consistent but differs from what a
 *   signed checkpoint or prune anchor says it was: the chain was rewritten;
 * - `anchor_invalid`: the prune anchor the chain starts from (at `seq`) is not one: a checkpoint
 *   stored in its place (so are anchors written before moatkit 0.3.0, unless vouched for with
 *   `legacyAnchor`), a bad signature, or another organisation's. The events before it may have been deleted without a prune;
 * - `column_mismatch`: the event at `seq` is intact, but a column the store keeps for queries
 *   (named in `column`) disagrees with it, so queries file the event under the wrong value.
 */
export type AuditTamperReason =
  "modified" | "deleted" | "reordered" | "inserted" | "checkpoint_mismatch" | "anchor_invalid" | "column_mismatch";

/** The outcome of verifying a chain. */
export type AuditVerifyResult =
  | {
      /** Every event checked out. */
      readonly ok: true;
      /** How many events were verified. */
      readonly count: number;
      /**
       * The last verified event, or the point the chain starts from (seq 0, or the prune anchor)
       * when there were none. `null` only when a `from` range held no event and its start is
       * unknown.
       */
      readonly head: AuditChainHead | null;
    }
  | {
      /** The chain does not check out. */
      readonly ok: false;
      /** What was found. */
      readonly reason: AuditTamperReason;
      /** Where: the first sequence number that does not check out. */
      readonly seq: number;
      /** For `column_mismatch`: the store's name of the column that disagrees with the event. */
      readonly column?: string;
      /** A sentence saying what was found (no values from the events). */
      readonly detail?: string;
    };

/** Progress of a long verification. */
export interface AuditVerifyProgress {
  /** Events verified so far. */
  readonly verified: number;
  /** The last verified sequence number. */
  readonly seq: number;
}

/** Where verification starts and what it is checked against. */
interface ChainExpectations {
  /** The organisation every event must belong to. */
  readonly orgId: string;
  /** The first seq expected. */
  readonly firstSeq: number;
  /** The hash event `firstSeq - 1` must have had, when known (genesis, anchor, checkpoint). */
  readonly prevHash: string | null;
  /** Stop after this seq. */
  readonly toSeq?: number | undefined;
  /** Signed hashes by seq, all within the range. */
  readonly checkpoints: ReadonlyMap<number, string>;
  /** The store's check of its query columns against a row it returned (see `AuditStore`). */
  readonly columns?: ((row: unknown) => string | null) | undefined;
  /** Called after each page. */
  readonly onProgress?: ((progress: AuditVerifyProgress) => void) | undefined;
  /** Aborts the verification with ERR_ABORTED. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Verifies rows (in pages) against `expect`. Returns at the first problem.
 *
 * @throws MoatError ERR_ABORTED when `expect.signal` aborts; store errors pass through.
 */
export async function verifyRows(
  pages: AsyncIterable<readonly unknown[]> | Iterable<readonly unknown[]>,
  expect: ChainExpectations,
): Promise<AuditVerifyResult> {
  let expected = expect.firstSeq;
  let prev = expect.prevHash;
  let count = 0;
  let reported = 0;
  let sinceYield = 0;
  const report = (): void => {
    if (count === reported) return;
    reported = count;
    expect.onProgress?.({ verified: count, seq: expected - 1 });
  };
  const checkAbort = (): void => {
    if (expect.signal?.aborted === true) throw new MoatError("ERR_ABORTED", { message: "audit verification aborted" });
  };
  const cursor = new RowCursor(pages, async () => {
    checkAbort();
    report();
    if (sinceYield >= YIELD_EVERY) {
      sinceYield = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  });
  const fail = (reason: AuditTamperReason, seq: number): AuditVerifyResult => ({ ok: false, reason, seq });

  try {
    for (;;) {
      if (expect.toSeq !== undefined && expected > expect.toSeq) break;
      // Rows of a page are taken synchronously; only a new page is awaited.
      let row = cursor.take();
      if (row === MORE) row = await cursor.next();
      if (row === END) break;
      sinceYield++;
      const facts = inspect(row);
      // A row whose content does not hash to its hash tells us nothing, its seq included.
      if (!facts.hashOk || facts.seq === null) return fail("modified", expected);
      if (facts.orgId !== expect.orgId) return fail("inserted", facts.seq);
      if (facts.seq < expected) return fail("inserted", facts.seq);
      if (facts.seq > expected) return await classifyGap(cursor, expected, facts.seq);
      if (prev !== null && facts.prevHash !== prev) {
        // A second row with the same seq right behind means this one was slipped in.
        const next = await cursor.peek();
        return fail(next !== END && seqOf(next) === facts.seq ? "inserted" : "modified", facts.seq);
      }
      const signed = expect.checkpoints.get(facts.seq);
      if (signed !== undefined && signed !== facts.hash) return fail("checkpoint_mismatch", facts.seq);
      const column = expect.columns?.(row) ?? null;
      if (column !== null) return columnMismatch(facts.seq, column);
      prev = facts.hash;
      expected++;
      count++;
    }
  } catch (err) {
    // A store that cannot even decode a row reports where; that row was modified.
    if (isMoatError(err, "ERR_INTEGRITY") && typeof err.details?.seq === "number")
      return fail("modified", err.details.seq);
    throw err;
  } finally {
    await cursor.close();
  }

  let lastSigned = -1;
  for (const seq of expect.checkpoints.keys()) lastSigned = Math.max(lastSigned, seq);
  // A checkpoint vouches for events the store no longer returns: the tail was cut.
  if (lastSigned >= expected) return fail("deleted", expected);
  report();
  return { ok: true, count, head: prev === null ? null : { seq: expected - 1, hash: prev } };
}

const COLUMN_NAME = /^[A-Za-z_][A-Za-z0-9_.]{0,62}$/;

/** `column_mismatch` at `seq`, naming the column when the store gave a plain name. */
function columnMismatch(seq: number, column: string): AuditVerifyResult {
  const name = COLUMN_NAME.test(column) ? column : "(unnamed)";
  return {
    ok: false,
    reason: "column_mismatch",
    seq,
    column: name,
    detail: `the store's column ${name} disagrees with the hashed event, so queries on it misfile the event`,
  };
}

/**
 * Events `missing` … `seen - 1` did not come where they should. If one of them turns up later
 * the log was reordered; otherwise it was deleted.
 */
async function classifyGap(cursor: RowCursor, missing: number, seen: number): Promise<AuditVerifyResult> {
  for (;;) {
    const row = await cursor.next();
    if (row === END) return { ok: false, reason: "deleted", seq: missing };
    const seq = seqOf(row);
    if (seq !== undefined && seq >= missing && seq < seen) return { ok: false, reason: "reordered", seq: missing };
  }
}

// ---------------------------------------------------------------------------------------------
// offline verification

/** Options for {@link verifyAuditChain}. */
export interface VerifyAuditChainOptions {
  /** The organisation the events belong to. */
  readonly orgId: string;
  /** The prune anchor (JWS) the events continue from, if the chain was pruned. */
  readonly anchor?: string;
  /**
   * The exact text of a prune anchor written before moatkit 0.3.0 (checkpoint format) that you
   * vouch for, recorded outside the database when it was written: `anchor` in that format is
   * accepted only if byte-identical to it. See `AuditLog.verify`.
   */
  readonly legacyAnchor?: string;
  /** Signed checkpoints to check the events against. */
  readonly checkpoints?: readonly string[];
  /** Verifies the anchor and checkpoints. */
  readonly checkpointKey?: AuditCheckpointKey;
  /** Called every 1000 events. */
  readonly onProgress?: (progress: AuditVerifyProgress) => void;
  /** Aborts with ERR_ABORTED. */
  readonly signal?: AbortSignal;
}

const OFFLINE_PAGE = 1000;

async function* paged(events: Iterable<unknown> | AsyncIterable<unknown>): AsyncGenerator<readonly unknown[]> {
  let page: unknown[] = [];
  for await (const event of events) {
    page.push(event);
    if (page.length >= OFFLINE_PAGE) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}

/**
 * Verifies a whole chain held outside any store, such as the lines of an NDJSON export: the
 * same checks as `AuditLog.verify`, from the first event (or the anchor) to the last.
 *
 * @throws MoatError ERR_INVALID_INPUT when an anchor or checkpoints are given without a key or
 *   belong to another organisation; ERR_INTEGRITY when a signature does not verify; ERR_ABORTED.
 * @example
 * ```ts
 * import { createReadStream } from "node:fs";
 * import { createInterface } from "node:readline";
 * const lines = createInterface({ input: createReadStream("org_1.ndjson") });
 * async function* events() { for await (const line of lines) if (line !== "") yield JSON.parse(line); }
 * const result = await verifyAuditChain(events(), { orgId: "org_1", checkpoints, checkpointKey });
 * ```
 */
export async function verifyAuditChain(
  events: Iterable<unknown> | AsyncIterable<unknown>,
  options: VerifyAuditChainOptions,
): Promise<AuditVerifyResult> {
  const candidate: unknown = events;
  if (
    typeof candidate !== "object" ||
    candidate === null ||
    !(Symbol.iterator in candidate || Symbol.asyncIterator in candidate)
  ) {
    throw new MoatError("ERR_INVALID_INPUT", { message: "verifyAuditChain needs an iterable of events" });
  }
  const o = parseInput(offlineOptionsSchema, options, "verifyAuditChain options");
  const anchor = o.anchor === undefined ? null : { jws: o.anchor };
  const signed = await verifySignedPoints(o.orgId, anchor, o.checkpoints ?? [], o.checkpointKey, o.legacyAnchor);
  if (!signed.ok) return signed.failure;
  return verifyRows(paged(events), {
    orgId: o.orgId,
    firstSeq: signed.start.seq + 1,
    prevHash: signed.start.hash,
    checkpoints: signed.checkpoints,
    onProgress: o.onProgress,
    signal: o.signal,
  });
}

const offlineOptionsSchema = z.strictObject({
  orgId: idSchema,
  anchor: z.string().max(4096).optional(),
  legacyAnchor: z.string().min(1).max(4096).optional(),
  checkpoints: z.array(z.string().max(4096)).max(10_000).optional(),
  checkpointKey: z.custom<AuditCheckpointKey>(isCheckpointKey, "expected a public key, JWK or JWK set").optional(),
  onProgress: functionSchema<(p: AuditVerifyProgress) => void>().optional(),
  signal: z.custom<AbortSignal>((v) => v instanceof AbortSignal, "expected an AbortSignal").optional(),
});
