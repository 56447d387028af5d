/**
 * A MoatError's `cause` is for debugging and ends up in logs and error trackers: it must never
 * carry the SQL parameters, row values or statement text a driver attached to its error.
 */
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresApiKeyStore, migrate } from "../src/adapters/postgres/index.js";
import { createApiKeys, type ApiKeyStore } from "../src/apikeys/index.js";
import { MoatError } from "../src/index.js";
import { describePostgres, type PostgresHandle } from "./helpers/postgres.js";

/** Everything a logger could print about an error and its cause chain. */
function everything(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    parts.push(inspect(current, { depth: null, showHidden: true }), JSON.stringify(current));
    if (current instanceof Error) parts.push(current.message, String(current.stack));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join("\n");
}

const VALUE = "4c1c0e6a9a2f7d3b8e5f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d";

describe("MoatError cause", () => {
  it("drops the statement, parameters and row values a driver error carries", () => {
    // The shapes of node-postgres and mysql2 errors for a duplicate key.
    const pgLike = Object.assign(
      new Error('duplicate key value violates unique constraint "moatkit_api_keys_hash_key"'),
      {
        code: "23505",
        detail: `Key (hash)=(${VALUE}) already exists.`,
        constraint: "moatkit_api_keys_hash_key",
        table: "moatkit_api_keys",
        where: `SQL statement "INSERT INTO moatkit_api_keys VALUES ('${VALUE}')"`,
        parameters: [VALUE],
      },
    );
    const mysqlLike = Object.assign(new Error(`Duplicate entry '${VALUE}' for key 'hash'`), {
      code: "ER_DUP_ENTRY",
      errno: 1062,
      sql: `INSERT INTO moatkit_api_keys (hash) VALUES ('${VALUE}')`,
      sqlMessage: `Duplicate entry '${VALUE}' for key 'hash'`,
    });
    const nested = new Error("query failed", { cause: pgLike });
    for (const cause of [pgLike, mysqlLike, nested]) {
      const err = new MoatError("ERR_STORE", { message: "api key store failed during create", cause });
      const text = everything(err);
      expect(text).not.toContain(VALUE);
      expect(text).not.toContain("INSERT INTO");
    }
    // What helps debugging stays: the error's name, code and the constraint it names.
    const kept = new MoatError("ERR_STORE", { cause: pgLike }).cause as Record<string, unknown>;
    expect(kept).toBeInstanceOf(Error);
    expect(kept.code).toBe("23505");
    expect(kept.constraint).toBe("moatkit_api_keys_hash_key");
    expect(String(kept.message)).toContain("moatkit_api_keys_hash_key");
  });

  it("elides quoted values from a driver message but keeps the message's words", () => {
    const cause = new Error(`invalid input syntax for type uuid: "${VALUE}"`);
    const kept = new MoatError("ERR_STORE", { cause }).cause as Error;
    expect(kept.message).toContain("invalid input syntax for type uuid");
    expect(everything(kept)).not.toContain(VALUE);
  });

  it("passes a MoatError cause through as it is", () => {
    const inner = new MoatError("ERR_INTEGRITY");
    expect(new MoatError("ERR_STORE", { cause: inner }).cause).toBe(inner);
  });

  it("survives a cause that is not an Error, or whose getters throw", () => {
    const hostile = Object.defineProperty(new Error("x"), "code", {
      get() {
        throw new Error("boom");
      },
    });
    for (const cause of ["a string with 'secret'", 42, { sql: "SELECT 1" }, hostile, null]) {
      const err = new MoatError("ERR_STORE", { cause });
      expect(everything(err)).not.toContain("secret");
      expect(everything(err)).not.toContain("SELECT 1");
    }
  });
});

describePostgres("MoatError cause from a real driver", (target) => {
  let handle: PostgresHandle | undefined;
  beforeAll(async () => {
    handle = await target.connect();
    await migrate(handle.client);
  });
  afterAll(async () => {
    await handle?.close();
  });

  it("an ERR_STORE from a duplicate key names the constraint but not the key hash", async () => {
    const store = createPostgresApiKeyStore({ client: handle!.client });
    const apiKeys = createApiKeys({ prefix: "acme", store });
    const { record } = await apiKeys.issue({ ownerId: "o", env: "live" });
    const stored = await store.getApiKey(record.id);
    const hash = stored!.hash;
    const colliding: ApiKeyStore = { ...store, createApiKey: (r) => store.createApiKey({ ...r, hash }) };
    const err = await createApiKeys({ prefix: "acme", store: colliding })
      .issue({ ownerId: "o", env: "live" })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(MoatError);
    expect((err as MoatError).code).toBe("ERR_STORE");
    const text = everything(err);
    expect(text).not.toContain(hash);
    expect(text).toContain("23505");
  });
});
