/**
 * Opening the database a command works on. `pg` is an optional peer dependency of moatkit, so
 * it is loaded only by the commands that need it, with a clear message when it is missing.
 */
import type { SqlClient } from "../sql/sql-client.js";
import { fromPgPool, type PgPoolLike } from "../adapters/postgres/pg-pool.js";
import { UsageError } from "./output.js";

/** A connection pool opened for one command. */
interface CommandDatabase {
  readonly client: SqlClient;
  /** Closes the pool; safe to call twice. */
  close(): Promise<void>;
}

interface PgModule {
  readonly Pool: new (config: { connectionString: string; max: number; application_name: string }) => PgPoolLike & {
    end(): Promise<void>;
    on(event: "error", listener: (err: Error) => void): unknown;
  };
}

function isPgModule(value: unknown): value is PgModule {
  return typeof value === "object" && value !== null && typeof Reflect.get(value, "Pool") === "function";
}

/**
 * The connection string from `--database-url`, else from DATABASE_URL (which keeps a password
 * out of the process list). Checked for shape only; never printed.
 */
export function resolveDatabaseUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const url = flag ?? env.DATABASE_URL;
  if (url === undefined || url.trim() === "") {
    throw new UsageError("--database-url is required (or set DATABASE_URL)");
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError("--database-url is not a valid URL (expected postgres://user@host:port/database)");
  }
  if (parsed.protocol === "mysql:" || parsed.protocol === "mariadb:") {
    throw new UsageError(
      "--database-url is a MySQL URL: moatkit's database commands (rewrap, rls-check, audit verify) work on Postgres only; see the README's MySQL / MariaDB section",
    );
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new UsageError("--database-url must start with postgres:// or postgresql://");
  }
  return url;
}

/** Opens a small pool on `url`. */
export async function openDatabase(url: string, max = 2): Promise<CommandDatabase> {
  let mod: unknown;
  try {
    mod = await import("pg");
  } catch {
    throw new UsageError("this command needs the pg package: npm install pg");
  }
  const pg: unknown = Reflect.get(mod as object, "default") ?? mod;
  if (!isPgModule(pg)) throw new UsageError("the installed pg package has no Pool");
  const pool = new pg.Pool({ connectionString: url, max, application_name: "moatkit-cli" });
  // An idle connection dropped by the server must not crash the process with its message.
  pool.on("error", () => undefined);
  let closed = false;
  return {
    client: fromPgPool(pool),
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
