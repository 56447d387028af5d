/**
 * Database access without a hard dependency on a driver: moatkit talks to Postgres through this
 * small structural interface, and `fromPgPool` / `fromPglite` adapt a `pg.Pool` or a PGlite
 * instance to it. A user's own driver fits the same slot if it implements these three methods.
 */

/** The rows of a query and how many rows it touched. */
export interface SqlResult<R> {
  /** Result rows (empty for statements that return none). */
  readonly rows: R[];
  /** Rows inserted, updated, deleted or returned, when the driver reports it. */
  readonly rowCount: number;
}

/**
 * A Postgres connection or pool as moatkit sees it.
 *
 * Values are always bound as parameters (`$1`, `$2` …), never interpolated into SQL.
 * Portability note: `pg` and PGlite decode some types differently (`int8`, `numeric`); moatkit's
 * own queries cast such columns in SQL (`::int`, `::text`) so both drivers return the same values.
 */
export interface SqlClient {
  /** Runs one statement with bound parameters. */
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>>;
  /** Runs a script of several statements with no parameters (migrations, policy SQL). */
  exec(script: string): Promise<void>;
  /**
   * Runs `fn` inside a transaction on one connection: COMMIT when it resolves, ROLLBACK when it
   * throws (the error is rethrown). Inside `fn`, use only the `tx` it receives. Calling
   * `tx.transaction` nests through a SAVEPOINT.
   */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
}

/**
 * Runs `fn` in a savepoint of an open transaction; used for nested `transaction` calls.
 * @internal
 */
export async function withSavepoint<T>(
  tx: SqlClient,
  depth: number,
  fn: (tx: SqlClient) => Promise<T>,
): Promise<T> {
  // The savepoint name is derived from a nesting depth, never from user input.
  const name = `moatkit_sp_${String(depth)}`;
  await tx.query(`SAVEPOINT ${name}`);
  try {
    const result = await fn(tx);
    await tx.query(`RELEASE SAVEPOINT ${name}`);
    return result;
  } catch (err) {
    await tx.query(`ROLLBACK TO SAVEPOINT ${name}`);
    throw err;
  }
}
