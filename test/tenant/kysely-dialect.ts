/**
 * A minimal Kysely dialect over moatkit's SqlClient, so guard tests run on PGlite (Kysely ships
 * no PGlite dialect). Kysely transactions are not supported here: the tests do not use them.
 */
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  DummyDriver,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
} from "kysely";
import type { SqlClient } from "../../src/adapters/postgres/index.js";

function unsupported(): never {
  throw new Error("transactions are not supported by the test dialect");
}

export function sqlClientDialect(client: SqlClient): Dialect {
  const connection: DatabaseConnection = {
    async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      const result = await client.query<R>(query.sql, query.parameters);
      return { rows: result.rows, numAffectedRows: BigInt(result.rowCount) };
    },
    // eslint-disable-next-line require-yield
    async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
      unsupported();
    },
  };
  const driver: Driver = {
    init: async () => {},
    acquireConnection: async () => connection,
    beginTransaction: async () => unsupported(),
    commitTransaction: async () => unsupported(),
    rollbackTransaction: async () => unsupported(),
    releaseConnection: async () => {},
    destroy: async () => {},
  };
  return {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => driver,
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  };
}

/** A Postgres dialect that never connects: for compiling queries only. */
export const compileOnlyDialect: Dialect = {
  createAdapter: () => new PostgresAdapter(),
  createDriver: () => new DummyDriver(),
  createIntrospector: (db) => new PostgresIntrospector(db),
  createQueryCompiler: () => new PostgresQueryCompiler(),
};
