import { type SqlClient, type SqlResult, markTransactionClient } from "../../sql/sql-client.js";
import { MoatError } from "../../errors.js";
import { withSavepoint } from "./savepoint.js";

/** What PGlite returns from a query. */
export interface PgliteQueryResult<R> {
  /** Result rows. */
  rows: R[];
  /** Rows written by INSERT/UPDATE/DELETE. */
  affectedRows?: number;
}

/** The part of a PGlite transaction moatkit uses. */
export interface PgliteTransactionLike {
  /** PGlite's `query(text, params)`. */
  query<R>(text: string, params?: unknown[]): Promise<PgliteQueryResult<R>>;
  /** PGlite's `exec(script)` (several statements, no parameters). */
  exec(script: string): Promise<unknown>;
}

/** The part of a PGlite instance moatkit uses; `@electric-sql/pglite` stays an optional peer. */
export interface PgliteLike extends PgliteTransactionLike {
  /** PGlite's `transaction(fn)`. */
  transaction<T>(fn: (tx: PgliteTransactionLike) => Promise<T>): Promise<T>;
}

function toResult<R>(result: PgliteQueryResult<R>): SqlResult<R> {
  // PGlite reports affectedRows for writes and 0 for SELECT; pg's rowCount counts either.
  return { rows: result.rows, rowCount: Math.max(result.affectedRows ?? 0, result.rows.length) };
}

function fromPgliteTransaction(tx: PgliteTransactionLike, depth: number): SqlClient {
  const client: SqlClient = {
    async query<R>(text: string, params: readonly unknown[] = []): Promise<SqlResult<R>> {
      return toResult(await tx.query<R>(text, [...params]));
    },
    async exec(script: string): Promise<void> {
      await tx.exec(script);
    },
    transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      return withSavepoint(fromPgliteTransaction(tx, depth + 1), depth + 1, fn);
    },
  };
  // Depth 0 is the database itself; anything deeper runs inside a transaction.
  return depth > 0 ? markTransactionClient(client) : client;
}

/**
 * Adapts an embedded PGlite database to moatkit's {@link SqlClient}. PGlite is a single
 * connection: transactions (and queries issued outside them) run one at a time, in order.
 * Inside `transaction(fn)`, use only the `tx` passed to `fn`; a query on the outer client would
 * wait for the transaction to finish and never run. A transaction Postgres rolled back at COMMIT
 * (a failed statement inside `fn` was caught) rejects with `ERR_STORE` instead of resolving.
 *
 * @example
 * ```ts
 * import { PGlite } from "@electric-sql/pglite";
 * import { fromPglite, migrate } from "moatkit/adapters/postgres";
 * const db = fromPglite(new PGlite());
 * await migrate(db);
 * ```
 */
export function fromPglite(db: PgliteLike): SqlClient {
  return {
    ...fromPgliteTransaction(db, 0),
    async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      // An object, not a `let`: the flag is set inside the callback, after narrowing would see it.
      const fnReturned = { value: false };
      try {
        return await db.transaction(async (tx) => {
          const result = await fn(fromPgliteTransaction(tx, 1));
          fnReturned.value = true;
          return result;
        });
      } catch (err) {
        // PGlite rejects with 25P02 when Postgres answered its COMMIT with ROLLBACK (`fn` caught a
        // failed statement and returned): nothing was written. Errors from `fn` pass unchanged.
        if (fnReturned.value && sqlStateOf(err) === "25P02") {
          throw new MoatError("ERR_STORE", { message: "the transaction was aborted and rolled back", cause: err });
        }
        throw err;
      }
    },
  };
}

function sqlStateOf(err: unknown): unknown {
  return typeof err === "object" && err !== null ? Reflect.get(err, "code") : undefined;
}
