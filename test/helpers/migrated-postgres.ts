/**
 * One connected, migrated database per describe block (opened in beforeAll, closed in
 * afterAll), for tests that build stores on moatkit's own tables.
 */
import { afterAll, beforeAll } from "vitest";
import { migrate, type SqlClient } from "../../src/adapters/postgres/index.js";
import type { PostgresHandle, PostgresTarget } from "./postgres.js";

/** Registers the hooks and returns a getter for the client, valid inside tests. */
export function useMigratedDatabase(target: PostgresTarget, options: { max?: number } = {}): () => SqlClient {
  let db: PostgresHandle | undefined;
  beforeAll(async () => {
    db = await target.connect({ max: options.max ?? 10 });
    await migrate(db.client);
  });
  afterAll(async () => db?.close());
  return () => {
    if (db === undefined) throw new Error("database used before beforeAll connected it");
    return db.client;
  };
}
