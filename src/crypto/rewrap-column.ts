/**
 * Re-encrypting a Postgres column after a rotation: a function of its own that takes an envelope
 * and a {@link SqlClient}, so the envelope stays free of SQL. Each batch is read, re-encrypted outside any
 * transaction (the data key store may share the database, and PGlite has one connection), then
 * written back in one transaction with a compare-and-set on the old value, so a row the
 * application changed meanwhile is left alone (and counted) rather than overwritten.
 */
import { z } from "zod";
import { functionSchema } from "../_internal/function-schema.js";
import { parseOptions } from "../_internal/options.js";
import { MoatError, isMoatError } from "../errors.js";
import { type SqlClient, isSqlClient } from "../sql/sql-client.js";
import type { EncryptionContext } from "./context.js";
import type { Envelope } from "./envelope.js";

/** Counts reported while a column is rewrapped; every count only grows during a run. */
export interface RewrapColumnProgress {
  /** Rows read so far. */
  readonly scanned: number;
  /** Rows re-encrypted and written back. */
  readonly rewrapped: number;
  /** Rows already under the current keys (or NULL), left untouched. */
  readonly alreadyCurrent: number;
  /** Rows that could not be decrypted (ERR_DECRYPT, ERR_KEY_NOT_FOUND, not a token); left untouched. */
  readonly failed: number;
  /** Rows changed by someone else between read and write; left untouched (rerun to cover them). */
  readonly conflicts: number;
  /** The id of the last row of the last finished batch: pass it as `startAfter` to resume. */
  readonly lastId: unknown;
}

/** What {@link rewrapColumn} did. */
export interface ColumnRewrapResult extends RewrapColumnProgress {
  /**
   * For the rows this run scanned, how many values depend on each master key id after the run
   * (for stored data keys: the key wrapping the data key now). A master key is safe to remove
   * when a full run (no `startAfter`) over every column reports 0 for it and `failed` is 0.
   */
  readonly remainingByKeyId: Readonly<Record<string, number>>;
  /** Ids of the first 100 rows that failed, to inspect. */
  readonly failedIds: readonly unknown[];
}

/** A row as the driver returns it (`SELECT *`). */
export type ColumnRow = Readonly<Record<string, unknown>>;

/** Options for {@link rewrapColumn}. */
export interface RewrapColumnOptions {
  /** Table name, optionally schema-qualified (`"billing.integrations"`); used exactly as given, quoted. */
  readonly table: string;
  /** The column holding tokens (text for the string form, bytea for the binary form). */
  readonly column: string;
  /** A unique, sortable column (the primary key); batches walk it in ascending order. */
  readonly idColumn: string;
  /** The context each row's value was encrypted with. */
  readonly context: (row: ColumnRow) => EncryptionContext;
  /** The tenant each row's value belongs to, when values were encrypted with a `tenantId`. */
  readonly tenantId?: (row: ColumnRow) => string | undefined;
  /** Rows per batch (and per transaction). Default 500. */
  readonly batchSize?: number;
  /** Resume after this id (the `lastId` of an interrupted run). */
  readonly startAfter?: unknown;
  /** Called after each committed batch with the running counts. */
  readonly onProgress?: (progress: RewrapColumnProgress) => void;
  /** Stops between batches with ERR_ABORTED; `details` carries the counts and `lastId`. */
  readonly signal?: AbortSignal;
}

/** @internal A column name rewrapColumn accepts (the CLI checks its flags against it). */
export const COLUMN_NAME_RE: RegExp = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
/** @internal A table name rewrapColumn accepts, optionally `schema.table`. */
export const TABLE_NAME_RE: RegExp = /^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/;

const clientSchema = z.custom<SqlClient>(isSqlClient, "a SqlClient (fromPgPool, fromPglite or your own)");

const envelopeSchema = z.custom<Envelope>((v) => {
  const keys: unknown = typeof v === "object" && v !== null ? Reflect.get(v, "keys") : undefined;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof keys === "object" &&
    keys !== null &&
    ["needsRewrap", "rewrap", "rewrapBytes"].every((m) => typeof Reflect.get(v, m) === "function") &&
    typeof Reflect.get(keys, "dependencyOf") === "function"
  );
}, "an Envelope from createEnvelope");

