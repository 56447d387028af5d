/**
 * The part of a mysql2 pool the MySQL stores use, described structurally (as kysely's MySQL
 * dialect does) so `mysql2` stays an optional peer: a `mysql2/promise` pool fits, and so does
 * any pool with the same two methods. Values always travel as `?` parameters.
 */
import { assertKnownKeys } from "../../_internal/options.js";
import { MoatError } from "../../errors.js";

/**
 * What a statement that returns no rows resolves to (mysql2's `ResultSetHeader`). With
 * mysql2's default connection flags `affectedRows` counts rows the WHERE matched (the
 * `FOUND_ROWS` flag), without it rows actually changed; every conditional update in these
 * stores changes each row it matches, so both read the same.
 */
export interface MysqlResultHeader {
  /** Rows matched (or changed, without FOUND_ROWS) by an UPDATE, inserted or deleted. */
  readonly affectedRows: number;
}

/** A connection: a pool's `query`, or one checked-out connection's. */
export interface MysqlQueryable {
  /** mysql2's `query(sql, values)`: resolves to `[rows or header, fields]`. */
  query(sql: string, values?: unknown[]): Promise<readonly [unknown, unknown]>;
}

/** A connection checked out of the pool, for transactions. */
export interface MysqlPoolConnectionLike extends MysqlQueryable {
  /** Returns the connection to the pool. */
  release(): void;
  /** Closes the connection instead of returning it (used when a ROLLBACK failed). */
  destroy?(): void;
}

/**
 * The part of a `mysql2/promise` pool moatkit uses: `query` and `getConnection`. Create it with
 * `charset: "utf8mb4"` (mysql2's default) and leave the result-shape options (`typeCast`,
 * `rowsAsArray`, `nestTables`) at their defaults.
 */
export interface MysqlPoolLike extends MysqlQueryable {
  /** Checks a connection out of the pool. */
  getConnection(): Promise<MysqlPoolConnectionLike>;
}

/** Options of a MySQL store that needs only a pool. */
export interface MysqlStoreOptions {
  /** A `mysql2/promise` pool (or anything with its `query` and `getConnection`), migrated with `migrateMysql`. */
  readonly pool: MysqlPoolLike;
}

/** @internal Whether `value` has the two methods of {@link MysqlPoolLike}. */
export function isMysqlPool(value: unknown): value is MysqlPoolLike {
  if (typeof value !== "object" || value === null) return false;
  return typeof Reflect.get(value, "query") === "function" && typeof Reflect.get(value, "getConnection") === "function";
}

/**
 * @internal The pool of a MySQL store's options; ERR_CONFIG naming `factory` when it is not one.
 * Checked when the store is made, not at its first query.
 */
export function readMysqlPool(options: unknown, factory: string, extraKeys: readonly string[] = []): MysqlPoolLike {
  assertKnownKeys(options, ["pool", ...extraKeys], `${factory} options`);
  const pool: unknown = typeof options === "object" && options !== null ? Reflect.get(options, "pool") : undefined;
  if (!isMysqlPool(pool)) {
    throw new MoatError("ERR_CONFIG", {
      message: `${factory} options: pool must be a mysql2/promise pool (query and getConnection)`,
    });
  }
  return pool;
}

/** One row as mysql2 returns it. */
export type MysqlRow = Record<string, unknown>;

/** @internal The rows of a SELECT. */
export async function selectRows(db: MysqlQueryable, sql: string, values: unknown[] = []): Promise<MysqlRow[]> {
  const [rows] = await db.query(sql, values);
  if (!Array.isArray(rows)) throw corrupt("a SELECT returned no rows array");
  const out: MysqlRow[] = [];
  for (const row of rows as unknown[]) {
    if (typeof row !== "object" || row === null) throw corrupt("a SELECT returned a row that is not an object");
    out.push({ ...row });
  }
  return out;
}

/** @internal The first row of a SELECT, or `null`. */
export async function selectOne(db: MysqlQueryable, sql: string, values: unknown[] = []): Promise<MysqlRow | null> {
  return (await selectRows(db, sql, values))[0] ?? null;
}

/** @internal `affectedRows` of an INSERT, UPDATE or DELETE. */
export async function execute(db: MysqlQueryable, sql: string, values: unknown[] = []): Promise<number> {
  const [header] = await db.query(sql, values);
  const affected: unknown =
    typeof header === "object" && header !== null ? Reflect.get(header, "affectedRows") : undefined;
  if (typeof affected !== "number") throw corrupt("a statement returned no affectedRows");
  return affected;
}

