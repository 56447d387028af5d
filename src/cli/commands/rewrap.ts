/**
 * `moatkit rewrap`: re-encrypts one column under the primary master key after a rotation, in
 * batches (one transaction each), with a progress bar. Ctrl-C finishes the batch in flight,
 * commits it, says how far it got and exits 130; a second Ctrl-C stops at once (the open
 * transaction is rolled back). Rerunning the same command resumes: rows already under the
 * current keys are read but not rewritten.
 */
import { createPostgresDataKeyStore } from "../../adapters/postgres/data-key-store.js";
import type { SqlClient } from "../../sql/sql-client.js";
import type { ContextValue } from "../../crypto/context.js";
import { createEnvelope } from "../../crypto/envelope.js";
import { keyringFromEnv } from "../../crypto/keyring.js";
import {
  COLUMN_NAME_RE,
  TABLE_NAME_RE,
  quoteName,
  rewrapColumn,
  type ColumnRewrapResult,
  type ColumnRow,
  type RewrapColumnOptions,
  type RewrapColumnProgress,
} from "../../crypto/rewrap-column.js";
import { isMoatError } from "../../errors.js";
import { openDatabase, resolveDatabaseUrl } from "../database.js";
import { CommandFailure, EXIT, UsageError, printErr, printOut } from "../output.js";
import { createProgress } from "../progress.js";
import { onInterrupt, sleep } from "../signals.js";

/** Options of `moatkit rewrap`, as commander parsed them. */
export interface RewrapCommandOptions {
  readonly databaseUrl?: string;
  readonly table: string;
  readonly column: string;
  readonly idColumn: string;
  readonly tenantColumn?: string;
  readonly batchSize: string;
  readonly startAfter?: string;
  readonly pause: string;
  readonly dataKeys?: boolean;
}

function integerOption(value: string, name: string, min: number, max: number): number {
  const n = /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(`${name} must be an integer from ${String(min)} to ${String(max)}`);
  return n;
}

/** An id (or tenant) read from the database, as text. */
function cellText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("hex");
  if (value === null || value === undefined) return String(value);
  return typeof value === "object" ? JSON.stringify(value) : typeof value;
}

/** The row id as bound into each value's context: what the driver returns for the id column. */
function rowIdOf(value: unknown): ContextValue {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  if (typeof value === "bigint") return value.toString();
  return value === null || value === undefined ? null : cellText(value);
}

function summary(p: RewrapColumnProgress): string {
  return `scanned ${String(p.scanned)}, rewrapped ${String(p.rewrapped)}, already current ${String(p.alreadyCurrent)}, unreadable ${String(p.failed)}, changed meanwhile ${String(p.conflicts)}`;
}

/** The numeric flags, after checking every flag. */
function checkFlags(options: RewrapCommandOptions): { batchSize: number; pauseMs: number } {
  if (!TABLE_NAME_RE.test(options.table))
    throw new UsageError("--table must be a table name, optionally schema.table (letters, digits, _)");
  if (!COLUMN_NAME_RE.test(options.column)) throw new UsageError("--column must be a column name (letters, digits, _)");
  if (!COLUMN_NAME_RE.test(options.idColumn))
    throw new UsageError("--id-column must be a column name (letters, digits, _)");
  if (options.tenantColumn !== undefined && !COLUMN_NAME_RE.test(options.tenantColumn)) {
    throw new UsageError("--tenant-column must be a column name (letters, digits, _)");
  }
  if (options.column === options.idColumn) throw new UsageError("--column and --id-column must differ");
  // The tenant may be the id (a table of tenants), but never the encrypted column itself.
  if (options.tenantColumn === options.column) throw new UsageError("--tenant-column and --column must differ");
  const batchSize = integerOption(options.batchSize, "--batch-size", 1, 100_000);
  const pauseMs = integerOption(options.pause, "--pause", 0, 60_000);
  if (options.startAfter?.length === 0) throw new UsageError("--start-after must not be empty");
  return { batchSize, pauseMs };
}

/** Rows left to walk, for the progress bar. */
async function rowsToWalk(client: SqlClient, options: RewrapCommandOptions): Promise<number> {
  const { table, idColumn, startAfter } = options;
  const sql =
    startAfter === undefined
      ? `SELECT count(*)::bigint AS n FROM ${quoteName(table)}`
      : `SELECT count(*)::bigint AS n FROM ${quoteName(table)} WHERE ${quoteName(idColumn)} > $1`;
  const { rows } = await client.query<{ n: string | number }>(sql, startAfter === undefined ? [] : [startAfter]);
  return Number(rows[0]?.n ?? 0);
}

