/**
 * rewrapColumn against an in-memory SqlClient and a stand-in envelope, so each case controls
 * exactly which rows are read, which values need a rewrap, which fail, and which writes conflict.
 * Tokens of the stand-in: "old:<key>:<x>" needs a rewrap, "new:<x>" is current (key k2),
 * anything else is unreadable.
 */
import { describe, expect, it } from "vitest";
import { rewrapColumn } from "../../src/crypto/index.js";
import type { Envelope } from "../../src/crypto/index.js";
import type { SqlClient } from "../../src/sql/sql-client.js";
import { MoatError } from "../../src/errors.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";

type Row = Record<string, unknown>;

function fakeEnvelope(asked: unknown[] = []): Envelope {
  const isOld = (v: unknown) => typeof v === "string" && v.startsWith("old:");
  const readable = (v: unknown) => isOld(v) || (typeof v === "string" && v.startsWith("new:"));
  const env = {
    needsRewrap: (v: unknown) => {
      asked.push(v);
      if (typeof v !== "string" && !(v instanceof Uint8Array)) return Promise.resolve(false);
      if (!readable(v)) return Promise.reject(new MoatError("ERR_INVALID_INPUT", { message: "not a token" }));
      return Promise.resolve(isOld(v));
    },
    rewrap: (v: string, binding: { context: unknown }) => {
      if (JSON.stringify(binding.context) === '{"bad":true}')
        return Promise.reject(new MoatError("ERR_DECRYPT", { message: "wrong context" }));
      return Promise.resolve(`new:${v.split(":")[2] ?? ""}`);
    },
    rewrapBytes: () => Promise.reject(new Error("unused")),
    keys: {
      dependencyOf: (v: unknown) => {
        if (isOld(v)) return Promise.resolve({ masterKeyId: (v as string).split(":")[1] });
        if (readable(v)) return Promise.resolve({ masterKeyId: "k2" });
        return Promise.reject(new MoatError("ERR_INVALID_INPUT", { message: "not a token" }));
      },
    },
  };
  return env as unknown as Envelope;
}

function fakeClient(rows: Row[], conflictAll = false): { client: SqlClient; selects: () => number } {
  let selects = 0;
  const raw = {
    query(text: string, params: readonly unknown[] = []): Promise<{ rows: Row[]; rowCount: number }> {
      if (text.startsWith("SELECT")) {
        selects++;
        const [limit, after] = params as [number, number | undefined];
        const out = rows
          .filter((r) => after === undefined || (r.id as number) > after)
          .sort((a, b) => (a.id as number) - (b.id as number))
          .slice(0, limit);
        return Promise.resolve({ rows: out, rowCount: out.length });
      }
      const [value, id, old] = params;
      const row = rows.find((r) => r.id === id);
      if (conflictAll || row === undefined || row.secret !== old) return Promise.resolve({ rows: [], rowCount: 0 });
      row.secret = value;
      return Promise.resolve({ rows: [], rowCount: 1 });
    },
    exec: () => Promise.resolve(),
    transaction: <T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> => fn(client),
  };
  const client = raw as unknown as SqlClient;
  return { client, selects: () => selects };
}

const base = { table: "t", column: "secret", idColumn: "id", context: () => ({ ok: true }) };

