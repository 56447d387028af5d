import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { type ApiKeyRecord, toApiKeyInfo } from "../../apikeys/record.js";
import { API_KEY_STORE_METHODS, type ApiKeyStore } from "../../apikeys/store.js";
import { type ConformanceCase, type ConformanceSuite, defineConformanceSuite } from "../define-suite.js";
import { raceExactlyOne } from "../race.js";

const MINUTE = 60_000;
const DAY = 86_400_000;
// Every case talks to the store several times; against a database on a busy machine that can
// take seconds, so each case gets the same generous timeout.
const CASE_TIMEOUT_MS = 60_000;

// Hex is a subset of base62, so these ids have the shape the manager gives ids.
const randomId = (): string => `ak_${randomBytes(11).toString("hex")}`;
const randomHash = (): string => randomBytes(32).toString("hex");

function makeRecord(base: number, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return {
    id: randomId(),
    hash: randomHash(),
    preview: "acme_live_4Fh2…",
    env: "live",
    ownerId: `owner_${randomBytes(6).toString("hex")}`,
    tenantId: null,
    name: null,
    scopes: [],
    metadata: {},
    redaction: "inherit",
    createdAt: base,
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: null,
    predecessorId: null,
    successorId: null,
    ...overrides,
  };
}

/** The fields of the contract only, so a store may return extra ones of its own. */
const infoOf = toApiKeyInfo;

function recordOf(record: ApiKeyRecord | null): ApiKeyRecord | null {
  return record === null ? null : { ...infoOf(record), hash: record.hash };
}