/**
 * @internal Runs `fn` in a transaction on one connection of `pool`: COMMIT when it resolves,
 * ROLLBACK when it throws (rethrown). A connection whose ROLLBACK failed is destroyed rather than
 * returned to the pool. The isolation level is the connection's own: every store here is correct
 * at REPEATABLE READ (InnoDB's default) and at READ COMMITTED, because each decision is taken on
 * a row read with `FOR UPDATE`, which reads the latest committed version at either level.
 */
export async function inTransaction<T>(pool: MysqlPoolLike, fn: (conn: MysqlQueryable) => Promise<T>): Promise<T> {
  const conn = await pool.getConnection();
  let result: T;
  try {
    await conn.query("START TRANSACTION");
    result = await fn(conn);
    await conn.query("COMMIT");
  } catch (err) {
    await rollbackAndLetGo(conn);
    throw err;
  }
  conn.release();
  return result;
}

/** Rolls back and returns the connection to the pool; destroys it when the ROLLBACK fails. */
async function rollbackAndLetGo(conn: MysqlPoolConnectionLike): Promise<void> {
  try {
    await conn.query("ROLLBACK");
  } catch {
    // `destroy` is optional in the structural type: read it as unknown and call it if present.
    const destroy: unknown = Reflect.get(conn, "destroy");
    if (typeof destroy === "function") {
      Reflect.apply(destroy, conn, []);
      return;
    }
  }
  conn.release();
}

/** The server's error number of a mysql2 error, if it has one. */
function errno(err: unknown): unknown {
  return typeof err === "object" && err !== null ? Reflect.get(err, "errno") : undefined;
}

/** @internal ER_DUP_ENTRY (1062): a unique or primary key already holds the value. */
export function isDuplicateKey(err: unknown): boolean {
  return errno(err) === 1062;
}

/**
 * @internal ER_LOCK_DEADLOCK (1213): InnoDB rolled the transaction back to break a deadlock.
 * Retrying the whole transaction is the documented answer.
 */
export function isDeadlock(err: unknown): boolean {
  return errno(err) === 1213;
}

/**
 * @internal Runs `fn` again (up to `attempts` times in all) when InnoDB chose it as a deadlock
 * victim; the stores order their locks so this is rare, and a retry is always safe because the
 * victim's transaction was rolled back whole.
 */
export async function retryDeadlocks<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await fn();
    } catch (err) {
      if (!isDeadlock(err) || n >= attempts) throw err;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// reading columns: each checked, never trusting the driver's shapes (a user's pool may be set up
// with `supportBigNumbers`/`bigNumberStrings`, which return BIGINT as strings)

/** @internal The ERR_STORE a row that does not fit its table raises (no values in it). */
export function corrupt(what: string): MoatError {
  return new MoatError("ERR_STORE", { message: `mysql store: ${what}` });
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** @internal A VARBINARY or text column as a string (VARBINARY arrives as a Buffer). */
export function str(row: MysqlRow, column: string): string {
  const value = row[column];
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) {
    try {
      return utf8.decode(value);
    } catch {
      throw corrupt(`column ${column} is not UTF-8`);
    }
  }
  throw corrupt(`column ${column} is not text`);
}

/** @internal A nullable text column. */
export function optStr(row: MysqlRow, column: string): string | null {
  return row[column] === null ? null : str(row, column);
}

/** @internal An integer column (BIGINT as a number, string or bigint) as a safe integer. */
export function int(row: MysqlRow, column: string): number {
  const value = row[column];
  const n =
    typeof value === "number" ? value : typeof value === "string" || typeof value === "bigint" ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw corrupt(`column ${column} is not a safe integer`);
  return n;
}

/** @internal A nullable integer column. */
export function optInt(row: MysqlRow, column: string): number | null {
  return row[column] === null ? null : int(row, column);
}

/** @internal A VARBINARY column as a fresh Uint8Array. */
export function bytes(row: MysqlRow, column: string): Uint8Array {
  const value = row[column];
  if (!(value instanceof Uint8Array)) throw corrupt(`column ${column} is not binary`);
  return Uint8Array.from(value);
}

/**
 * @internal `?, ?, …` for `n` values: for `IN (…)` lists and multi-row inserts. `n` is always a
 * count the store computed, never input.
 */
export function placeholders(n: number): string {
  return Array.from({ length: n }, () => "?").join(", ");
}
