import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hmacSha256Hex, sha256Hex } from "../../src/_internal/hash.js";
import { Secret } from "../../src/_internal/secret.js";
import { createMemoryApiKeyStore } from "../../src/adapters/memory/index.js";
import {
  type ApiKeyStore,
  type ApiKeysOptions,
  LAST_USED_RESOLUTION_MS,
  createApiKeys,
  parseApiKey,
} from "../../src/apikeys/index.js";
import { apiKeyHasher } from "../../src/apikeys/hash-key.js";
import { fakeClock, raceExactlyOne } from "../../src/testing/index.js";
import { WRONG_TYPES, expectMoatError, expectMoatErrorAsync } from "../helpers/assertions.js";
import { loadNistSha256, loadRfc } from "../vectors/index.js";

const MINUTE = 60_000;
const DAY = 86_400_000;
const PEPPER = "pepper-of-at-least-thirty-two-bytes!";

function setup(options: Partial<ApiKeysOptions> = {}) {
  const clock = fakeClock();
  const store = options.store ?? createMemoryApiKeyStore();
  const apiKeys = createApiKeys({ prefix: "acme", store, now: clock.now, ...options });
  return { apiKeys, store, clock };
}

/** A memory store that counts calls per method. */
function countingStore(inner: ApiKeyStore = createMemoryApiKeyStore()) {
  const calls: Record<string, number> = {};
  const count = (name: string) => {
    calls[name] = (calls[name] ?? 0) + 1;
  };
  const store: ApiKeyStore = {
    createApiKey: (r) => (count("createApiKey"), inner.createApiKey(r)),
    findApiKeyByHash: (h) => (count("findApiKeyByHash"), inner.findApiKeyByHash(h)),
    getApiKey: (id) => (count("getApiKey"), inner.getApiKey(id)),
    listApiKeysByOwner: (o) => (count("listApiKeysByOwner"), inner.listApiKeysByOwner(o)),
    revokeApiKey: (id, at) => (count("revokeApiKey"), inner.revokeApiKey(id, at)),
    rotateApiKey: (id, s, g, at) => (count("rotateApiKey"), inner.rotateApiKey(id, s, g, at)),
    touchApiKey: (id, at, i) => (count("touchApiKey"), inner.touchApiKey(id, at, i)),
  };
  return {
    store,
    calls,
    reset: () => {
      for (const k of Object.keys(calls)) Reflect.deleteProperty(calls, k);
    },
  };
}

