/**
 * Rotation end to end on PGlite and real Postgres: 10,000 rows under k1, k2 becomes primary,
 * rewrapColumn is stopped half-way and resumed, every row ends under k2, and removing k1
 * keeps every row readable.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createPostgresDataKeyStore, migrate } from "../../src/adapters/postgres/index.js";
import { type RewrapColumnProgress, createEnvelope, rewrapColumn } from "../../src/crypto/index.js";
import { isMoatError } from "../../src/errors.js";
import { testKeyring } from "../../src/testing/index.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";
import { type PostgresHandle, describePostgres } from "../helpers/postgres.js";

// Under `npm run mutation` (which sets MOATKIT_MUTATION_MODULE) the same steps run on 500 rows: a
// mutant runs this test once per mutant, and 10,000 rows prove scale, which mutation does not measure.
const ROWS = process.env.MOATKIT_MUTATION_MODULE === undefined ? 10_000 : 500;
const contextOf = (row: Readonly<Record<string, unknown>>) => ({
  table: "integrations",
  column: "secret",
  rowId: Number(row.id),
});
const tenantOf = (row: Readonly<Record<string, unknown>>) => (typeof row.tenant === "string" ? row.tenant : undefined);

describePostgres("rewrapColumn", (target) => {
  let handle: PostgresHandle;
  beforeAll(async () => {
    handle = await target.connect();
    await migrate(handle.client);
    await handle.client.exec(`
      CREATE TABLE integrations (id integer PRIMARY KEY, tenant text, secret text);
      CREATE TABLE blobs (id text PRIMARY KEY, secret bytea);`);
  });
  afterAll(async () => {
    await handle.close();
  });

  it(`rotates ${ROWS.toLocaleString("en-US")} rows from k1 to k2, surviving a stop half-way, after which k1 can be removed`, async () => {
    const { client } = handle;
    const dataKeys = createPostgresDataKeyStore({ client });
    const v1 = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys });
    const ids: number[] = [];
    const tenants: (string | null)[] = [];
    const tokens: string[] = [];
    for (let i = 1; i <= ROWS; i++) {
      const tenant = i % 3 === 0 ? null : `t${String(i % 3)}`;
      ids.push(i);
      tenants.push(tenant);
      tokens.push(
        await v1.encrypt(`secret-${String(i)}`, { context: contextOf({ id: i }), tenantId: tenant ?? undefined }),
      );
    }
    for (let start = 0; start < ROWS; start += 2000) {
      await client.query(
        "INSERT INTO integrations (id, tenant, secret) SELECT * FROM unnest($1::int[], $2::text[], $3::text[])",
        [ids.slice(start, start + 2000), tenants.slice(start, start + 2000), tokens.slice(start, start + 2000)],
      );
    }
    await client.query("UPDATE integrations SET secret = NULL WHERE id = 7");

    const v2 = createEnvelope({ keyring: testKeyring(["k2", "k1"]), dataKeys });
    const seen: RewrapColumnProgress[] = [];
    const stop = new AbortController();
    const base = {
      table: "integrations",
      column: "secret",
      idColumn: "id",
      context: contextOf,
      tenantId: tenantOf,
      batchSize: ROWS / 20,
    } as const;
    let resumeAfter: unknown;
    try {
      await rewrapColumn(v2, client, {
        ...base,
        signal: stop.signal,
        onProgress(p) {
          seen.push(p);
          if (p.scanned >= ROWS / 2) stop.abort();
        },
      });
      expect.unreachable("the run should have been stopped");
    } catch (err) {
      expect(isMoatError(err, "ERR_ABORTED")).toBe(true);
      if (!isMoatError(err)) throw err;
      resumeAfter = err.details?.lastId;
    }
    expect(resumeAfter).toBe(ROWS / 2);
    for (let i = 1; i < seen.length; i++) {
      const [a, b] = [seen[i - 1]!, seen[i]!];
      for (const k of ["scanned", "rewrapped", "alreadyCurrent", "failed", "conflicts"] as const)
        expect(b[k]).toBeGreaterThanOrEqual(a[k]);
    }
    expect(seen.at(-1)).toMatchObject({ scanned: ROWS / 2, rewrapped: ROWS / 2 - 1, alreadyCurrent: 1 });

    const resumed: RewrapColumnProgress[] = [];
    const rest = await rewrapColumn(v2, client, {
      ...base,
      startAfter: resumeAfter,
      onProgress: (p) => resumed.push(p),
    });
    expect(rest).toMatchObject({ scanned: ROWS / 2, rewrapped: ROWS / 2, failed: 0, conflicts: 0, lastId: ROWS });
    expect(resumed.map((p) => p.scanned)).toEqual(Array.from({ length: 10 }, (_, i) => (i + 1) * (ROWS / 20)));

    // Idempotent: a full run finds everything current and reports what depends on which key.
    const check = await rewrapColumn(v2, client, base);
    expect(check).toMatchObject({
      scanned: ROWS,
      rewrapped: 0,
      alreadyCurrent: ROWS,
      failed: 0,
      remainingByKeyId: { k2: ROWS - 1 },
    });

    const k2only = createEnvelope({ keyring: testKeyring(["k2"]), dataKeys });
    const { rows } = await client.query<{ id: number; tenant: string | null; secret: string | null }>(
      "SELECT id, tenant, secret FROM integrations ORDER BY id",
    );
    expect(rows).toHaveLength(ROWS);
    for (const row of rows) {
      if (row.id === 7) {
        expect(row.secret).toBeNull();
        continue;
      }
      expect(k2only.keyIdOf(row.secret!)).toBe("k2");
      expect(
        await k2only.decryptString(row.secret!, { context: contextOf(row), tenantId: row.tenant ?? undefined }),
      ).toBe(`secret-${String(row.id)}`);
    }
  }, 240_000);

  it("rewraps bytea columns in the binary form and counts rows it cannot read", async () => {
    const { client } = handle;
    const v1 = createEnvelope({ keyring: testKeyring(["k1"]) });
    const context = (row: Readonly<Record<string, unknown>>) => ({ id: String(row.id) });
    for (const id of ["a", "b", "c"]) {
      await client.query("INSERT INTO blobs (id, secret) VALUES ($1, $2)", [
        id,
        await v1.encryptBytes(`blob-${id}`, { context: { id } }),
      ]);
    }
    await client.query("INSERT INTO blobs (id, secret) VALUES ('d', $1)", [
      await v1.encryptBytes("wrong context", { context: { id: "zzz" } }),
    ]);
    const v2 = createEnvelope({ keyring: testKeyring(["k2", "k1"]) });
    const result = await rewrapColumn(v2, client, {
      table: "blobs",
      column: "secret",
      idColumn: "id",
      context,
      batchSize: 2,
    });
    expect(result).toMatchObject({
      scanned: 4,
      rewrapped: 3,
      failed: 1,
      failedIds: ["d"],
      remainingByKeyId: { k2: 3, k1: 1 },
    });
    const { rows } = await client.query<{ id: string; secret: Uint8Array }>(
      "SELECT id, secret FROM blobs WHERE id <> 'd' ORDER BY id",
    );
    for (const row of rows) {
      expect(row.secret).toBeInstanceOf(Uint8Array);
      expect(v2.keyIdOf(row.secret)).toBe("k2");
      expect(await v2.decryptString(row.secret, { context: { id: row.id } })).toBe(`blob-${row.id}`);
    }
  }, 60_000);

  it("validates its options", async () => {
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]) });
    const good = { table: "blobs", column: "secret", idColumn: "id", context: () => ({}) };
    for (const bad of [
      {},
      { ...good, table: "blobs; DROP TABLE x" },
      { ...good, column: 'se"cret' },
      { ...good, idColumn: "" },
      { ...good, batchSize: 0 },
      { ...good, context: "x" },
    ]) {
      await expectMoatErrorAsync(rewrapColumn(envelope, handle.client, bad as never), "ERR_CONFIG");
    }
    for (const client of [{}, null, { query: () => undefined }])
      await expectMoatErrorAsync(rewrapColumn(envelope, client as never, good), "ERR_CONFIG");
    for (const notEnvelope of [{}, null, { ...envelope, keys: undefined }])
      await expectMoatErrorAsync(rewrapColumn(notEnvelope as never, handle.client, good), "ERR_CONFIG");
  });
});