/** The same client, sleeping after each committed batch (--pause) to spare a busy production database. */
function pausingClient(client: SqlClient, pauseMs: number, signal: AbortSignal): SqlClient {
  return {
    query: (text, params) => client.query(text, params),
    exec: (script) => client.exec(script),
    async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      const result = await client.transaction(fn);
      if (pauseMs > 0) await sleep(pauseMs, signal);
      return result;
    },
  };
}

/** What rewrapColumn needs from the flags: each row's context is its table, column and id. */
function columnOptions(options: RewrapCommandOptions, batchSize: number): RewrapColumnOptions {
  const { table, column, idColumn, tenantColumn } = options;
  return {
    table,
    column,
    idColumn,
    context: (row: ColumnRow) => ({ table, column, rowId: rowIdOf(row[idColumn]) }),
    ...(tenantColumn === undefined
      ? {}
      : {
          tenantId: (row: ColumnRow) => {
            const t = row[tenantColumn];
            return t === null || t === undefined ? undefined : cellText(t);
          },
        }),
    batchSize,
    ...(options.startAfter === undefined ? {} : { startAfter: options.startAfter }),
  };
}

/** The counts rewrapColumn puts in an ERR_ABORTED error's `details`. */
function abortedProgress(details: unknown): RewrapColumnProgress | undefined {
  if (typeof details !== "object" || details === null) return undefined;
  const count = (key: string): number => {
    const n: unknown = Reflect.get(details, key);
    return typeof n === "number" ? n : 0;
  };
  const lastId: unknown = Reflect.get(details, "lastId");
  return {
    scanned: count("scanned"),
    rewrapped: count("rewrapped"),
    alreadyCurrent: count("alreadyCurrent"),
    failed: count("failed"),
    conflicts: count("conflicts"),
    lastId,
  };
}

function reportInterrupted(p: RewrapColumnProgress | undefined): number {
  const where = p?.lastId === undefined ? "before the first batch" : `after id ${cellText(p.lastId)}`;
  printOut(`interrupted ${where}: ${p === undefined ? "nothing done" : summary(p)}`);
  printOut(
    `every finished batch is committed; run the same command again to finish (rows already rewrapped are skipped)${p?.lastId === undefined ? "" : `, or add --start-after ${cellText(p.lastId)}`}`,
  );
  return EXIT.interrupted;
}

function reportResult(options: RewrapCommandOptions, result: ColumnRewrapResult): number {
  printOut(`${options.table}.${options.column}: ${summary(result)}`);
  const remaining = Object.entries(result.remainingByKeyId)
    .map(([id, n]) => `${id}=${String(n)}`)
    .join(", ");
  printOut(`values per master key after this run: ${remaining === "" ? "(none)" : remaining}`);
  if (result.conflicts > 0) printOut("some rows changed while this ran: run the command again to cover them");
  if (result.failed > 0) {
    throw new CommandFailure(
      `${String(result.failed)} row(s) could not be decrypted (wrong context, missing key or not a moatkit value); first ids: ${result.failedIds.slice(0, 10).map(cellText).join(", ")}`,
    );
  }
  return EXIT.ok;
}

/** Runs `moatkit rewrap`; resolves to the exit status. */
export async function rewrapCommand(options: RewrapCommandOptions): Promise<number> {
  const { batchSize, pauseMs } = checkFlags(options);
  const url = resolveDatabaseUrl(options.databaseUrl);
  // Master keys come only from the environment: a flag would put them in the process list and
  // the shell history.
  const keyring = keyringFromEnv();

  const interrupt = onInterrupt(() => {
    printErr(
      "",
      "finishing the current batch, then stopping (Ctrl-C again to stop now; the open batch is rolled back)",
    );
  });
  const db = await openDatabase(url);
  try {
    const envelope = createEnvelope({
      keyring,
      ...(options.dataKeys === true ? { dataKeys: createPostgresDataKeyStore({ client: db.client }) } : {}),
    });
    const progress = createProgress({
      label: `rewrap ${options.table}.${options.column}`,
      total: await rowsToWalk(db.client, options),
      unit: "rows",
    });
    let result: ColumnRewrapResult;
    try {
      result = await rewrapColumn(envelope, pausingClient(db.client, pauseMs, interrupt.signal), {
        ...columnOptions(options, batchSize),
        signal: interrupt.signal,
        onProgress: (p) => {
          progress.update(p.scanned, `rewrapped ${String(p.rewrapped)}, last id ${cellText(p.lastId)}`);
        },
      });
    } catch (err) {
      progress.stop();
      if (isMoatError(err, "ERR_ABORTED")) return reportInterrupted(abortedProgress(err.details));
      throw err;
    }
    progress.stop();
    return reportResult(options, result);
  } finally {
    interrupt.dispose();
    await db.close();
  }
}
