/**
 * Re-encrypting a Postgres column after a rotation. Each batch is read, re-encrypted outside any
 * transaction (the data key store may share the database, and PGlite has one connection), then
 * written back in one transaction with a compare-and-set on the old value, so a row the
 * application changed meanwhile is left alone (and counted) rather than overwritten.
 */
import { z } from "zod";
import { functionSchema } from "../_internal/function-schema.js";
import { parseOptions } from "../_internal/options.js";
import { MoatError, isMoatError } from "../errors.js";
import type { SqlClient } from "../adapters/postgres/sql-client.js";
import type { BindingOptions, EncryptionContext } from "./context.js";
import { toStringForm } from "./format.js";

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

/** What {@link Envelope.rewrapColumn} did. */
export interface RewrapColumnResult extends RewrapColumnProgress {
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

/** Options for {@link Envelope.rewrapColumn}. */
export interface RewrapColumnOptions {
  /** The database (`fromPgPool(pool)` or `fromPglite(db)`). */
  readonly client: SqlClient;
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

/** @internal What the column walker needs from an envelope. */
export interface RewrapOps {
  needsRewrap(token: string | Uint8Array): Promise<boolean>;
  reencrypt(token: string | Uint8Array, options: BindingOptions): Promise<Uint8Array>;
  dependencyOf(token: string | Uint8Array): Promise<{ readonly masterKeyId: string }>;
}

/** @internal A column name rewrapColumn accepts (the CLI checks its flags against it). */
export const COLUMN_NAME_RE: RegExp = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
/** @internal A table name rewrapColumn accepts, optionally `schema.table`. */
export const TABLE_NAME_RE: RegExp = /^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/;

const schema = z.strictObject({
  client: z.custom<SqlClient>(
    (v) => typeof v === "object" && v !== null && typeof Reflect.get(v, "query") === "function" && typeof Reflect.get(v, "transaction") === "function",
    "a SqlClient (fromPgPool or fromPglite)",
  ),
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

const UNREADABLE: ReadonlySet<string> = new Set(["ERR_DECRYPT", "ERR_KEY_NOT_FOUND", "ERR_INVALID_INPUT", "ERR_INTEGRITY"]);

/** @internal */
export async function runRewrapColumn(ops: RewrapOps, options: RewrapColumnOptions): Promise<RewrapColumnResult> {
  const opts = parseOptions(schema, options, "rewrapColumn options");
  const { client, batchSize, signal } = opts;
  const table = quoteName(opts.table);
  const column = quoteName(opts.column);
  const idColumn = quoteName(opts.idColumn);
  const first = `SELECT * FROM ${table} ORDER BY ${idColumn} LIMIT $1`;
  const next = `SELECT * FROM ${table} WHERE ${idColumn} > $2 ORDER BY ${idColumn} LIMIT $1`;
  const update = `UPDATE ${table} SET ${column} = $1 WHERE ${idColumn} = $2 AND ${column} = $3`;

  let lastId: unknown = opts.startAfter;
  let started = opts.startAfter !== undefined;
  const counts = { scanned: 0, rewrapped: 0, alreadyCurrent: 0, failed: 0, conflicts: 0 };
  const remaining = new Map<string, number>();
  const failedIds: unknown[] = [];
  const progress = (): RewrapColumnProgress => ({ ...counts, lastId });
  const depend = (keyId: string): void => {
    remaining.set(keyId, (remaining.get(keyId) ?? 0) + 1);
  };

  for (;;) {
    if (signal?.aborted === true) {
      throw new MoatError("ERR_ABORTED", { message: "rewrapColumn was aborted; resume with startAfter: details.lastId", details: { ...progress() } });
    }
    const { rows } = await client.query<ColumnRow>(started ? next : first, started ? [batchSize, lastId] : [batchSize]);
    if (rows.length === 0) break;

    const writes: { id: unknown; old: string | Uint8Array; value: string | Uint8Array }[] = [];
    const pendingDependencies: (string | Uint8Array)[] = [];
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
        if (await ops.needsRewrap(value)) {
          const tenantId = opts.tenantId?.(row);
          const bytes = await ops.reencrypt(value, { context: opts.context(row), tenantId });
          writes.push({ id, old: value, value: typeof value === "string" ? toStringForm(bytes) : bytes });
        } else {
          counts.alreadyCurrent++;
          pendingDependencies.push(value);
        }
      } catch (err) {
        if (!isMoatError(err) || !UNREADABLE.has(err.code)) throw err;
        counts.failed++;
        if (failedIds.length < 100) failedIds.push(id);
        pendingDependencies.push(value instanceof Uint8Array || typeof value === "string" ? value : "");
      }
    }

    const written = await client.transaction(async (tx) => {
      const done: (string | Uint8Array)[] = [];
      for (const w of writes) {
        const result = await tx.query(update, [w.value, w.id, w.old]);
        if (result.rowCount === 1) done.push(w.value);
      }
      return done;
    });
    counts.rewrapped += written.length;
    counts.conflicts += writes.length - written.length;
    counts.scanned += rows.length;
    for (const value of [...pendingDependencies, ...written]) {
      try {
        depend((await ops.dependencyOf(value)).masterKeyId);
      } catch {
        depend("(unreadable)");
      }
    }
    lastId = rows[rows.length - 1]?.[opts.idColumn];
    started = true;
    opts.onProgress?.(progress());
    if (rows.length < batchSize) break;
  }
  return { ...progress(), remainingByKeyId: Object.fromEntries(remaining), failedIds };
}