const schema = z.strictObject({
  table: z.string().regex(TABLE_NAME_RE, "a table name, optionally schema.table"),
  column: z.string().regex(COLUMN_NAME_RE, "a column name"),
  idColumn: z.string().regex(COLUMN_NAME_RE, "a column name"),
  context: functionSchema<(row: ColumnRow) => EncryptionContext>(),
  tenantId: functionSchema<(row: ColumnRow) => string | undefined>().optional(),
  batchSize: z.number().int().min(1).max(100_000).default(500),
  startAfter: z.unknown().optional(),
  onProgress: functionSchema<(progress: RewrapColumnProgress) => void>().optional(),
  signal: z.instanceof(AbortSignal).optional(),
});

/** @internal Quotes a name checked against TABLE_NAME_RE or COLUMN_NAME_RE (no quotes inside). */
export function quoteName(name: string): string {
  return name
    .split(".")
    .map((part) => `"${part}"`)
    .join(".");
}

const UNREADABLE: ReadonlySet<string> = new Set([
  "ERR_DECRYPT",
  "ERR_KEY_NOT_FOUND",
  "ERR_INVALID_INPUT",
  "ERR_INTEGRITY",
]);

type Options = z.output<typeof schema>;
type Token = string | Uint8Array;

interface Counts {
  scanned: number;
  rewrapped: number;
  alreadyCurrent: number;
  failed: number;
  conflicts: number;
}

/** One batch, re-encrypted in memory and not yet written. */
interface PreparedBatch {
  readonly writes: { readonly id: unknown; readonly old: Token; readonly value: Token }[];
  /** Values left as they are, whose key dependency is counted after the batch. */
  readonly unchanged: Token[];
}

/** Re-encrypts the rows of one batch that need it; counts the rest. Never writes. */
async function prepareBatch(
  envelope: Envelope,
  opts: Options,
  rows: readonly ColumnRow[],
  counts: Counts,
  failedIds: unknown[],
): Promise<PreparedBatch> {
  const batch: PreparedBatch = { writes: [], unchanged: [] };
  for (const row of rows) {
    const id = row[opts.idColumn];
    const value = row[opts.column];
    if (value === null || value === undefined) {
      counts.alreadyCurrent++;
      continue;
    }
    try {
      if (typeof value !== "string" && !(value instanceof Uint8Array)) {
        throw new MoatError("ERR_INVALID_INPUT", { message: "column value is neither text nor bytea" });
      }
      if (await envelope.needsRewrap(value)) {
        const binding = { context: opts.context(row), tenantId: opts.tenantId?.(row) };
        const rewrapped =
          typeof value === "string"
            ? await envelope.rewrap(value, binding)
            : await envelope.rewrapBytes(value, binding);
        batch.writes.push({ id, old: value, value: rewrapped });
      } else {
        counts.alreadyCurrent++;
        batch.unchanged.push(value);
      }
    } catch (err) {
      if (!isMoatError(err) || !UNREADABLE.has(err.code)) throw err;
      counts.failed++;
      if (failedIds.length < 100) failedIds.push(id);
      batch.unchanged.push(value instanceof Uint8Array || typeof value === "string" ? value : "");
    }
  }
  return batch;
}

/** Writes a batch in one transaction, each row only if it still holds the value read; the values written. */
function writeBatch(client: SqlClient, update: string, writes: PreparedBatch["writes"]): Promise<Token[]> {
  return client.transaction(async (tx) => {
    const done: Token[] = [];
    for (const w of writes) {
      const result = await tx.query(update, [w.value, w.id, w.old]);
      if (result.rowCount === 1) done.push(w.value);
    }
    return done;
  });
}

async function countDependencies(
  envelope: Envelope,
  values: readonly Token[],
  remaining: Map<string, number>,
): Promise<void> {
  for (const value of values) {
    let keyId = "(unreadable)";
    try {
      keyId = (await envelope.keys.dependencyOf(value)).masterKeyId;
    } catch {
      // Counted under "(unreadable)": the value stays, and no master key can be said to cover it.
    }
    remaining.set(keyId, (remaining.get(keyId) ?? 0) + 1);
  }
}