describe("hashing at rest", () => {
  it("is SHA-256 as FIPS 180 specifies it (NIST examples through the manager's hasher)", () => {
    const hash = apiKeyHasher();
    for (const v of loadNistSha256().vectors) expect(hash(v.messageAscii.repeat(v.repeat))).toBe(v.sha256);
  });

  it("is HMAC-SHA-256 as RFC 4231 specifies it when peppered (vectors with text messages)", () => {
    let checked = 0;
    for (const v of loadRfc("rfc4231_hmac_sha256.json").vectors) {
      const data = Buffer.from(v.dataHex, "hex");
      if (v.truncatedToBits !== undefined || !/^[\x20-\x7e]*$/.test(data.toString("latin1"))) continue;
      expect(apiKeyHasher(Buffer.from(v.keyHex, "hex"))(data.toString("latin1"))).toBe(v.hmacSha256);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(2);
  });

  it("stores SHA-256 of the full key string, or HMAC-SHA-256 with the pepper", async () => {
    const plainSetup = setup();
    const plain = await plainSetup.apiKeys.issue({ ownerId: "u1", env: "live" });
    const plainHash = (await plainSetup.store.getApiKey(plain.record.id))?.hash;
    expect(plainHash).toBe(sha256Hex(plain.key.reveal()));
    const pepperedSetup = setup({ pepper: PEPPER });
    const peppered = await pepperedSetup.apiKeys.issue({ ownerId: "u1", env: "live" });
    const pepperedHash = (await pepperedSetup.store.getApiKey(peppered.record.id))?.hash;
    expect(pepperedHash).toBe(hmacSha256Hex(PEPPER, peppered.key.reveal()));
    expect(pepperedHash).not.toBe(sha256Hex(peppered.key.reveal()));
    // The issued record is metadata only: the hash stays with the store.
    expect(plain.record).not.toHaveProperty("hash");
  });

  it("accepts the pepper as bytes or a Secret, and a key issued under one pepper does not verify under another", async () => {
    const store = createMemoryApiKeyStore();
    const bytes = new TextEncoder().encode(PEPPER);
    const a = setup({ store, pepper: new Secret(bytes) });
    const { key } = await a.apiKeys.issue({ ownerId: "u1", env: "live" });
    expect((await setup({ store, pepper: bytes }).apiKeys.verify(key.reveal())).ok).toBe(true);
    expect(await setup({ store, pepper: `${PEPPER}x` }).apiKeys.verify(key.reveal())).toEqual({
      ok: false,
      reason: "not_found",
    });
    expect(await setup({ store }).apiKeys.verify(key.reveal())).toEqual({ ok: false, reason: "not_found" });
  });

  it("copies a byte pepper, so changing the caller's buffer later changes nothing", async () => {
    const store = createMemoryApiKeyStore();
    const bytes = new TextEncoder().encode(PEPPER);
    const { apiKeys } = setup({ store, pepper: bytes });
    const { key } = await apiKeys.issue({ ownerId: "u1", env: "live" });
    bytes.fill(0);
    expect((await apiKeys.verify(key.reveal())).ok).toBe(true);
  });
});

describe("issue", () => {
  it("returns the plaintext once, as a Secret, in the documented format", async () => {
    const { apiKeys } = setup();
    const { key, record } = await apiKeys.issue({ ownerId: "u1", env: "live" });
    expect(String(key)).toBe("[secret]");
    expect(JSON.stringify({ key })).toBe('{"key":"[secret]"}');
    const text = key.reveal();
    expect(text).toMatch(/^acme_live_[0-9A-Za-z]{38}$/);
    expect(parseApiKey(text)).toMatchObject({ prefix: "acme", env: "live", checksumValid: true });
    expect(record.preview).toBe(`${text.slice(0, "acme_live_".length + 4)}…`);
    expect(record.id).toMatch(/^ak_[0-9A-Za-z]{22}$/);
  });

  it("stores owner, tenant, env, name, scopes, metadata, redaction and timestamps", async () => {
    const { apiKeys, store, clock } = setup();
    const expiresAt = clock.now() + 30 * DAY;
    const { record } = await apiKeys.issue({
      ownerId: "user_1",
      tenantId: "tenant_1",
      env: "test",
      name: "CI deploys",
      scopes: ["read", "write", "read"],
      expiresAt: new Date(expiresAt),
      metadata: { plan: "pro", since: new Date(0), nested: { a: [1, 2] } },
      redaction: "off",
    });
    expect(record).toMatchObject({
      ownerId: "user_1",
      tenantId: "tenant_1",
      env: "test",
      name: "CI deploys",
      scopes: ["read", "write"],
      metadata: { plan: "pro", since: "1970-01-01T00:00:00.000Z", nested: { a: [1, 2] } },
      redaction: "off",
      createdAt: clock.now(),
      expiresAt,
      revokedAt: null,
      lastUsedAt: null,
      predecessorId: null,
      successorId: null,
    });
    expect(record.preview.startsWith("acme_test_")).toBe(true);
    const { hash, ...stored } = (await store.getApiKey(record.id))!;
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored).toEqual(record);
  });

  it("defaults to no tenant, name, scopes, metadata or expiry, and redaction inherit", async () => {
    const { record } = await setup().apiKeys.issue({ ownerId: "u1", env: "live" });
    expect(record).toMatchObject({
      tenantId: null,
      name: null,
      scopes: [],
      metadata: {},
      redaction: "inherit",
      expiresAt: null,
    });
  });

  it("returns frozen records that share nothing with the caller's input", async () => {
    const { apiKeys } = setup();
    const scopes = ["read"];
    const metadata = { tags: ["a"] };
    const { record } = await apiKeys.issue({ ownerId: "u1", env: "live", scopes, metadata });
    scopes.push("admin");
    metadata.tags.push("b");
    expect(record.scopes).toEqual(["read"]);
    expect(record.metadata).toEqual({ tags: ["a"] });
    expect(Object.isFrozen(record) && Object.isFrozen(record.scopes) && Object.isFrozen(record.metadata)).toBe(true);
  });

  it("draws the body from the injected random source (and only from it)", async () => {
    const counter = () => {
      let n = 0;
      return (len: number) => Uint8Array.from({ length: len }, () => n++ % 248);
    };
    const a = await setup({ random: counter() }).apiKeys.issue({ ownerId: "u1", env: "live" });
    const b = await setup({ random: counter() }).apiKeys.issue({ ownerId: "u1", env: "live" });
    expect(a.key.reveal()).toBe(b.key.reveal());
    const c = await setup().apiKeys.issue({ ownerId: "u1", env: "live" });
    const d = await setup().apiKeys.issue({ ownerId: "u1", env: "live" });
    expect(c.key.reveal()).not.toBe(d.key.reveal());
  });

  it("rejects wrong types, empty, oversized and malformed input with ERR_INVALID_INPUT", async () => {
    const { apiKeys, clock } = setup();
    const good = { ownerId: "u1", env: "live" } as const;
    const bad: unknown[] = [
      ...WRONG_TYPES,
      {},
      { ...good, ownerId: "" },
      { ...good, ownerId: "x".repeat(257) },
      { ...good, env: "prod" },
      { ...good, env: "LIVE" },
      { ...good, tenantId: "" },
      { ...good, name: "" },
      { ...good, name: "x".repeat(201) },
      { ...good, scopes: "read" },
      { ...good, scopes: [""] },
      { ...good, scopes: ["has space"] },
      { ...good, scopes: ["x".repeat(129)] },
      { ...good, scopes: Array.from({ length: 101 }, (_, i) => `s${String(i)}`) },
      { ...good, expiresAt: clock.now() },
      { ...good, expiresAt: clock.now() - 1 },
      { ...good, expiresAt: new Date(Number.NaN) },
      { ...good, expiresAt: 1.5 },
      { ...good, expiresAt: "2030-01-01" },
      { ...good, metadata: [] },
      { ...good, metadata: { big: "x".repeat(9000) } },
      { ...good, metadata: { m: new Map() } },
      { ...good, metadata: { n: Number.NaN } },
      { ...good, redaction: "maybe" },
      // Text a database cannot hold as given: NUL, unpaired surrogates.
      { ...good, ownerId: "a\0b" },
      { ...good, name: "x\ud800" },
      { ...good, tenantId: "\udc00x" },
      { ...good, metadata: { note: "a\0" } },
      { ...good, metadata: { ["k\ud800"]: 1 } },
      { ...good, metadata: { deep: [{ s: "\udfff" }] } },
      { ...good, scope: ["read"] }, // a typo of an option is an error, not ignored
    ];
    for (const input of bad) {
      // @ts-expect-error: bad input on purpose
      await expectMoatErrorAsync(() => apiKeys.issue(input), "ERR_INVALID_INPUT");
    }
    for (const ownerId of WRONG_TYPES) {
      // @ts-expect-error: wrong types on purpose
      await expectMoatErrorAsync(() => apiKeys.issue({ ...good, ownerId }), "ERR_INVALID_INPUT");
    }
  });
});

