/**
 * Pins rewrapColumn's argument checks (names used in SQL, the envelope and client shapes, the
 * batch size) and the error codes it counts as unreadable rows, on an in-memory SqlClient.
 */
import { describe, expect, it } from "vitest";
import { type Envelope, createEnvelope, rewrapColumn } from "../../src/crypto/index.js";
import { MoatError, type MoatErrorCode, isMoatError } from "../../src/errors.js";
import type { SqlClient } from "../../src/sql/sql-client.js";
import { testKeyring } from "../../src/testing/index.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";

type Row = { id: string; secret: unknown };

/** A SqlClient over one array of rows keyed by `id`; records every statement it runs. */
function memoryClient(rows: Row[]): { client: SqlClient; statements: string[] } {
  const statements: string[] = [];
  const query = (sql: string, params: readonly unknown[] = []) => {
    statements.push(sql);
    if (sql.startsWith("SELECT")) {
      const limit = Number(params[0]);
      const after = params[1] as string | undefined;
      const sorted = [...rows].sort((a, b) => a.id.localeCompare(b.id));
      const picked = sorted.filter((r) => after === undefined || r.id > after).slice(0, limit);
      return Promise.resolve({ rows: picked.map((r) => ({ ...r })), rowCount: picked.length });
    }
    const [value, id, old] = params;
    const row = rows.find((r) => r.id === id && r.secret === old);
    if (row !== undefined) row.secret = value;
    return Promise.resolve({ rows: [], rowCount: row === undefined ? 0 : 1 });
  };
  const client = {
    query,
    exec: () => Promise.resolve(),
    transaction: <T>(fn: (tx: SqlClient) => Promise<T>) => fn(client as unknown as SqlClient),
  };
  return { client: client as unknown as SqlClient, statements };
}

const good = { table: "items", column: "secret", idColumn: "id", context: () => ({}) };

async function configIssue(promise: Promise<unknown>): Promise<MoatError> {
  try {
    await promise;
  } catch (err) {
    if (isMoatError(err, "ERR_CONFIG")) return err;
    throw err;
  }
  throw new Error("expected ERR_CONFIG");
}

function firstIssueMessage(err: MoatError): unknown {
  const issues = (err.details as { issues?: { message: string }[] } | undefined)?.issues;
  return issues?.[0]?.message;
}