/**
 * A mysql2 pool (`getConnection` and `query`, no `exec`/`transaction`) is refused with its own
 * code rather than a generic "not a SqlClient": rewrapColumn's SQL is Postgres's (`$n`
 * parameters, double-quoted names), and on MySQL a column is re-encrypted with
 * `envelope.rewrap` in the application's own batches (README, "MySQL / MariaDB").
 */
function refuseMysqlPool(client: unknown): void {
  if (
    typeof client === "object" &&
    client !== null &&
    !isSqlClient(client) &&
    typeof Reflect.get(client, "getConnection") === "function"
  ) {
    throw new MoatError("ERR_UNSUPPORTED", {
      message:
        "rewrapColumn works on Postgres only; on MySQL re-encrypt a column with envelope.rewrap in your own batches",
    });
  }
}

/**
 * Re-encrypts a Postgres column in batches under the envelope's current keys, e.g. after a new
 * primary master key (or `envelope.keys.rotateDataKeys`). Resumable (`startAfter`), abortable
 * (`signal`), and safe against concurrent writers: a row changed between read and write is left
 * alone and counted in `conflicts`. Rows that cannot be decrypted are counted in `failed`.
 *
 * @throws MoatError ERR_CONFIG for invalid arguments, ERR_UNSUPPORTED for a MySQL pool (Postgres
 *   only), ERR_ABORTED (with the counts and `lastId` in `details`) when `signal` aborts.
 * @example
 * ```ts
 * import { createEnvelope, keyringFromEnv, rewrapColumn } from "moatkit/crypto";
 * const envelope = createEnvelope({ keyring: keyringFromEnv() });
 * const result = await rewrapColumn(envelope, db, {
 *   table: "integrations",
 *   column: "api_key",
 *   idColumn: "id",
 *   context: (row) => ({ table: "integrations", column: "api_key", rowId: Number(row.id) }),
 * });
 * console.log(result.rewrapped, result.remainingByKeyId);
 * ```
 */
export async function rewrapColumn(
  envelope: Envelope,
  client: SqlClient,
  options: RewrapColumnOptions,
): Promise<ColumnRewrapResult> {
  parseOptions(envelopeSchema, envelope, "rewrapColumn envelope");
  refuseMysqlPool(client);
  parseOptions(clientSchema, client, "rewrapColumn client");
  const opts = parseOptions(schema, options, "rewrapColumn options");
  const { batchSize, signal } = opts;
  const table = quoteName(opts.table);
  const column = quoteName(opts.column);
  const idColumn = quoteName(opts.idColumn);
  const first = `SELECT * FROM ${table} ORDER BY ${idColumn} LIMIT $1`;
  const next = `SELECT * FROM ${table} WHERE ${idColumn} > $2 ORDER BY ${idColumn} LIMIT $1`;
  const update = `UPDATE ${table} SET ${column} = $1 WHERE ${idColumn} = $2 AND ${column} = $3`;

  let lastId: unknown = opts.startAfter;
  let started = opts.startAfter !== undefined;
  const counts: Counts = { scanned: 0, rewrapped: 0, alreadyCurrent: 0, failed: 0, conflicts: 0 };
  const remaining = new Map<string, number>();
  const failedIds: unknown[] = [];
  const progress = (): RewrapColumnProgress => ({ ...counts, lastId });

  for (;;) {
    if (signal?.aborted === true) {
      throw new MoatError("ERR_ABORTED", {
        message: "rewrapColumn was aborted; resume with startAfter: details.lastId",
        details: { ...progress() },
      });
    }
    const { rows } = await client.query<ColumnRow>(started ? next : first, started ? [batchSize, lastId] : [batchSize]);
    if (rows.length === 0) break;
    const batch = await prepareBatch(envelope, opts, rows, counts, failedIds);
    const written = await writeBatch(client, update, batch.writes);
    counts.rewrapped += written.length;
    counts.conflicts += batch.writes.length - written.length;
    counts.scanned += rows.length;
    await countDependencies(envelope, [...batch.unchanged, ...written], remaining);
    lastId = rows[rows.length - 1]?.[opts.idColumn];
    started = true;
    opts.onProgress?.(progress());
    if (rows.length < batchSize) break;
  }
  return { ...progress(), remainingByKeyId: Object.fromEntries(remaining), failedIds };
}