describe("verify", () => {
  it("accepts an issued key and returns its metadata without the hash", async () => {
    const { apiKeys } = setup();
    const { key, record } = await apiKeys.issue({ ownerId: "u1", env: "live", scopes: ["read"] });
    const result = await apiKeys.verify(key.reveal());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.record.id).toBe(record.id);
    expect(result.record).not.toHaveProperty("hash");
    expect(JSON.stringify(result)).not.toContain(sha256Hex(key.reveal()));
  });

  it("says not_found for a well-formed key with a valid checksum that was never issued", async () => {
    const { apiKeys } = setup();
    const other = await setup().apiKeys.issue({ ownerId: "u1", env: "live" });
    expect(await apiKeys.verify(other.key.reveal())).toEqual({ ok: false, reason: "not_found" });
  });

  it("says malformed for another service's prefix, even with a valid checksum", async () => {
    const beta = createApiKeys({ prefix: "beta", store: createMemoryApiKeyStore() });
    const { key } = await beta.issue({ ownerId: "u1", env: "live" });
    expect(parseApiKey(key.reveal())?.checksumValid).toBe(true);
    expect(await setup().apiKeys.verify(key.reveal())).toEqual({ ok: false, reason: "malformed" });
  });

  it("expires a key at expiresAt exactly (fake clock)", async () => {
    const { apiKeys, clock } = setup();
    const { key } = await apiKeys.issue({ ownerId: "u1", env: "live", expiresAt: clock.now() + DAY });
    clock.advance(DAY - 1);
    expect((await apiKeys.verify(key.reveal())).ok).toBe(true);
    clock.advance(1);
    expect(await apiKeys.verify(key.reveal())).toEqual({ ok: false, reason: "expired" });
  });

  it("checks scopes: every required scope must be granted", async () => {
    const { apiKeys } = setup();
    const { key } = await apiKeys.issue({ ownerId: "u1", env: "live", scopes: ["read", "write:reports"] });
    const k = key.reveal();
    expect((await apiKeys.verify(k, { scopes: [] })).ok).toBe(true);
    expect((await apiKeys.verify(k, { scopes: ["read"] })).ok).toBe(true);
    expect((await apiKeys.verify(k, { scopes: ["write:reports", "read"] })).ok).toBe(true);
    expect(await apiKeys.verify(k, { scopes: ["read", "admin"] })).toEqual({ ok: false, reason: "insufficient_scope" });
    expect(await apiKeys.verify(k, { scopes: ["write"] })).toEqual({ ok: false, reason: "insufficient_scope" });
    expect(await apiKeys.verify(k, { scopes: ["READ"] })).toEqual({ ok: false, reason: "insufficient_scope" });
    const bare = await apiKeys.issue({ ownerId: "u1", env: "live" });
    expect(await apiKeys.verify(bare.key.reveal(), { scopes: ["read"] })).toEqual({
      ok: false,
      reason: "insufficient_scope",
    });
  });

  it("keeps a distinct reason for each failure, checking revocation and expiry before scopes", async () => {
    const { apiKeys, clock } = setup();
    const { key, record } = await apiKeys.issue({ ownerId: "u1", env: "live", expiresAt: clock.now() + MINUTE });
    await apiKeys.revoke(record.id);
    clock.advance(MINUTE);
    expect(await apiKeys.verify(key.reveal(), { scopes: ["admin"] })).toEqual({ ok: false, reason: "revoked" });
    const other = await apiKeys.issue({ ownerId: "u1", env: "live", expiresAt: clock.now() + 1 });
    clock.advance(1);
    expect(await apiKeys.verify(other.key.reveal(), { scopes: ["admin"] })).toEqual({ ok: false, reason: "expired" });
  });

  it("says malformed for wrong types, empty, oversized and garbage input, without throwing", async () => {
    const { apiKeys } = setup();
    for (const value of [
      ...WRONG_TYPES,
      "",
      " ",
      "acme",
      "acme_live_",
      "x".repeat(257),
      "a".repeat(10_000_000),
      ["acme_live_x"],
    ]) {
      expect(await apiKeys.verify(value)).toEqual({ ok: false, reason: "malformed" });
    }
  });

  it("never throws and never accepts arbitrary input", async () => {
    const { apiKeys } = setup();
    await apiKeys.issue({ ownerId: "u1", env: "live" });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.anything(),
          fc.string({ maxLength: 300 }).map((s) => `acme_live_${s}`),
        ),
        async (input) => {
          const result = await apiKeys.verify(input);
          expect(result.ok).toBe(false);
          if (!result.ok) expect(["malformed", "checksum", "not_found"]).toContain(result.reason);
        },
      ),
    );
  });

  it("rejects bad options with ERR_INVALID_INPUT (misuse is not a bad key)", async () => {
    const { apiKeys } = setup();
    const { key } = await apiKeys.issue({ ownerId: "u1", env: "live" });
    const bad: unknown[] = [
      null,
      42,
      "read",
      { scopes: "read" },
      { scopes: [1] },
      { scopes: [""] },
      { scopes: ["a b"] },
      { scopes: Array.from({ length: 101 }, () => "x") },
      { scope: ["read"] },
    ];
    for (const options of bad) {
      // @ts-expect-error: bad options on purpose
      await expectMoatErrorAsync(() => apiKeys.verify(key.reveal(), options), "ERR_INVALID_INPUT");
      // @ts-expect-error: bad options on purpose
      await expectMoatErrorAsync(() => apiKeys.verify("garbage", options), "ERR_INVALID_INPUT");
    }
  });

  it("surfaces a failing lookup as ERR_STORE with a fixed message", async () => {
    const { store } = countingStore();
    const { apiKeys } = setup({ store });
    const { key } = await apiKeys.issue({ ownerId: "u1", env: "live" });
    const broken = setup({
      store: {
        ...store,
        findApiKeyByHash: (hash) => Promise.reject(new Error(`connection reset while looking up ${hash}`)),
      },
    });
    const err = await expectMoatErrorAsync(() => broken.apiKeys.verify(key.reveal()), "ERR_STORE");
    expect(err.message).toBe("apiKeys store failed during findApiKeyByHash");
  });

  it("requires the now option to give integer milliseconds", async () => {
    const store = createMemoryApiKeyStore();
    const apiKeys = createApiKeys({ prefix: "acme", store, now: () => 1.5 });
    await expectMoatErrorAsync(() => apiKeys.issue({ ownerId: "u1", env: "live" }), "ERR_CONFIG");
  });
});

