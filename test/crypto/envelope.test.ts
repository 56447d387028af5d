import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createMemoryDataKeyStore } from "../../src/adapters/memory/index.js";
import {
  type AeadAlgorithm,
  type BindingOptions,
  type DataKeyStore,
  type Envelope,
  MESSAGES_PER_SALT,
  createEnvelope,
  createKeyring,
} from "../../src/crypto/index.js";
import { isMoatError } from "../../src/errors.js";
import { fakeClock, testKeyring } from "../../src/testing/index.js";
import { WRONG_TYPES, expectMoatErrorAsync } from "../helpers/assertions.js";
import { seededRandom } from "./helpers.js";

const context = { table: "integrations", column: "api_key", rowId: 42 };
const MODES = ["stateless", "store"] as const;
type Mode = (typeof MODES)[number];
const ALGORITHMS: readonly AeadAlgorithm[] = ["aes-256-gcm", "xchacha20-poly1305"];

function envelopeFor(
  mode: Mode,
  extra: { algorithm?: AeadAlgorithm; backend?: "node" | "noble"; store?: DataKeyStore } = {},
): Envelope {
  return createEnvelope({
    keyring: testKeyring(["k1"]),
    ...(mode === "store" ? { dataKeys: extra.store ?? createMemoryDataKeyStore() } : {}),
    ...(extra.algorithm === undefined ? {} : { algorithm: extra.algorithm }),
    ...(extra.backend === undefined ? {} : { backend: extra.backend }),
  });
}

/** Decrypts and returns the MoatError code, or "PLAINTEXT" if it (wrongly) succeeded. */
async function outcome(
  envelope: Envelope,
  token: string | Uint8Array,
  options: BindingOptions = { context },
): Promise<string> {
  try {
    await envelope.decrypt(token, options);
    return "PLAINTEXT";
  } catch (err) {
    if (isMoatError(err)) return err.code;
    throw err;
  }
}

