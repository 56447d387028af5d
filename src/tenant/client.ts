/** Argument checks shared by every function that takes a {@link SqlClient}. */
import { type SqlClient, isSqlClient } from "../sql/sql-client.js";
import { MoatError } from "../errors.js";

/** Throws ERR_INVALID_INPUT unless `client` has the three SqlClient methods. */
export function assertSqlClient(client: unknown): asserts client is SqlClient {
  if (!isSqlClient(client)) {
    throw new MoatError("ERR_INVALID_INPUT", { message: "expected a SqlClient (fromPgPool or fromPglite)" });
  }
}

/** Throws ERR_INVALID_INPUT unless `fn` is a function. */
export function assertCallback(fn: unknown, what: string): asserts fn is (...args: never[]) => unknown {
  if (typeof fn !== "function") throw new MoatError("ERR_INVALID_INPUT", { message: `${what} must be a function` });
}

/** The SQLSTATE of a driver error (`pg` and PGlite both expose it as `code`), if any. */
export function sqlState(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null || !("code" in err)) return undefined;
  return typeof err.code === "string" ? err.code : undefined;
}