describe("lastUsedAt", () => {
  it("is written at most once per minute per key, not once per request (fake clock, spy store)", async () => {
    const { store, calls, reset } = countingStore();
    const { apiKeys, clock } = setup({ store });
    const a = await apiKeys.issue({ ownerId: "u1", env: "live" });
    const b = await apiKeys.issue({ ownerId: "u1", env: "live" });
    reset();
    const first = clock.now();
    for (let i = 0; i < 100; i++) await apiKeys.verify(a.key.reveal());
    expect(calls.touchApiKey).toBe(1);
    expect((await apiKeys.get(a.record.id))?.lastUsedAt).toBe(first);

    await Promise.all(Array.from({ length: 50 }, () => apiKeys.verify(b.key.reveal())));
    expect(calls.touchApiKey).toBe(2);

    clock.advance(LAST_USED_RESOLUTION_MS - 1);
    for (let i = 0; i < 10; i++) await apiKeys.verify(a.key.reveal());
    expect(calls.touchApiKey).toBe(2);
    clock.advance(1);
    const result = await apiKeys.verify(a.key.reveal());
    expect(calls.touchApiKey).toBe(3);
    // The result shows the previous use; the store has this one.
    expect(result.ok && result.record.lastUsedAt).toBe(first);
    expect((await apiKeys.get(a.record.id))?.lastUsedAt).toBe(clock.now());
    expect(calls.findApiKeyByHash).toBe(100 + 50 + 10 + 1);
  });

  it("respects a recent lastUsedAt written by another process", async () => {
    const { store, calls, reset } = countingStore();
    const one = setup({ store });
    const { key } = await one.apiKeys.issue({ ownerId: "u1", env: "live" });
    await one.apiKeys.verify(key.reveal());
    const other = createApiKeys({ prefix: "acme", store, now: one.clock.now });
    reset();
    await other.verify(key.reveal());
    expect(calls.touchApiKey).toBeUndefined();
  });

  it("is not written for failed verifications", async () => {
    const { store, calls } = countingStore();
    const { apiKeys } = setup({ store });
    const { key, record } = await apiKeys.issue({ ownerId: "u1", env: "live", scopes: ["read"] });
    await apiKeys.verify(key.reveal(), { scopes: ["admin"] });
    await apiKeys.revoke(record.id);
    await apiKeys.verify(key.reveal());
    expect(calls.touchApiKey).toBeUndefined();
  });

  it("does not fail a verification when the write fails, and tries again on the next one", async () => {
    const inner = createMemoryApiKeyStore();
    let failTouch = true;
    let touches = 0;
    const store: ApiKeyStore = {
      ...inner,
      touchApiKey: (id, at, interval) => {
        touches++;
        return failTouch ? Promise.reject(new Error("write failed")) : inner.touchApiKey(id, at, interval);
      },
    };
    const { apiKeys } = setup({ store });
    const { key, record } = await apiKeys.issue({ ownerId: "u1", env: "live" });
    expect((await apiKeys.verify(key.reveal())).ok).toBe(true);
    failTouch = false;
    expect((await apiKeys.verify(key.reveal())).ok).toBe(true);
    expect(touches).toBe(2);
    expect((await apiKeys.get(record.id))?.lastUsedAt).not.toBeNull();
  });
});

