import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresApiKeyStore, getMigrationSql, migrate } from "../../../src/adapters/postgres/index.js";
import { LAST_USED_RESOLUTION_MS, createApiKeys } from "../../../src/apikeys/index.js";
import { fakeClock, raceExactlyOne } from "../../../src/testing/index.js";
import { WRONG_TYPES, expectMoatError, expectMoatErrorAsync } from "../../helpers/assertions.js";
import { type PostgresHandle, describePostgres } from "../../helpers/postgres.js";

const MINUTE = 60_000;
const DB_TIMEOUT = 30_000; // real database work on a shared, busy machine

describe("createPostgresApiKeyStore options", () => {
  it("needs a SqlClient", () => {
    for (const options of [...WRONG_TYPES, {}, { client: {} }, { client: { query: 1 } }]) {
      // @ts-expect-error: bad options on purpose
      expectMoatError(() => createPostgresApiKeyStore(options), "ERR_CONFIG");
    }
  });

  it("ships the table in moatkit's migrations", () => {
    expect(getMigrationSql()).toContain("CREATE TABLE moatkit_api_keys");
  });
});

describePostgres("postgres API key store", (target) => {
  let handle: PostgresHandle | undefined;
  beforeAll(async () => {
    handle = await target.connect({ max: 20 });
    await migrate(handle.client);
  });
  afterAll(async () => {
    await handle?.close();
  });
  const client = () => handle!.client;

  it("looks keys up through a unique index on the hash", { timeout: DB_TIMEOUT }, async () => {
    const { rows } = await client().query<{ indexdef: string }>(
      "SELECT indexdef FROM pg_indexes WHERE tablename = 'moatkit_api_keys' AND schemaname = current_schema()",
    );
    expect(rows.map((r) => r.indexdef)).toContainEqual(
      expect.stringMatching(/^CREATE UNIQUE INDEX \S+ ON \S+ USING btree \(key_hash\)$/),
    );
  });

  it("orders ids by code unit whatever the database's collation", { timeout: DB_TIMEOUT }, async () => {
    const { rows } = await client().query<{ collation_name: string | null }>(
      "SELECT collation_name FROM information_schema.columns WHERE table_name = 'moatkit_api_keys' AND column_name = 'id' AND table_schema = current_schema()",
    );
    expect(rows).toEqual([{ collation_name: "C" }]);
  });

  it("refuses to store anything but a 64-digit lower-case hex hash", { timeout: DB_TIMEOUT }, async () => {
    const store = createPostgresApiKeyStore({ client: client() });
    const apiKeys = createApiKeys({ prefix: "acme", store });
    const { key, record } = await apiKeys.issue({ ownerId: "check", env: "live" });
    const stored = (await store.getApiKey(record.id))!;
    for (const hash of [key.reveal(), stored.hash.toUpperCase(), stored.hash.slice(1), ""]) {
      await expect(store.createApiKey({ ...stored, id: `ak_${"9".repeat(22)}`, hash })).rejects.toThrow();
    }
  });

  it("issues, lists, verifies, rotates with grace and revokes end to end", { timeout: DB_TIMEOUT }, async () => {
    const clock = fakeClock();
    const apiKeys = createApiKeys({
      prefix: "acme",
      store: createPostgresApiKeyStore({ client: client() }),
      now: clock.now,
    });
    const { key, record } = await apiKeys.issue({
      ownerId: "e2e",
      env: "live",
      scopes: ["read", "write"],
      metadata: { plan: "pro", seats: 3 },
      redaction: "on",
      expiresAt: clock.now() + 30 * 86_400_000,
    });
    expect(await apiKeys.get(record.id)).toMatchObject({
      scopes: ["read", "write"],
      metadata: { plan: "pro", seats: 3 },
      redaction: "on",
    });
    expect((await apiKeys.verify(key.reveal(), { scopes: ["write"] })).ok).toBe(true);
    expect(await apiKeys.verify(key.reveal(), { scopes: ["admin"] })).toEqual({
      ok: false,
      reason: "insufficient_scope",
    });

    clock.advance(1);
    const rotated = await apiKeys.rotate(record.id, { graceMs: 5 * MINUTE });
    expect(rotated.ok).toBe(true);
    if (!rotated.ok) return;
    clock.advance(5 * MINUTE - 1);
    expect((await apiKeys.verify(key.reveal())).ok).toBe(true);
    clock.advance(1);
    expect(await apiKeys.verify(key.reveal())).toEqual({ ok: false, reason: "expired" });
    expect((await apiKeys.verify(rotated.key.reveal())).ok).toBe(true);

    expect((await apiKeys.revoke(rotated.record.id)).ok).toBe(true);
    expect(await apiKeys.verify(rotated.key.reveal())).toEqual({ ok: false, reason: "revoked" });
    const listed = await apiKeys.list("e2e");
    expect(listed.map((k) => k.id)).toEqual([record.id, rotated.record.id]);
    expect(JSON.stringify(listed)).not.toContain(createHash("sha256").update(key.reveal()).digest("hex"));
  });

  it("writes lastUsedAt once per minute and reads it back exactly", { timeout: DB_TIMEOUT }, async () => {
    const clock = fakeClock(Date.UTC(2026, 0, 1, 0, 0, 0, 123));
    const apiKeys = createApiKeys({
      prefix: "acme",
      store: createPostgresApiKeyStore({ client: client() }),
      now: clock.now,
    });
    const { key, record } = await apiKeys.issue({ ownerId: "touchApiKey", env: "live" });
    const first = clock.advance(7);
    await Promise.all(Array.from({ length: 20 }, () => apiKeys.verify(key.reveal())));
    expect((await apiKeys.get(record.id))?.lastUsedAt).toBe(first);
    clock.advance(LAST_USED_RESOLUTION_MS - 1);
    await apiKeys.verify(key.reveal());
    expect((await apiKeys.get(record.id))?.lastUsedAt).toBe(first);
    clock.advance(1);
    await apiKeys.verify(key.reveal());
    expect((await apiKeys.get(record.id))?.lastUsedAt).toBe(clock.now());
  });

  it("of 20 concurrent rotations through the manager exactly one issues a key", { timeout: DB_TIMEOUT }, async () => {
    const apiKeys = createApiKeys({ prefix: "acme", store: createPostgresApiKeyStore({ client: client() }) });
    const { record } = await apiKeys.issue({ ownerId: "race", env: "live" });
    const { results } = await raceExactlyOne(20, () => apiKeys.rotate(record.id, { graceMs: MINUTE }));
    expect(results.flatMap((r) => (r.ok ? [] : [r.reason]))).toEqual(Array(19).fill("already_rotated"));
    expect(await apiKeys.list("race")).toHaveLength(2);
  });

  it("reports a failing database as ERR_STORE with a fixed message", { timeout: DB_TIMEOUT }, async () => {
    const apiKeys = createApiKeys({
      prefix: "acme",
      store: createPostgresApiKeyStore({
        client: {
          ...client(),
          query: (text, params) =>
            client().query(text.replaceAll("moatkit_api_keys", "moatkit_api_keys_missing"), params),
        },
      }),
    });
    const err = await expectMoatErrorAsync(() => apiKeys.issue({ ownerId: "o", env: "live" }), "ERR_STORE");
    expect(err.message).toBe("apiKeys store failed during createApiKey");
  });

  it(
    "refuses a row that does not fit the contract with ERR_STORE (runs last: it drops a constraint)",
    { timeout: DB_TIMEOUT },
    async () => {
      const apiKeys = createApiKeys({ prefix: "acme", store: createPostgresApiKeyStore({ client: client() }) });
      const { key, record } = await apiKeys.issue({ ownerId: "corrupt", env: "live" });
      await client().exec("ALTER TABLE moatkit_api_keys DROP CONSTRAINT moatkit_api_keys_env_check");
      await client().query("UPDATE moatkit_api_keys SET env = 'prod' WHERE id = $1", [record.id]);
      const err = await expectMoatErrorAsync(() => apiKeys.verify(key.reveal()), "ERR_STORE");
      expect(err.message).toBe("apiKeys store returned a row that does not fit its contract");
    },
  );
});
