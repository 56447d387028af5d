/**
 * Database access without a hard dependency on a driver: the capabilities that use Postgres
 * (crypto's column rewrap, tenant isolation, the Postgres stores) depend only on this small
 * structural interface. `fromPgPool` / `fromPglite` in `moatkit/adapters/postgres` adapt a
 * `pg.Pool` or a PGlite instance to it; a user's own driver fits the same slot if it implements
 * these three methods.
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
 * @internal Whether `value` has the three {@link SqlClient} methods. The one check every
 * function and store that takes a client uses (a structural check: any driver may fit).
 */
export function isSqlClient(value: unknown): value is SqlClient {
  if (typeof value !== "object" || value === null) return false;
  return ["query", "exec", "transaction"].every((method) => typeof Reflect.get(value, method) === "function");
}

// The `tx` clients moatkit's adapters hand to a `transaction` callback. A WeakSet, not a property,
// so a client's shape stays the three public methods and a marked client is never kept alive.
const transactionClients = new WeakSet<SqlClient>();

/**
 * @internal Records that `client` runs inside an open transaction (the `tx` of a `transaction`
 * callback, at any nesting depth). Returns `client`.
 */
export function markTransactionClient(client: SqlClient): SqlClient {
  transactionClients.add(client);
  return client;
}

/**
 * @internal Whether `client` is a transaction's `tx` made by moatkit's adapters. Code whose
 * transaction-local settings must end with its own block (`withAdminAccess`) refuses such a
 * client: a nested transaction is a savepoint, and `SET LOCAL` in it lasts to the outer COMMIT.
 */
export function isTransactionClient(client: SqlClient): boolean {
  return transactionClients.has(client);
}