describe.each(MODES)("envelope (%s)", (mode) => {
  describe.each(ALGORITHMS)("%s", (algorithm) => {
    it("round-trips strings and bytes in both token forms", async () => {
      const envelope = envelopeFor(mode, { algorithm });
      const token = await envelope.encrypt("sk_live_123 ✓", { context });
      expect(token).toMatch(/^mk2Ck1__[A-Za-z0-9_-]+$/);
      expect(await envelope.decryptString(token, { context })).toBe("sk_live_123 ✓");
      const bytes = new Uint8Array([0, 1, 2, 255]);
      const binary = await envelope.encryptBytes(bytes, { context });
      expect(binary[0]).toBe(1);
      expect([...(await envelope.decrypt(binary, { context }))]).toEqual([0, 1, 2, 255]);
      expect(
        (await envelope.decrypt(await envelope.encrypt(new Uint8Array(0), { context: {} }), { context: {} })).length,
      ).toBe(0);
    });

    it("fails with ERR_DECRYPT under another context, tenant or a missing tenant", async () => {
      const envelope = envelopeFor(mode, { algorithm });
      const token = await envelope.encrypt("secret", { context, tenantId: "t1" });
      expect(await outcome(envelope, token, { context: { ...context, rowId: 43 } })).toBe("ERR_DECRYPT");
      expect(await outcome(envelope, token, { context: { ...context, rowId: "42" } })).toBe("ERR_DECRYPT");
      expect(await outcome(envelope, token, { context: { ...context, extra: null } })).toBe("ERR_DECRYPT");
      expect(await outcome(envelope, token, { context, tenantId: "t2" })).toBe("ERR_DECRYPT");
      expect(await outcome(envelope, token, { context })).toBe("ERR_DECRYPT");
      expect(await envelope.decryptString(token, { context, tenantId: "t1" })).toBe("secret");
    });
  });

  it("never yields plaintext when any single byte of the binary form is changed", async () => {
    const envelope = envelopeFor(mode);
    const token = await envelope.encryptBytes("attack at dawn", { context, tenantId: "t1" });
    const keyIdEnd = 2 + (token[1] ?? 0);
    const refEnd = keyIdEnd + 1 + (mode === "store" ? 8 : 60);
    for (let i = 0; i < token.length; i++) {
      for (const mask of [0x01, 0x80]) {
        const tampered = token.slice();
        tampered[i] = (tampered[i] ?? 0) ^ mask;
        const code = await outcome(envelope, tampered, { context, tenantId: "t1" });
        // A changed key id names a key that does not exist: ERR_KEY_NOT_FOUND is the honest answer
        // (the master key id for stateless values, the data key id for stored ones).
        const namesAKey =
          (mode === "stateless" && i >= 2 && i < keyIdEnd) || (mode === "store" && i > keyIdEnd && i < refEnd);
        const allowed = namesAKey ? ["ERR_KEY_NOT_FOUND", "ERR_INVALID_INPUT"] : ["ERR_DECRYPT", "ERR_INVALID_INPUT"];
        expect(allowed, `byte ${String(i)} ^ ${String(mask)} gave ${code}`).toContain(code);
      }
    }
  });

  it("never yields plaintext when any character of the string form is changed", async () => {
    const envelope = envelopeFor(mode);
    const token = await envelope.encrypt("attack at dawn", { context });
    for (let i = 0; i < token.length; i++) {
      const c = token[i] === "A" ? "B" : "A";
      const code = await outcome(envelope, token.slice(0, i) + c + token.slice(i + 1));
      expect(["ERR_DECRYPT", "ERR_INVALID_INPUT", "ERR_KEY_NOT_FOUND"], `char ${String(i)} gave ${code}`).toContain(
        code,
      );
    }
  });

  it("rejects every truncation", async () => {
    const envelope = envelopeFor(mode);
    const bytes = await envelope.encryptBytes("attack at dawn", { context });
    for (let n = 0; n < bytes.length; n++) {
      expect(["ERR_DECRYPT", "ERR_INVALID_INPUT"]).toContain(await outcome(envelope, bytes.subarray(0, n)));
    }
    const token = await envelope.encrypt("attack at dawn", { context });
    for (let n = 0; n < token.length; n++) {
      expect(["ERR_DECRYPT", "ERR_INVALID_INPUT"]).toContain(await outcome(envelope, token.slice(0, n)));
    }
    expect(await outcome(envelope, new Uint8Array([...bytes, 0]))).toBe("ERR_DECRYPT");
  });

  it("says ERR_INVALID_INPUT for things that are not tokens and for bad arguments", async () => {
    const envelope = envelopeFor(mode);
    for (const bad of [
      ...WRONG_TYPES,
      "",
      "hello",
      "mk2.k1.AAAA",
      "mk1.k1",
      "mk1..AAAA",
      "mk1.k 1.AAAA",
      "mk1.k1.AA=A",
      // The string form v2: a lead that is not "mk2" ‖ c(L) ‖ key id ‖ the right number of "_".
      "mk2",
      "mk2C",
      "mk2Ck1_",
      "mk2Ck1_AAAA",
      "mk2Ck1_-AAAA",
      "mk2Ak1__AAAA",
      "mk2hk1__AAAA",
      "mk2Ek1__AAAA",
      "mk2Ck.__AAAA",
      "MK2Ck1__AAAA",
      "mk2Ck1__AA=A",
      "mk2Ck1__AAAAA",
      "mk2Ck1__AB",
      "mk2Ck1__EQ+/",
      "mk2Ck1__EQ AA",
      "mk2Ck1__EQ\nAA",
      new Uint8Array([2, 1, 65]),
    ]) {
      await expectMoatErrorAsync(envelope.decrypt(bad as never, { context }), "ERR_INVALID_INPUT");
    }
    for (const bad of [...WRONG_TYPES.filter((v) => typeof v !== "string"), new Uint16Array(2)]) {
      await expectMoatErrorAsync(envelope.encrypt(bad as never, { context }), "ERR_INVALID_INPUT");
    }
    const token = await envelope.encrypt("x", { context });
    for (const badOptions of [
      undefined,
      null,
      {},
      { context: null },
      { context: [] },
      { context: { a: { nested: 1 } } },
      { context: { a: Number.NaN } },
      { context: new Map() },
      { context, tenantId: "" },
      { context, tenantId: 7 },
      { context, tenantId: "x".repeat(257) },
      { context, tenantId: "t\uD800" },
      { context, tenantId: "\uDFFFt" },
    ]) {
      await expectMoatErrorAsync(envelope.encrypt("x", badOptions as never), "ERR_INVALID_INPUT");
      await expectMoatErrorAsync(envelope.decrypt(token, badOptions as never), "ERR_INVALID_INPUT");
    }
    await expectMoatErrorAsync(
      envelope.encrypt(new Uint8Array(64 * 1024 * 1024 + 1), { context }),
      "ERR_INVALID_INPUT",
    );
    await expectMoatErrorAsync(envelope.decrypt("mk1.k1." + "A".repeat(100_000_000), { context }), "ERR_INVALID_INPUT");
    await expectMoatErrorAsync(
      envelope.decrypt("mk2Ck1__" + "A".repeat(100_000_000), { context }),
      "ERR_INVALID_INPUT",
    );
  });

  it("answers keyIdOf, needsRewrap and dependencyOf with ERR_INVALID_INPUT for non-tokens", async () => {
    const envelope = envelopeFor(mode);
    for (const bad of [...WRONG_TYPES, "", "mk1.k1.***", "mk9.k1.AAAA", new Uint8Array(0)]) {
      expect(() => envelope.keyIdOf(bad as never)).toThrow(expect.objectContaining({ code: "ERR_INVALID_INPUT" }));
      await expectMoatErrorAsync(envelope.needsRewrap(bad as never), "ERR_INVALID_INPUT");
      await expectMoatErrorAsync(envelope.keys.dependencyOf(bad as never), "ERR_INVALID_INPUT");
    }
    await expectMoatErrorAsync(
      envelope.keys.rotateDataKeys({ tenantId: "" }),
      mode === "store" ? "ERR_INVALID_INPUT" : "ERR_CONFIG",
    );
  });

  it("fails with ERR_DECRYPT when the plaintext is not UTF-8 and decryptString is used", async () => {
    const envelope = envelopeFor(mode);
    const token = await envelope.encrypt(new Uint8Array([0xff, 0xfe]), { context });
    await expectMoatErrorAsync(envelope.decryptString(token, { context }), "ERR_DECRYPT");
  });

  it("names a missing master key with ERR_KEY_NOT_FOUND and never its bytes", async () => {
    const store = createMemoryDataKeyStore();
    const old = createEnvelope({ keyring: testKeyring(["gone"]), ...(mode === "store" ? { dataKeys: store } : {}) });
    const token = await old.encrypt("x", { context });
    const fresh = createEnvelope({ keyring: testKeyring(["k1"]), ...(mode === "store" ? { dataKeys: store } : {}) });
    const err = await expectMoatErrorAsync(fresh.decrypt(token, { context }), "ERR_KEY_NOT_FOUND");
    expect(err.message).toContain("gone");
  });

  it("reuses one salt across a batch and never a nonce", async () => {
    const envelope = envelopeFor(mode);
    const a = await envelope.encryptBytes("same", { context });
    const b = await envelope.encryptBytes("same", { context });
    const saltAt = 2 + 2 + 1 + (mode === "store" ? 8 : 60);
    expect(Buffer.from(a.subarray(saltAt, saltAt + 16))).toEqual(Buffer.from(b.subarray(saltAt, saltAt + 16)));
    expect(Buffer.from(a.subarray(saltAt + 32, saltAt + 44))).not.toEqual(
      Buffer.from(b.subarray(saltAt + 32, saltAt + 44)),
    );
    const other = envelopeFor(mode);
    const c = await other.encryptBytes("same", { context });
    expect(Buffer.from(c.subarray(saltAt, saltAt + 16))).not.toEqual(Buffer.from(a.subarray(saltAt, saltAt + 16)));
    expect(MESSAGES_PER_SALT).toBe(2 ** 20);
  });

  it("reports the key id, and rewraps under a new primary key", async () => {
    const store = createMemoryDataKeyStore();
    const withStore = mode === "store" ? { dataKeys: store } : {};
    const v1 = createEnvelope({ keyring: testKeyring(["k1"]), ...withStore });
    const token = await v1.encrypt("rotate me", { context, tenantId: "t1" });
    expect(v1.keyIdOf(token)).toBe("k1");
    expect(await v1.needsRewrap(token)).toBe(false);
    const v2 = createEnvelope({ keyring: testKeyring(["k2", "k1"]), ...withStore });
    expect(await v2.needsRewrap(token)).toBe(true);
    const rewrapped = await v2.rewrap(token, { context, tenantId: "t1" });
    expect(v2.keyIdOf(rewrapped)).toBe("k2");
    expect(await v2.needsRewrap(rewrapped)).toBe(false);
    expect(await v2.decryptString(rewrapped, { context, tenantId: "t1" })).toBe("rotate me");
    expect((await v2.keys.dependencyOf(rewrapped)).masterKeyId).toBe("k2");
    const bytes = await v1.encryptBytes("b", { context });
    expect(v2.keyIdOf(await v2.rewrapBytes(bytes, { context }))).toBe("k2");
    await expectMoatErrorAsync(v2.rewrap(token, { context, tenantId: "t2" }), "ERR_DECRYPT");
    await expectMoatErrorAsync(v2.rewrap(bytes as never, { context }), "ERR_INVALID_INPUT");
    // Old master keys keep decrypting until removed.
    expect(await v2.decryptString(token, { context, tenantId: "t1" })).toBe("rotate me");
  });
});