describe("revokeApiKey", () => {
  it("revokes at once, then says already_revoked; unknown ids are not_found", async () => {
    const { apiKeys, clock } = setup();
    const { key, record } = await apiKeys.issue({ ownerId: "u1", env: "live" });
    clock.advance(5);
    const result = await apiKeys.revoke(record.id);
    expect(result.ok && result.record.revokedAt).toBe(clock.now());
    expect(result.ok && result.record).not.toHaveProperty("hash");
    expect(await apiKeys.verify(key.reveal())).toEqual({ ok: false, reason: "revoked" });
    expect(await apiKeys.revoke(record.id)).toEqual({ ok: false, reason: "already_revoked" });
    expect(await apiKeys.revoke(`ak_${"0".repeat(22)}`)).toEqual({ ok: false, reason: "not_found" });
  });

  it("of 20 concurrent revocations exactly one succeeds", async () => {
    const { apiKeys } = setup();
    const { record } = await apiKeys.issue({ ownerId: "u1", env: "live" });
    const { results } = await raceExactlyOne(20, () => apiKeys.revoke(record.id));
    expect(results.flatMap((r) => (r.ok ? [] : [r.reason]))).toEqual(Array(19).fill("already_revoked"));
  });
});

describe("rotateApiKey", () => {
  it("issues a successor; the old key verifies until the grace period ends, then is expired", async () => {
    const { apiKeys, clock, store } = setup();
    const inherited = {
      ownerId: "u1",
      tenantId: "t1",
      env: "test",
      name: "deploys",
      scopes: ["read"],
      metadata: { team: "ops" },
      redaction: "on",
    } as const;
    const old = await apiKeys.issue(inherited);
    clock.advance(DAY);
    const rotated = await apiKeys.rotate(old.record.id, { graceMs: 10 * MINUTE });
    expect(rotated.ok).toBe(true);
    if (!rotated.ok) return;
    const next = rotated.key.reveal();
    expect(next).not.toBe(old.key.reveal());
    expect(String(rotated.key)).toBe("[secret]");
    expect(rotated.record).toMatchObject({
      ...inherited,
      createdAt: clock.now(),
      expiresAt: null,
      predecessorId: old.record.id,
      successorId: null,
    });
    expect(rotated.record).not.toHaveProperty("hash");
    expect((await store.getApiKey(rotated.record.id))?.hash).toBe(sha256Hex(next));
    expect(rotated.previous).toMatchObject({
      id: old.record.id,
      successorId: rotated.record.id,
      expiresAt: clock.now() + 10 * MINUTE,
    });

    expect((await apiKeys.verify(next)).ok).toBe(true);
    clock.advance(10 * MINUTE - 1);
    expect((await apiKeys.verify(old.key.reveal())).ok).toBe(true);
    clock.advance(1);
    expect(await apiKeys.verify(old.key.reveal())).toEqual({ ok: false, reason: "expired" });
    expect((await apiKeys.verify(next)).ok).toBe(true);
  });

  it("cuts the old key off at once by default", async () => {
    const { apiKeys } = setup();
    const old = await apiKeys.issue({ ownerId: "u1", env: "live" });
    const rotated = await apiKeys.rotate(old.record.id);
    expect(rotated.ok).toBe(true);
    expect(await apiKeys.verify(old.key.reveal())).toEqual({ ok: false, reason: "expired" });
  });

  it("gives the successor the old key's lifetime from now, an explicit expiry, or none", async () => {
    const { apiKeys, clock } = setup();
    const start = clock.now();
    const a = await apiKeys.issue({ ownerId: "u1", env: "live", expiresAt: start + 90 * DAY });
    clock.advance(DAY);
    const b = await apiKeys.rotate(a.record.id, { graceMs: MINUTE });
    expect(b.ok && b.record.expiresAt).toBe(clock.now() + 90 * DAY);
    if (!b.ok) return;
    const c = await apiKeys.rotate(b.record.id, { expiresAt: new Date(clock.now() + DAY) });
    expect(c.ok && c.record.expiresAt).toBe(clock.now() + DAY);
    if (!c.ok) return;
    const d = await apiKeys.rotate(c.record.id, { expiresAt: null });
    expect(d.ok && d.record.expiresAt).toBeNull();
  });

  it("keeps the old key's earlier expiry when the grace period would outlast it", async () => {
    const { apiKeys, clock } = setup();
    const old = await apiKeys.issue({ ownerId: "u1", env: "live", expiresAt: clock.now() + MINUTE });
    const rotated = await apiKeys.rotate(old.record.id, { graceMs: DAY });
    expect(rotated.ok && rotated.previous.expiresAt).toBe(clock.now() + MINUTE);
  });

  it("refuses rotated, revoked, expired and unknown keys, each with its own reason", async () => {
    const { apiKeys, clock } = setup();
    const rotated = await apiKeys.issue({ ownerId: "u1", env: "live" });
    await apiKeys.rotate(rotated.record.id, { graceMs: DAY });
    expect(await apiKeys.rotate(rotated.record.id)).toEqual({ ok: false, reason: "already_rotated" });
    const revoked = await apiKeys.issue({ ownerId: "u1", env: "live" });
    await apiKeys.revoke(revoked.record.id);
    expect(await apiKeys.rotate(revoked.record.id)).toEqual({ ok: false, reason: "revoked" });
    const expired = await apiKeys.issue({ ownerId: "u1", env: "live", expiresAt: clock.now() + 1 });
    clock.advance(1);
    expect(await apiKeys.rotate(expired.record.id)).toEqual({ ok: false, reason: "expired" });
    expect(await apiKeys.rotate(`ak_${"0".repeat(22)}`)).toEqual({ ok: false, reason: "not_found" });
  });

  it("of 20 concurrent rotations of one key exactly one issues a key; the rest say already_rotated", async () => {
    const { apiKeys } = setup();
    const { record } = await apiKeys.issue({ ownerId: "u1", env: "live" });
    const { results, winner } = await raceExactlyOne(20, () => apiKeys.rotate(record.id, { graceMs: MINUTE }));
    expect(results.flatMap((r) => (r.ok ? [] : [r.reason]))).toEqual(Array(19).fill("already_rotated"));
    const won = results[winner];
    const ids = (await apiKeys.list("u1")).map((k) => k.id).sort();
    expect(ids).toEqual([record.id, won?.ok ? won.record.id : "winner"].sort());
  });

  it("rejects bad ids and options with ERR_INVALID_INPUT", async () => {
    const { apiKeys } = setup();
    const { record } = await apiKeys.issue({ ownerId: "u1", env: "live" });
    for (const options of [
      null,
      5,
      { graceMs: -1 },
      { graceMs: 1.5 },
      { graceMs: "1h" },
      { graceMs: 366 * DAY },
      { expiresAt: 0 },
      { expiresAt: "soon" },
      { grace: 5 },
    ]) {
      // @ts-expect-error: bad options on purpose
      await expectMoatErrorAsync(() => apiKeys.rotate(record.id, options), "ERR_INVALID_INPUT");
    }
  });
});