const cases: readonly ConformanceCase<ApiKeyStore>[] = [
  {
    name: "stores a key and returns it by hash and by id, field for field",
    async run(store, { clock }) {
      const base = clock.now() + 123; // milliseconds must survive the round trip
      const full = makeRecord(base, {
        env: "test",
        tenantId: "tenant_1",
        name: "CI deploys 🔑",
        scopes: ["write:all", "read"],
        metadata: { plan: "pro", ratio: 1.5, tags: ["a", "b"], nested: { none: null, on: true }, text: "é ✓ 🔑" },
        redaction: "off",
        expiresAt: base + DAY + 7,
        lastUsedAt: base + 5,
        predecessorId: randomId(),
      });
      const bare = makeRecord(base);
      await store.createApiKey(full);
      await store.createApiKey(bare);
      const same = "must return every field as created (milliseconds, unicode, nested JSON and nulls included)";
      assert.deepEqual(recordOf(await store.findApiKeyByHash(full.hash)), full, `findApiKeyByHash ${same}`);
      assert.deepEqual(recordOf(await store.getApiKey(full.id)), full, `getApiKey ${same}`);
      assert.deepEqual(recordOf(await store.findApiKeyByHash(bare.hash)), bare, `findApiKeyByHash ${same}`);
      assert.deepEqual(recordOf(await store.getApiKey(bare.id)), bare, `getApiKey ${same}`);
    },
  },
  {
    name: "returns null for an unknown hash or id, and matches hashes and ids exactly (case, trailing spaces)",
    async run(store, { clock }) {
      const record = makeRecord(clock.now());
      await store.createApiKey(record);
      assert.equal(
        await store.findApiKeyByHash(randomHash()),
        null,
        "findApiKeyByHash must return null for an unknown hash",
      );
      const near: readonly (readonly [string, string])[] = [
        [record.hash.toUpperCase(), "the hash in upper case (a case-insensitive collation)"],
        [`${record.hash} `, "the hash with a trailing space (a PAD SPACE collation)"],
        [record.hash.slice(0, 63), "a prefix of the hash"],
      ];
      for (const [hash, what] of near) {
        assert.equal(await store.findApiKeyByHash(hash), null, `findApiKeyByHash must not find a key by ${what}`);
      }
      assert.equal(await store.getApiKey(randomId()), null, "getApiKey must return null for an unknown id");
      assert.equal(
        await store.getApiKey(record.id.toUpperCase()),
        null,
        "getApiKey must not find a key by its id in upper case",
      );
      assert.equal(
        await store.getApiKey(`${record.id} `),
        null,
        "getApiKey must not find a key by its id with a trailing space",
      );
    },
  },
  {
    name: "refuses a second key with the same hash or the same id",
    async run(store, { clock }) {
      const record = makeRecord(clock.now());
      await store.createApiKey(record);
      await assert.rejects(
        store.createApiKey(makeRecord(clock.now(), { hash: record.hash })),
        "createApiKey must reject a second key with the same hash (a unique index)",
      );
      await assert.rejects(
        store.createApiKey(makeRecord(clock.now(), { id: record.id })),
        "createApiKey must reject a second key with the same id",
      );
      assert.equal(
        (await store.findApiKeyByHash(record.hash))?.id,
        record.id,
        "the first key must stay findable by its hash",
      );
    },
  },
  {
    name: "lists an owner's keys oldest first, without hashes, and no one else's",
    async run(store, { clock }) {
      const base = clock.now();
      const ownerId = `owner_${randomBytes(6).toString("hex")}`;
      const later = makeRecord(base + 2, { ownerId });
      const earlier = makeRecord(base + 1, { ownerId });
      await store.createApiKey(later);
      await store.createApiKey(makeRecord(base));
      await store.createApiKey(earlier);
      const listed = await store.listApiKeysByOwner(ownerId);
      assert.deepEqual(
        listed.map((k) => k.id),
        [earlier.id, later.id],
        "listApiKeysByOwner must return the owner's keys, oldest first, and no other owner's",
      );
      for (const key of listed)
        assert.equal(Object.hasOwn(key, "hash"), false, "listApiKeysByOwner must not return hashes");
      assert.deepEqual(
        listed.map(infoOf),
        [infoOf(earlier), infoOf(later)],
        "listApiKeysByOwner must return every metadata field as stored",
      );
      assert.deepEqual(await store.listApiKeysByOwner("owner_nobody"), [], "an unknown owner has no keys");
      assert.deepEqual(
        await store.listApiKeysByOwner(ownerId.toUpperCase()),
        [],
        "listApiKeysByOwner must not match an owner id differing only in case",
      );
    },
  },
  {
    name: "breaks ties in creation time by id, in code-unit order",
    async run(store, { clock }) {
      const ownerId = `owner_${randomBytes(6).toString("hex")}`;
      const tail = randomBytes(10).toString("hex");
      // Upper case sorts before lower case by code unit, though not in most locales.
      const ids = [`ak_b${tail}0`, `ak_B${tail}0`, `ak_a${tail}0`, `ak_A${tail}1`];
      for (const id of ids) await store.createApiKey(makeRecord(clock.now(), { id, ownerId }));
      assert.deepEqual(
        (await store.listApiKeysByOwner(ownerId)).map((k) => k.id),
        [...ids].sort(),
        "keys created in the same millisecond must list in code-unit order of id (upper case before lower), " +
          "and ids differing only in case are different keys",
      );
    },
  },
  {
    name: "revokes a key once",
    async run(store, { clock }) {
      const record = makeRecord(clock.now());
      await store.createApiKey(record);
      const at = clock.advance(MINUTE);
      const revoked = await store.revokeApiKey(record.id, at);
      assert.equal(revoked?.id, record.id, "revokeApiKey must return the key it revoked");
      assert.equal(revoked.revokedAt, at, "revokeApiKey must return the key with revokedAt set");
      assert.equal(
        (await store.findApiKeyByHash(record.hash))?.revokedAt,
        at,
        "the revocation must be visible by hash",
      );
      assert.equal(await store.revokeApiKey(record.id, at + 1), null, "a second revocation must return null");
      assert.equal((await store.getApiKey(record.id))?.revokedAt, at, "the first revocation's time must stick");
      assert.equal(await store.revokeApiKey(randomId(), at), null, "revoking an unknown key must return null");
    },
  },
  {
    name: "of concurrent revocations of one key exactly one succeeds",
    async run(store, { clock, concurrency }) {
      const record = makeRecord(clock.now());
      await store.createApiKey(record);
      const { winner } = await raceExactlyOne(concurrency, (i) => store.revokeApiKey(record.id, clock.now() + i), {
        isWin: (r) => r !== null,
      });
      assert.equal(
        (await store.getApiKey(record.id))?.revokedAt,
        clock.now() + winner,
        "the stored revocation time must be the winning caller's",
      );
    },
  },
  {
    name: "rotates a key: links both keys, cuts the old one's expiry to the grace end, stores the successor",
    async run(store, { clock }) {
      const old = makeRecord(clock.now(), { scopes: ["read"], expiresAt: clock.now() + 30 * DAY });
      await store.createApiKey(old);
      const at = clock.advance(DAY);
      const successor = makeRecord(at, { ownerId: old.ownerId, scopes: ["read"], predecessorId: old.id });
      const previous = await store.rotateApiKey(old.id, successor, at + 10 * MINUTE, at);
      assert.notEqual(previous, null, "rotateApiKey must return the old key when it rotates a live key");
      const after = { ...old, successorId: successor.id, expiresAt: at + 10 * MINUTE };
      assert.deepEqual(
        infoOf(previous ?? old),
        infoOf(after),
        "rotateApiKey must return the old key linked to its successor, expiring at the grace end",
      );
      assert.deepEqual(
        recordOf(await store.findApiKeyByHash(old.hash)),
        after,
        "the old key must be stored as returned",
      );
      assert.deepEqual(
        recordOf(await store.findApiKeyByHash(successor.hash)),
        successor,
        "the successor must be stored field for field",
      );
      assert.deepEqual(
        (await store.listApiKeysByOwner(old.ownerId)).map((k) => k.id),
        [old.id, successor.id],
        "the owner must list the old key and its successor",
      );
    },
  },
  {
    name: "keeps an old key's earlier expiry when the grace period would outlast it",
    async run(store, { clock }) {
      const at = clock.now();
      const old = makeRecord(at, { expiresAt: at + MINUTE });
      await store.createApiKey(old);
      const successor = makeRecord(at, { ownerId: old.ownerId, predecessorId: old.id });
      const previous = await store.rotateApiKey(old.id, successor, at + DAY, at);
      assert.equal(previous?.expiresAt, at + MINUTE, "a grace period must never extend an old key's expiry");
      assert.equal(
        (await store.getApiKey(old.id))?.expiresAt,
        at + MINUTE,
        "the stored expiry must stay the earlier one",
      );
    },
  },
  {
    name: "refuses to rotate a revoked, expired, already rotated or unknown key, and stores nothing",
    async run(store, { clock }) {
      const at = clock.now();
      const revoked = makeRecord(at - DAY, { revokedAt: at - 1 });
      const expired = makeRecord(at - DAY, { expiresAt: at });
      const rotated = makeRecord(at - DAY, { successorId: randomId() });
      for (const record of [revoked, expired, rotated]) await store.createApiKey(record);
      for (const id of [revoked.id, expired.id, rotated.id, randomId()]) {
        const successor = makeRecord(at, { predecessorId: id });
        assert.equal(
          await store.rotateApiKey(id, successor, at + MINUTE, at),
          null,
          "rotateApiKey must refuse with null",
        );
        assert.equal(await store.findApiKeyByHash(successor.hash), null, "a refused rotation must store no successor");
        assert.equal(await store.getApiKey(successor.id), null, "a refused rotation must store no successor");
      }
      assert.deepEqual(
        recordOf(await store.getApiKey(expired.id)),
        expired,
        "a refused rotation must not change the key",
      );
      assert.deepEqual(
        recordOf(await store.getApiKey(rotated.id)),
        rotated,
        "a refused rotation must not change the key",
      );
    },
  },
  {
    name: "of concurrent rotations of one key exactly one succeeds, and only its successor exists",
    async run(store, { clock, concurrency }) {
      const at = clock.now();
      const old = makeRecord(at);
      await store.createApiKey(old);
      const successors = Array.from({ length: concurrency }, () =>
        makeRecord(at, { ownerId: old.ownerId, predecessorId: old.id }),
      );
      const { winner } = await raceExactlyOne(
        concurrency,
        (i) => store.rotateApiKey(old.id, successors[i] ?? old, at + MINUTE, at),
        {
          isWin: (r) => r !== null,
        },
      );
      for (const [i, successor] of successors.entries()) {
        const found = await store.findApiKeyByHash(successor.hash);
        if (i === winner) assert.equal(found?.id, successor.id, "the winning caller's successor must be stored");
        else assert.equal(found, null, `the successor of losing caller ${String(i)} must not be stored`);
      }
      assert.equal(
        (await store.getApiKey(old.id))?.successorId,
        successors[winner]?.id,
        "the old key must link to the winning caller's successor",
      );
      assert.equal(
        (await store.listApiKeysByOwner(old.ownerId)).length,
        2,
        "the owner must have the old key and one successor",
      );
    },
  },
  {
    name: "touches lastUsedAt at most once per interval, never backwards",
    async run(store, { clock }) {
      const record = makeRecord(clock.now());
      await store.createApiKey(record);
      const first = clock.advance(1000);
      assert.equal(await store.touchApiKey(record.id, first, MINUTE), true, "the first touch must write");
      assert.equal(
        await store.touchApiKey(record.id, first + MINUTE - 1, MINUTE),
        false,
        "a touch inside the interval must not write",
      );
      assert.equal((await store.getApiKey(record.id))?.lastUsedAt, first, "lastUsedAt must be the first touch's time");
      assert.equal(
        await store.touchApiKey(record.id, first + MINUTE, MINUTE),
        true,
        "a touch one interval later must write",
      );
      assert.equal(await store.touchApiKey(record.id, first, MINUTE), false, "a touch back in time must not write");
      assert.equal(
        (await store.findApiKeyByHash(record.hash))?.lastUsedAt,
        first + MINUTE,
        "lastUsedAt must never move backwards",
      );
      assert.equal(
        await store.touchApiKey(randomId(), first, MINUTE),
        false,
        "touching an unknown key must report false",
      );
    },
  },
  {
    name: "of concurrent touches of one key exactly one writes",
    async run(store, { clock, concurrency }) {
      const record = makeRecord(clock.now());
      await store.createApiKey(record);
      const at = clock.advance(MINUTE);
      await raceExactlyOne(concurrency, () => store.touchApiKey(record.id, at, MINUTE));
      assert.equal((await store.getApiKey(record.id))?.lastUsedAt, at, "lastUsedAt must be the touch's time");
    },
  },
];

/** The `apiKeys` store suite (see {@link ApiKeyStore}). */
export const apiKeyStoreSuite: ConformanceSuite = defineConformanceSuite<ApiKeyStore>(
  "apiKeys",
  API_KEY_STORE_METHODS,
  cases.map((c) => ({ timeoutMs: CASE_TIMEOUT_MS, ...c })),
);