describe("rewrapColumn (survivors b)", () => {
  it("reports exact counts and key dependencies for a run over current rows, with no phantom writes", async () => {
    const { client } = fakeClient([
      { id: 1, secret: "new:a" },
      { id: 2, secret: "new:b" },
    ]);
    const result = await rewrapColumn(fakeEnvelope(), client, base);
    expect(result).toEqual({
      scanned: 2,
      rewrapped: 0,
      alreadyCurrent: 2,
      failed: 0,
      conflicts: 0,
      lastId: 2,
      remainingByKeyId: { k2: 2 },
      failedIds: [],
    });
  });

  it("counts a row whose column is missing (undefined) as already current, not failed", async () => {
    const { client } = fakeClient([{ id: 1 }, { id: 2, secret: "new:b" }]);
    const result = await rewrapColumn(fakeEnvelope(), client, base);
    expect(result).toMatchObject({ scanned: 2, alreadyCurrent: 2, failed: 0, failedIds: [] });
  });

  it("counts a value that is neither text nor bytea as failed, under (unreadable), without asking the envelope", async () => {
    const { client } = fakeClient([
      { id: 1, secret: 42 },
      { id: 2, secret: "new:b" },
    ]);
    const asked: unknown[] = [];
    const result = await rewrapColumn(fakeEnvelope(asked), client, base);
    expect(asked).toEqual(["new:b"]);
    expect(result).toMatchObject({
      scanned: 2,
      alreadyCurrent: 1,
      failed: 1,
      failedIds: [1],
      remainingByKeyId: { "(unreadable)": 1, k2: 1 },
    });
  });

  it("counts an unreadable text value as failed under the key it still depends on, or (unreadable)", async () => {
    const { client } = fakeClient([
      { id: 1, secret: "old:k1:a", bad: true },
      { id: 2, secret: "garbage" },
      { id: 3, secret: "old:k1:c" },
    ]);
    const result = await rewrapColumn(fakeEnvelope(), client, {
      ...base,
      context: (row) => (row.bad === true ? { bad: true } : { ok: true }),
    });
    expect(result).toEqual({
      scanned: 3,
      rewrapped: 1,
      alreadyCurrent: 0,
      failed: 2,
      conflicts: 0,
      lastId: 3,
      remainingByKeyId: { k1: 1, "(unreadable)": 1, k2: 1 },
      failedIds: [1, 2],
    });
  });

  it("rethrows an error that is not an unreadable-value error (MoatError of another code, or a plain error)", async () => {
    const rows = () => [{ id: 1, secret: "old:k1:a" }];
    const err = await expectMoatErrorAsync(
      rewrapColumn(fakeEnvelope(), fakeClient(rows()).client, {
        ...base,
        context: () => {
          throw new MoatError("ERR_CONFIG", { message: "context callback broke" });
        },
      }),
      "ERR_CONFIG",
    );
    expect(err.message).toBe("context callback broke");
    await expect(
      rewrapColumn(fakeEnvelope(), fakeClient(rows()).client, {
        ...base,
        context: () => {
          throw new TypeError("plain failure");
        },
      }),
    ).rejects.toThrow(/plain failure/);
  });

  it("keeps only the first 100 failed ids", async () => {
    const rows = Array.from({ length: 101 }, (_, i) => ({ id: i + 1, secret: "garbage" }));
    const result = await rewrapColumn(fakeEnvelope(), fakeClient(rows).client, { ...base, batchSize: 1000 });
    expect(result.failed).toBe(101);
    expect(result.failedIds).toHaveLength(100);
    expect(result.failedIds).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it("counts writes the compare-and-set did not apply as conflicts, not as rewrapped", async () => {
    const rows = [
      { id: 1, secret: "old:k1:a" },
      { id: 2, secret: "old:k1:b" },
      { id: 3, secret: "new:c" },
    ];
    const result = await rewrapColumn(fakeEnvelope(), fakeClient(rows, true).client, base);
    expect(result).toMatchObject({
      scanned: 3,
      rewrapped: 0,
      alreadyCurrent: 1,
      conflicts: 2,
      remainingByKeyId: { k2: 1 },
    });
    expect(rows.map((r) => r.secret)).toEqual(["old:k1:a", "old:k1:b", "new:c"]);
  });

  it("stops after a short batch without another read", async () => {
    const { client, selects } = fakeClient([
      { id: 1, secret: "new:a" },
      { id: 2, secret: "new:b" },
    ]);
    const result = await rewrapColumn(fakeEnvelope(), client, { ...base, batchSize: 5 });
    expect(result.scanned).toBe(2);
    expect(selects()).toBe(1);
  });

  it("refuses a mysql2-style pool with ERR_UNSUPPORTED and says why", async () => {
    const pool = { getConnection: () => undefined, query: () => undefined };
    const err = await expectMoatErrorAsync(rewrapColumn(fakeEnvelope(), pool as never, base), "ERR_UNSUPPORTED");
    expect(err.message).toBe(
      "rewrapColumn works on Postgres only; on MySQL re-encrypt a column with envelope.rewrap in your own batches",
    );
  });

  it("accepts a SqlClient that also has getConnection, and refuses a non-object client with ERR_CONFIG", async () => {
    const { client } = fakeClient([{ id: 1, secret: "new:a" }]);
    const withPoolMethod = Object.assign(client, { getConnection: () => undefined });
    const result = await rewrapColumn(fakeEnvelope(), withPoolMethod, base);
    expect(result.scanned).toBe(1);
    for (const notObject of ["client", 42]) {
      const err = await expectMoatErrorAsync(rewrapColumn(fakeEnvelope(), notObject as never, base), "ERR_CONFIG");
      expect(err.message).toBe("invalid rewrapColumn client");
    }
  });

  it("names what is invalid: the envelope or the options", async () => {
    const { client } = fakeClient([]);
    const badEnvelope = await expectMoatErrorAsync(rewrapColumn({} as never, client, base), "ERR_CONFIG");
    expect(badEnvelope.message).toBe("invalid rewrapColumn envelope");
    const badOptions = await expectMoatErrorAsync(
      rewrapColumn(fakeEnvelope(), client, { ...base, batchSize: 0 }),
      "ERR_CONFIG",
    );
    expect(badOptions.message).toBe('invalid rewrapColumn options at "batchSize"');
  });

  it("tells how to resume when aborted", async () => {
    const { client } = fakeClient([{ id: 1, secret: "new:a" }]);
    const stop = new AbortController();
    stop.abort();
    const err = await expectMoatErrorAsync(
      rewrapColumn(fakeEnvelope(), client, { ...base, signal: stop.signal }),
      "ERR_ABORTED",
    );
    expect(err.message).toBe("rewrapColumn was aborted; resume with startAfter: details.lastId");
  });
});