describe("list and get", () => {
  it("lists an owner's keys oldest first: previews and metadata, never hashes", async () => {
    const { apiKeys, clock } = setup();
    const a = await apiKeys.issue({ ownerId: "u1", env: "live", name: "a", metadata: { n: 1 } });
    clock.advance(1);
    const b = await apiKeys.issue({ ownerId: "u1", env: "test", name: "b" });
    await apiKeys.issue({ ownerId: "u2", env: "live" });
    await apiKeys.revoke(a.record.id);
    const keys = await apiKeys.list("u1");
    expect(keys.map((k) => [k.name, k.preview])).toEqual([
      ["a", a.record.preview],
      ["b", b.record.preview],
    ]);
    expect(keys[0]?.revokedAt).toBe(clock.now());
    expect(keys[0]?.metadata).toEqual({ n: 1 });
    const text = JSON.stringify(keys);
    expect(text).not.toContain(sha256Hex(a.key.reveal()));
    expect(text).not.toContain(sha256Hex(b.key.reveal()));
    for (const k of keys) expect(k).not.toHaveProperty("hash");
    expect(await apiKeys.list("nobody")).toEqual([]);
  });

  it("strips hashes even when a custom store returns them", async () => {
    const inner = createMemoryApiKeyStore();
    const { apiKeys } = setup({
      store: {
        ...inner,
        listApiKeysByOwner: async (o) =>
          Promise.all((await inner.listApiKeysByOwner(o)).map(async (k) => (await inner.getApiKey(k.id))!)),
      },
    });
    const { key } = await apiKeys.issue({ ownerId: "u1", env: "live" });
    expect(JSON.stringify(await apiKeys.list("u1"))).not.toContain(sha256Hex(key.reveal()));
  });

  it("gets one key by id, without its hash", async () => {
    const { apiKeys } = setup();
    const { record } = await apiKeys.issue({ ownerId: "u1", env: "live" });
    expect(await apiKeys.get(record.id)).toEqual(record);
    expect(await apiKeys.get(`ak_${"1".repeat(22)}`)).toBeNull();
  });

  it("rejects wrong types, empty, oversized and malformed ids and owners with ERR_INVALID_INPUT", async () => {
    const { apiKeys } = setup();
    for (const id of [
      ...WRONG_TYPES,
      "",
      "ak_",
      "ak_short",
      `ak_${"x".repeat(23)}`,
      `ak_${"-".repeat(22)}`,
      "x".repeat(10_000),
    ]) {
      // @ts-expect-error: wrong types on purpose
      await expectMoatErrorAsync(() => apiKeys.revoke(id), "ERR_INVALID_INPUT");
      // @ts-expect-error: wrong types on purpose
      await expectMoatErrorAsync(() => apiKeys.rotate(id), "ERR_INVALID_INPUT");
      // @ts-expect-error: wrong types on purpose
      await expectMoatErrorAsync(() => apiKeys.get(id), "ERR_INVALID_INPUT");
    }
    for (const ownerId of [...WRONG_TYPES, "", "x".repeat(257), "a\0", "\ud800"]) {
      // @ts-expect-error: wrong types on purpose
      await expectMoatErrorAsync(() => apiKeys.list(ownerId), "ERR_INVALID_INPUT");
    }
  });
});