describe("envelope with a data key store", () => {
  it("keeps per-tenant data keys and shreds one tenant without touching others", async () => {
    const store = createMemoryDataKeyStore();
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store });
    const t1 = await envelope.encrypt("t1 secret", { context, tenantId: "t1" });
    const t2 = await envelope.encrypt("t2 secret", { context, tenantId: "t2" });
    const shared = await envelope.encrypt("default", { context });
    expect(await store.getCurrentDataKey("t1")).toBeDefined();
    const { dataKeysDestroyed } = await envelope.keys.shredTenant("t1");
    expect(dataKeysDestroyed).toBe(1);
    const err = await expectMoatErrorAsync(envelope.decrypt(t1, { context, tenantId: "t1" }), "ERR_KEY_NOT_FOUND");
    expect(err.message).toMatch(/data key \S+ not found/);
    expect(await envelope.decryptString(t2, { context, tenantId: "t2" })).toBe("t2 secret");
    expect(await envelope.decryptString(shared, { context })).toBe("default");
    // A new value for the tenant gets a new key; the old values stay unreadable.
    const again = await envelope.encrypt("new", { context, tenantId: "t1" });
    expect(await envelope.decryptString(again, { context, tenantId: "t1" })).toBe("new");
    await expectMoatErrorAsync(envelope.decrypt(t1, { context, tenantId: "t1" }), "ERR_KEY_NOT_FOUND");
    await expectMoatErrorAsync(envelope.keys.shredTenant(""), "ERR_INVALID_INPUT");
    await expectMoatErrorAsync(envelope.keys.shredTenant(5 as never), "ERR_INVALID_INPUT");
  });

  it("stops decrypting a shredded tenant in other processes once their cache expires", async () => {
    const store = createMemoryDataKeyStore();
    const clock = fakeClock();
    const a = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store, now: clock.now, cacheTtl: "1m" });
    const b = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store, now: clock.now, cacheTtl: "1m" });
    const token = await a.encrypt("x", { context, tenantId: "t1" });
    expect(await b.decryptString(token, { context, tenantId: "t1" })).toBe("x");
    await a.keys.shredTenant("t1");
    expect(await b.decryptString(token, { context, tenantId: "t1" })).toBe("x"); // still cached in b
    clock.advance(60_001);
    await expectMoatErrorAsync(b.decrypt(token, { context, tenantId: "t1" }), "ERR_KEY_NOT_FOUND");
  });

  it("keeps at most cacheMaxEntries data keys in memory, dropping the least recently used", async () => {
    const store = createMemoryDataKeyStore();
    let reads = 0;
    const counting: DataKeyStore = { ...store, getDataKey: (id) => (reads++, store.getDataKey(id)) };
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: counting, cacheMaxEntries: 2 });
    const tenants = ["t1", "t2", "t3"];
    const tokens: string[] = [];
    for (const t of tenants) tokens.push(await envelope.encrypt(t, { context, tenantId: t }));
    const read = async (i: number): Promise<string> =>
      envelope.decryptString(tokens[i]!, { context, tenantId: tenants[i]! });
    expect([await read(2), await read(1)]).toEqual(["t3", "t2"]);
    expect(reads).toBe(0);
    expect(await read(0)).toBe("t1"); // t1's key was dropped when t3's came in
    expect(reads).toBe(1);
    expect(await read(0)).toBe("t1");
    expect(reads).toBe(1);
  });

  it("caches data keys: one store read per key within the TTL", async () => {
    const store = createMemoryDataKeyStore();
    let reads = 0;
    const counting: DataKeyStore = {
      ...store,
      getDataKey: (id) => (reads++, store.getDataKey(id)),
      getCurrentDataKey: (s) => (reads++, store.getCurrentDataKey(s)),
    };
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: counting });
    const tokens = await Promise.all(
      Array.from({ length: 20 }, (_, i) => envelope.encrypt(`v${String(i)}`, { context, tenantId: "t1" })),
    );
    for (const t of tokens) await envelope.decrypt(t, { context, tenantId: "t1" });
    expect(reads).toBe(1);
    const reader = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: counting });
    reads = 0;
    for (const t of tokens) await reader.decrypt(t, { context, tenantId: "t1" });
    expect(reads).toBe(1);
  });

  it("rotates a tenant's data key: old values decrypt and need a rewrap, new ones use the new key", async () => {
    const store = createMemoryDataKeyStore();
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store });
    const before = await envelope.encrypt("x", { context, tenantId: "t1" });
    const { dataKeyId } = await envelope.keys.rotateDataKeys({ tenantId: "t1" });
    expect((await store.getCurrentDataKey("t1"))?.id).toBe(dataKeyId);
    expect(await envelope.needsRewrap(before)).toBe(true);
    const after = await envelope.encrypt("y", { context, tenantId: "t1" });
    expect((await envelope.keys.dependencyOf(after)).dataKeyId).toBe(dataKeyId);
    expect(await envelope.needsRewrap(after)).toBe(false);
    expect(await envelope.decryptString(before, { context, tenantId: "t1" })).toBe("x");
  });

  it("re-wraps stored data keys under the new primary without touching values, so the old key can go", async () => {
    const store = createMemoryDataKeyStore();
    const v1 = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store });
    const tokens = await Promise.all(["a", "b", "c"].map((t) => v1.encrypt(t, { context, tenantId: t })));
    const v2 = createEnvelope({ keyring: testKeyring(["k2", "k1"]), dataKeys: store });
    expect(await v2.keys.countDataKeysByMasterKey()).toEqual({ k1: 3 });
    const result = await v2.keys.rewrapDataKeys({ batchSize: 2 });
    expect(result).toMatchObject({ scanned: 3, rewrapped: 3, alreadyCurrent: 0, remainingByMasterKeyId: { k2: 3 } });
    expect((await v2.keys.rewrapDataKeys()).rewrapped).toBe(0);
    expect(await v2.keys.countDataKeysByMasterKey()).toEqual({ k2: 3 });
    const k2only = createEnvelope({ keyring: testKeyring(["k2"]), dataKeys: store });
    for (const [i, t] of ["a", "b", "c"].entries()) {
      expect(await k2only.decryptString(tokens[i]!, { context, tenantId: t })).toBe(t);
      expect(k2only.keyIdOf(tokens[i]!)).toBe("k1"); // the token records where it was written
      expect((await k2only.keys.dependencyOf(tokens[i]!)).masterKeyId).toBe("k2"); // what it needs now
    }
    const aborted = new AbortController();
    aborted.abort();
    await expectMoatErrorAsync(v2.keys.rewrapDataKeys({ signal: aborted.signal }), "ERR_ABORTED");
  });

  it("reads stateless values, and rewraps them into stored data keys", async () => {
    const store = createMemoryDataKeyStore();
    const stateless = createEnvelope({ keyring: testKeyring(["k1"]) });
    const stored = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store });
    const token = await stateless.encrypt("x", { context });
    expect(await stored.decryptString(token, { context })).toBe("x");
    expect(await stored.needsRewrap(token)).toBe(true);
    const moved = await stored.rewrap(token, { context });
    expect(moved.length).toBeLessThan(token.length);
    const err = await expectMoatErrorAsync(stateless.decrypt(moved, { context }), "ERR_KEY_NOT_FOUND");
    expect(err.message).toContain("no dataKeys store");
  });

  it("makes exactly one data key when many first encryptions race in one process", async () => {
    const store = createMemoryDataKeyStore();
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store });
    const tokens = await Promise.all(
      Array.from({ length: 30 }, () => envelope.encrypt("x", { context, tenantId: "race" })),
    );
    const ids = new Set(await Promise.all(tokens.map(async (t) => (await envelope.keys.dependencyOf(t)).dataKeyId)));
    expect(ids.size).toBe(1);
  });

  it("needs a store for store-only operations", async () => {
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]) });
    await expectMoatErrorAsync(envelope.keys.shredTenant("t1"), "ERR_CONFIG");
    await expectMoatErrorAsync(envelope.keys.rotateDataKeys(), "ERR_CONFIG");
    await expectMoatErrorAsync(envelope.keys.rewrapDataKeys(), "ERR_CONFIG");
    await expectMoatErrorAsync(envelope.keys.countDataKeysByMasterKey(), "ERR_CONFIG");
  });
});

