import { type SqlClient, type SqlResult, markTransactionClient } from "../../sql/sql-client.js";
import { MoatError } from "../../errors.js";
import { withSavepoint } from "./savepoint.js";

/** What `pg` returns from a query. */
export interface PgQueryResult<R> {
  /** Result rows. */
  rows: R[];
  /** Rows affected or returned; `null` for commands that report none. */
  rowCount: number | null;
  /** The command tag (`"COMMIT"`, `"ROLLBACK"` …); pg always sets it. */
  command?: string;
}

/**
 * The part of a `pg` client or pool moatkit uses. A `pg.Pool`, a `pg.Client` and most
 * pg-compatible pools satisfy it structurally, so `pg` stays an optional peer dependency.
 */
export interface PgQueryable {
  /** `pg`'s `query(text, values)`. */
  query<R>(text: string, values?: unknown[]): Promise<PgQueryResult<R>>;
}

/** A client checked out of a pool. */
export interface PgPoolClientLike extends PgQueryable {
  /** Returns the client to the pool; `true` destroys it instead. */
  release(destroy?: boolean): void;
  /**
   * `pg`'s client events. While a client is checked out its pool no longer listens for its
   * `error` (the server ending the connection): without a listener that event would crash the
   * process, so `transaction` listens for the time it holds the client.
   */
  on?(event: "error", listener: (err: Error) => void): unknown;
  /** Removes a listener added with `on`. */
  removeListener?(event: "error", listener: (err: Error) => void): unknown;
}

/** The part of a `pg.Pool` moatkit uses. */
export interface PgPoolLike extends PgQueryable {
  /** Checks a client out of the pool. */
  connect(): Promise<PgPoolClientLike>;
}

function fromPgQueryable(conn: PgQueryable, depth: number): SqlClient {
  const client: SqlClient = {
    async query<R>(text: string, params: readonly unknown[] = []): Promise<SqlResult<R>> {
      const result = await conn.query<R>(text, [...params]);
      return { rows: result.rows, rowCount: result.rowCount ?? result.rows.length };
    },
    async exec(script: string): Promise<void> {
      // Without parameters `pg` uses the simple query protocol, which runs several statements.
      await conn.query(script);
    },
    transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      return withSavepoint(fromPgQueryable(conn, depth + 1), depth + 1, fn);
    },
  };
  // Depth 0 is the pool itself; anything deeper runs inside a transaction.
  return depth > 0 ? markTransactionClient(client) : client;
}

/**
 * Adapts a `pg.Pool` to moatkit's {@link SqlClient}. Plain queries go to the pool; each
 * `transaction` checks out one client, runs BEGIN … COMMIT/ROLLBACK on it and returns it.
 * A client whose ROLLBACK failed is destroyed rather than returned, so a broken transaction
 * never leaks into the next checkout. A transaction Postgres rolled back at COMMIT (a failed
 * statement inside `fn` was caught) rejects with `ERR_STORE` instead of resolving.
 *
 * @example
 * ```ts
 * import pg from "pg";
 * import { fromPgPool, migrate } from "moatkit/adapters/postgres";
 * const db = fromPgPool(new pg.Pool({ connectionString: process.env.DATABASE_URL }));
 * await migrate(db);
 * ```
 */
export function fromPgPool(pool: PgPoolLike): SqlClient {
  return {
    ...fromPgQueryable(pool, 0),
    async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      const conn = await pool.connect();
      let destroy = false;
      // The server may end the connection while it is ours and idle (between two statements of
      // `fn`): note it, so the connection is destroyed rather than handed out again; the next
      // statement on it rejects, which rolls the transaction back as any failure does.
      const onConnectionError = (): void => {
        destroy = true;
      };
      conn.on?.("error", onConnectionError);
      let commit: PgQueryResult<unknown>;
      try {
        await conn.query("BEGIN");
        const result = await fn(fromPgQueryable(conn, 1));
        commit = await conn.query("COMMIT");
        if (commit.command !== "ROLLBACK") return result;
      } catch (err) {
        try {
          await conn.query("ROLLBACK");
        } catch {
          destroy = true;
        }
        throw err;
      } finally {
        conn.removeListener?.("error", onConnectionError);
        conn.release(destroy);
      }
      // Postgres answers COMMIT with ROLLBACK, and no error, when the transaction was aborted
      // (`fn` caught a failed statement and returned): nothing was written, so this is a failure.
      throw new MoatError("ERR_STORE", { message: "the transaction was aborted and rolled back", cause: commit });
    },
  };
}