describe("createApiKeys options", () => {
  it("rejects bad options with ERR_CONFIG at construction", () => {
    const store = createMemoryApiKeyStore();
    const bad: unknown[] = [
      ...WRONG_TYPES,
      { store },
      { prefix: "acme" },
      { prefix: "", store },
      { prefix: "a", store },
      { prefix: "Acme", store },
      { prefix: "ac_me", store },
      { prefix: "a".repeat(17), store },
      { prefix: "acme", store: {} },
      { prefix: "acme", store: { ...store, touchApiKey: undefined } },
      { prefix: "acme", store, now: 5 },
      { prefix: "acme", store, random: "x" },
      { prefix: "acme", store, pepper: "short" },
      { prefix: "acme", store, pepper: new Uint8Array(31) },
      { prefix: "acme", store, pepper: new Secret("short") },
      { prefix: "acme", store, pepper: 42 },
      { prefix: "acme", store, peper: PEPPER },
    ];
    for (const options of bad) {
      // @ts-expect-error: bad options on purpose
      expectMoatError(() => createApiKeys(options), "ERR_CONFIG");
    }
  });

  it("never echoes the pepper in a configuration error", () => {
    const pepper = "short-pepper-do-not-print";
    const err = expectMoatError(
      () => createApiKeys({ prefix: "acme", store: createMemoryApiKeyStore(), pepper }),
      "ERR_CONFIG",
    );
    expect(`${err.message} ${JSON.stringify(err.details)} ${String(err.stack)}`).not.toContain(pepper);
  });

  it("refuses a random source that returns the wrong number of bytes", async () => {
    const { apiKeys } = setup({ random: () => new Uint8Array(1) });
    await expectMoatErrorAsync(() => apiKeys.issue({ ownerId: "u1", env: "live" }), "ERR_CONFIG");
  });
});