describe("rewrapColumn argument checks", () => {
  it("accepts plain names, schema.table and batch sizes within 1..100000, quoting each name part", async () => {
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]) });
    const { client, statements } = memoryClient([{ id: "a", secret: await envelope.encrypt("x", { context: {} }) }]);
    const result = await rewrapColumn(envelope, client, {
      ...good,
      table: "public.items_2",
      column: "secret",
      idColumn: "id",
      batchSize: 2,
    });
    expect(result).toMatchObject({ scanned: 1, alreadyCurrent: 1, failed: 0 });
    expect(statements[0]).toBe('SELECT * FROM "public"."items_2" ORDER BY "id" LIMIT $1');
    const long = `_${"a".repeat(62)}`;
    const second = memoryClient([]);
    await expect(
      rewrapColumn(envelope, second.client, {
        ...good,
        table: `${long}.${long}`,
        column: long,
        idColumn: long,
        batchSize: 100_000,
      }),
    ).resolves.toMatchObject({ scanned: 0 });
    expect(second.statements[0]).toBe(`SELECT * FROM "${long}"."${long}" ORDER BY "${long}" LIMIT $1`);
  });

  it("refuses names with text injected before or after a valid identifier", async () => {
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]) });
    const { client, statements } = memoryClient([]);
    const injected = ["x; DROP TABLE y", "1; y", "a b", "a-", "-a", "9abc", "a.b.c", 'a".b', "a.b;", ";a.b"];
    for (const name of injected) {
      for (const key of ["table", "column", "idColumn"] as const) {
        const err = await configIssue(rewrapColumn(envelope, client, { ...good, [key]: name }));
        expect(err.message).toBe(`invalid rewrapColumn options at "${key}"`);
      }
    }
    for (const key of ["column", "idColumn"] as const) {
      await expectMoatErrorAsync(rewrapColumn(envelope, client, { ...good, [key]: "a.b" }), "ERR_CONFIG");
      await expectMoatErrorAsync(rewrapColumn(envelope, client, { ...good, [key]: "a".repeat(64) }), "ERR_CONFIG");
    }
    await expectMoatErrorAsync(rewrapColumn(envelope, client, { ...good, table: "a".repeat(64) }), "ERR_CONFIG");
    await expectMoatErrorAsync(rewrapColumn(envelope, client, { ...good, table: `s.${"a".repeat(64)}` }), "ERR_CONFIG");
    await expectMoatErrorAsync(rewrapColumn(envelope, client, { ...good, table: "s.9a" }), "ERR_CONFIG");
    expect(statements).toEqual([]);
  });

  it("names what a bad table, column or idColumn must be", async () => {
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]) });
    const { client } = memoryClient([]);
    const table = await configIssue(rewrapColumn(envelope, client, { ...good, table: "a;b" }));
    expect(firstIssueMessage(table)).toBe("a table name, optionally schema.table");
    const column = await configIssue(rewrapColumn(envelope, client, { ...good, column: "a;b" }));
    expect(firstIssueMessage(column)).toBe("a column name");
    const idColumn = await configIssue(rewrapColumn(envelope, client, { ...good, idColumn: "a;b" }));
    expect(firstIssueMessage(idColumn)).toBe("a column name");
  });

  it("refuses batch sizes outside 1..100000", async () => {
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]) });
    const { client } = memoryClient([]);
    for (const batchSize of [0, -1, 100_001, 1.5]) {
      const err = await configIssue(rewrapColumn(envelope, client, { ...good, batchSize }));
      expect(err.message).toBe('invalid rewrapColumn options at "batchSize"');
    }
  });

  it("refuses a client that is not a SqlClient, saying what it should be", async () => {
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]) });
    const err = await configIssue(rewrapColumn(envelope, { query: () => undefined } as never, good));
    expect(err.message).toBe("invalid rewrapColumn client");
    expect(firstIssueMessage(err)).toBe("a SqlClient (fromPgPool, fromPglite or your own)");
  });

  it("refuses envelopes that are not objects or lack a method, saying what it should be", async () => {
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]) });
    const { client } = memoryClient([]);
    const bad: unknown[] = [
      "envelope",
      undefined,
      42,
      { ...envelope, keys: null },
      { ...envelope, keys: {} },
      { ...envelope, keys: { ...envelope.keys, dependencyOf: "x" } },
      { ...envelope, needsRewrap: undefined },
      { ...envelope, rewrap: undefined },
      { ...envelope, rewrapBytes: undefined },
      { ...envelope, rewrap: "x", rewrapBytes: "x" },
      { keys: envelope.keys },
    ];
    for (const notEnvelope of bad) {
      const err = await configIssue(rewrapColumn(notEnvelope as never, client, good));
      expect(err.message).toBe("invalid rewrapColumn envelope");
      expect(firstIssueMessage(err)).toBe("an Envelope from createEnvelope");
    }
  });
});

describe("rewrapColumn unreadable rows", () => {
  it("counts rows whose token fails with ERR_DECRYPT, ERR_KEY_NOT_FOUND, ERR_INVALID_INPUT or ERR_INTEGRITY", async () => {
    const real = createEnvelope({ keyring: testKeyring(["k1"]) });
    const codes: MoatErrorCode[] = ["ERR_DECRYPT", "ERR_KEY_NOT_FOUND", "ERR_INVALID_INPUT", "ERR_INTEGRITY"];
    for (const code of codes) {
      const envelope: Envelope = {
        ...real,
        needsRewrap: () => Promise.reject(new MoatError(code, { message: "unreadable" })),
      };
      const { client } = memoryClient([{ id: "a", secret: "tok" }]);
      const result = await rewrapColumn(envelope, client, good);
      expect(result).toMatchObject({ scanned: 1, failed: 1, failedIds: ["a"], rewrapped: 0 });
    }
  });

  it("counts real unreadable tokens: a wrong context, a missing master key, not a token, not text", async () => {
    const k9 = createEnvelope({ keyring: testKeyring(["k9"]) });
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]) });
    const rows: Row[] = [
      { id: "a", secret: await envelope.encrypt("x", { context: { other: "1" } }) },
      { id: "b", secret: await k9.encrypt("x", { context: {} }) },
      { id: "c", secret: "not a token" },
      { id: "d", secret: 12 },
    ];
    const { client } = memoryClient(rows);
    const oldA = rows[0]!.secret;
    const k2 = createEnvelope({ keyring: testKeyring(["k2", "k1"]) });
    const result = await rewrapColumn(k2, client, good);
    expect(result).toMatchObject({ scanned: 4, failed: 4, rewrapped: 0, failedIds: ["a", "b", "c", "d"] });
    expect(rows[0]!.secret).toBe(oldA);
  });
});