describe("createEnvelope options", () => {
  it("rejects invalid options with ERR_CONFIG", async () => {
    const { expectMoatError } = await import("../helpers/assertions.js");
    for (const bad of [
      undefined,
      null,
      {},
      { keyring: { primaryKeyId: "k1", keyIds: ["k1"], has: () => true } },
      { keyring: testKeyring(), algorithm: "aes-128-gcm" },
      { keyring: testKeyring(), cacheTtl: -1 },
      { keyring: testKeyring(), cacheTtl: "soon" },
      { keyring: testKeyring(), backend: "openssl" },
      { keyring: testKeyring(), dataKeys: 5 },
      { keyring: testKeyring(), random: 5 },
    ]) {
      expectMoatError(() => createEnvelope(bad as never), "ERR_CONFIG");
    }
  });

  it("checks the random source it is given", async () => {
    const envelope = createEnvelope({ keyring: testKeyring(), random: () => new Uint8Array(3) });
    await expectMoatErrorAsync(envelope.encrypt("x", { context }), "ERR_CONFIG");
  });
});

describe("cross-backend", () => {
  it("produces byte-identical tokens on node:crypto and noble for the same randomness", async () => {
    for (const algorithm of ALGORITHMS) {
      for (const mode of MODES) {
        const make = (backend: "node" | "noble") =>
          createEnvelope({
            keyring: testKeyring(["k1"]),
            algorithm,
            backend,
            random: seededRandom(7),
            now: () => Date.UTC(2026, 0, 1),
            ...(mode === "store" ? { dataKeys: createMemoryDataKeyStore() } : {}),
          });
        const node = make("node");
        const noble = make("noble");
        const a = await node.encryptBytes("same bytes", { context, tenantId: "t" });
        const b = await noble.encryptBytes("same bytes", { context, tenantId: "t" });
        expect(Buffer.from(a).toString("hex"), `${algorithm} ${mode}`).toBe(Buffer.from(b).toString("hex"));
      }
    }
  });

  it("decrypts on one backend what the other encrypted (0..64 KiB, random contexts)", async () => {
    const store = createMemoryDataKeyStore();
    const envelopes = {
      node: createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store, backend: "node" }),
      noble: createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store, backend: "noble" }),
      nodeStateless: createEnvelope({ keyring: testKeyring(["k1"]), backend: "node", algorithm: "xchacha20-poly1305" }),
      nobleStateless: createEnvelope({
        keyring: testKeyring(["k1"]),
        backend: "noble",
        algorithm: "xchacha20-poly1305",
      }),
    };
    const contextArb = fc.dictionary(
      fc.string({ maxLength: 12 }),
      fc.oneof(
        fc.string(),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
      ),
      { maxKeys: 6 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 256 }),
          fc.integer({ min: 0, max: 64 * 1024 }).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
        ),
        contextArb,
        fc.option(fc.string({ minLength: 1, maxLength: 40 }), { nil: undefined }),
        fc.boolean(),
        fc.boolean(),
        async (plaintext, ctx, tenantId, nodeFirst, stateless) => {
          const [from, to] = stateless
            ? nodeFirst
              ? [envelopes.nodeStateless, envelopes.nobleStateless]
              : [envelopes.nobleStateless, envelopes.nodeStateless]
            : nodeFirst
              ? [envelopes.node, envelopes.noble]
              : [envelopes.noble, envelopes.node];
          const options = { context: ctx, tenantId };
          const token = await from.encrypt(plaintext, options);
          expect(Buffer.from(await to.decrypt(token, options)).equals(Buffer.from(plaintext))).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  }, 60_000);

  it("never throws anything but a MoatError on garbage", async () => {
    const envelope = envelopeFor("store");
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.uint8Array(),
          fc.string().map((s) => `mk1.k1.${s}`),
          fc.string().map((s) => `mk2Ck1__${s}`),
        ),
        async (garbage) => {
          const code = await outcome(envelope, garbage);
          expect(["ERR_DECRYPT", "ERR_INVALID_INPUT", "ERR_KEY_NOT_FOUND"]).toContain(code);
        },
      ),
    );
  });
});

describe("keyrings built in code", () => {
  it("accepts keys as bytes or Secrets", async () => {
    const { Secret } = await import("../../src/_internal/secret.js");
    const keyring = createKeyring([
      { id: "a", key: new Secret(new Uint8Array(32).fill(1)) },
      { id: "b", key: new Uint8Array(32).fill(2) },
    ]);
    const envelope = createEnvelope({ keyring });
    expect(envelope.keyIdOf(await envelope.encrypt("x", { context: {} }))).toBe("a");
  });
});
