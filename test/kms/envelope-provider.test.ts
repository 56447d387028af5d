/**
 * The envelope's side of key providers, with an in-process provider (no HTTP): keyring entries,
 * what a provider may answer and what the envelope makes of it, the deadline, and the limit on
 * messages per cached data key. The service-level behaviour runs in envelope-suite.ts.
 */
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { createMemoryDataKeyStore } from "../../src/adapters/memory/index.js";
import {
  type KeyProvider,
  KeyProviderError,
  createBlindIndex,
  createEnvelope,
  createKeyring,
} from "../../src/crypto/index.js";
import { MoatError } from "../../src/errors.js";
import { WRONG_TYPES, expectMoatError } from "../helpers/assertions.js";
import { deterministicProvider } from "./test-provider.js";

const context = { table: "t", column: "c", rowId: 1 };
const SECRET = Buffer.alloc(32, 9);
const LOCAL = Buffer.alloc(32, 3);

async function rejection(promise: Promise<unknown>): Promise<MoatError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(MoatError);
    return error as MoatError;
  }
  throw new Error("expected a rejection");
}

function withProvider(provider: KeyProvider, extra: Record<string, unknown> = {}) {
  return createEnvelope({ keyring: createKeyring([{ id: "kms", provider }]), keyProviderDeadline: 300, ...extra });
}

describe("keyring entries held by key providers", () => {
  it("lists provider and retired entries, and shows neither key bytes nor the provider", () => {
    const provider = deterministicProvider(SECRET);
    const keyring = createKeyring([
      { id: "kms", provider },
      { id: "env", key: LOCAL },
      { id: "old", key: Buffer.alloc(32, 4), retired: true },
    ]);
    expect(keyring.primaryKeyId).toBe("kms");
    expect(keyring.providerKeyIds).toEqual(["kms"]);
    expect(keyring.retiredKeyIds).toEqual(["old"]);
    expect(keyring.has("old")).toBe(true);
    for (const shown of [inspect(keyring, { depth: 5, showHidden: true }), JSON.stringify(keyring)]) {
      expect(shown).not.toContain("test-kms");
      expect(shown).not.toContain(LOCAL.toString("base64"));
    }
  });

  it("refuses a retired primary, a duplicate id, and anything that is not a provider", () => {
    const provider = deterministicProvider(SECRET);
    expectMoatError(() => createKeyring([{ id: "kms", provider, retired: true }]), "ERR_CONFIG");
    expectMoatError(
      () =>
        createKeyring([
          { id: "kms", provider },
          { id: "kms", key: LOCAL },
        ]),
      "ERR_CONFIG",
    );
    expectMoatError(() => createKeyring([{ id: "kms", provider, key: LOCAL }]), "ERR_CONFIG");
    for (const bad of [
      ...WRONG_TYPES,
      { kind: "x", keyName: "y", wrap: 1, unwrap: () => 1 },
      { ...provider, generate: 1 },
    ])
      expectMoatError(() => createKeyring([{ id: "kms", provider: bad as never }]), "ERR_CONFIG");
  });

  it("derives no blind index from a provider's key, and says to pin a local one", () => {
    const keyring = createKeyring([
      { id: "kms", provider: deterministicProvider(SECRET) },
      { id: "env", key: LOCAL },
    ]);
    const error = expectMoatError(() => createBlindIndex({ keyring, name: "users.email", bits: 32 }), "ERR_CONFIG");
    expect(error.message).toContain("local master key");
    expect(createBlindIndex({ keyring, name: "users.email", bits: 32, keyId: "env" }).index("a")).toMatch(
      /^[0-9a-f]{8}$/,
    );
  });

  it("refuses bad maxMessagesPerDataKey and keyProviderDeadline options", () => {
    const keyring = createKeyring([{ id: "env", key: LOCAL }]);
    for (const bad of [0, 1.5, -1, 2 ** 33, "10"])
      expectMoatError(() => createEnvelope({ keyring, maxMessagesPerDataKey: bad as never }), "ERR_CONFIG");
    for (const bad of ["soon", -5, null])
      expectMoatError(() => createEnvelope({ keyring, keyProviderDeadline: bad as never }), "ERR_CONFIG");
  });
});

describe("what a provider answers, and what the envelope makes of it", () => {
  it("treats an unwrap answered undefined as a key that does not authenticate: ERR_INTEGRITY stored, ERR_DECRYPT stateless", async () => {
    const good = deterministicProvider(SECRET);
    const refusing: KeyProvider = { ...good, unwrap: () => Promise.resolve(undefined) };
    const store = createMemoryDataKeyStore();
    const stored = await withProvider(good, { dataKeys: store }).encrypt("x", { context });
    const stateless = await withProvider(good).encrypt("x", { context });
    expect((await rejection(withProvider(refusing, { dataKeys: store }).decrypt(stored, { context }))).code).toBe(
      "ERR_INTEGRITY",
    );
    expect((await rejection(withProvider(refusing).decrypt(stateless, { context }))).code).toBe("ERR_DECRYPT");
  });

  const malformed: [string, Partial<KeyProvider>][] = [
    ["an empty wrap", { wrap: () => Promise.resolve(new Uint8Array(0)) }],
    ["a wrap over 2048 bytes", { wrap: () => Promise.resolve(new Uint8Array(2049)) }],
    ["a wrap that is not bytes", { wrap: () => Promise.resolve("abc" as never) }],
    ["a plain Error", { wrap: () => Promise.reject(new Error("socket hang up")) }],
    [
      "a synchronous throw",
      {
        wrap: () => {
          throw new TypeError("bug");
        },
      },
    ],
  ];
  for (const [what, override] of malformed) {
    it(`fails closed on ${what}: ERR_KEY_PROVIDER, once, nothing written`, async () => {
      const store = createMemoryDataKeyStore();
      let calls = 0;
      const base = deterministicProvider(SECRET);
      const wrap = override.wrap ?? base.wrap;
      const provider: KeyProvider = { ...base, wrap: (...args) => (calls++, wrap(...args)) };
      const error = await rejection(withProvider(provider, { dataKeys: store }).encrypt("x", { context }));
      expect(error.code).toBe("ERR_KEY_PROVIDER");
      expect(error.details).toMatchObject({ failure: "invalid_response", attempts: 1, keyId: "kms", kind: "test-kms" });
      expect(calls).toBe(1);
      expect(await store.countDataKeysByMasterKey()).toEqual({});
    });
  }

  it("refuses an unwrapped key that is not 32 bytes", async () => {
    const good = deterministicProvider(SECRET);
    const token = await withProvider(good).encrypt("x", { context });
    const short: KeyProvider = { ...good, unwrap: () => Promise.resolve(new Uint8Array(16)) };
    expect((await rejection(withProvider(short).decrypt(token, { context }))).code).toBe("ERR_KEY_PROVIDER");
  });

  it("gives up at the deadline on a provider that ignores its signal, and aborts the signal it was handed", async () => {
    let seen: AbortSignal | undefined;
    const hanging: KeyProvider = {
      ...deterministicProvider(SECRET),
      wrap: (_key, _context, { signal }) => {
        seen = signal;
        return new Promise<Uint8Array>(() => undefined);
      },
    };
    const error = await rejection(withProvider(hanging, { keyProviderDeadline: 50 }).encrypt("x", { context }));
    expect(error.code).toBe("ERR_KEY_PROVIDER");
    expect(error.details).toMatchObject({ failure: "timeout" });
    expect(seen?.aborted).toBe(true);
  });

  it("keeps key bytes and ciphertexts out of ERR_KEY_PROVIDER", async () => {
    const leaky: KeyProvider = {
      ...deterministicProvider(SECRET),
      wrap: (key) =>
        Promise.reject(new KeyProviderError("denied", "vault transit: permission denied (403)", { cause: key })),
    };
    const error = await rejection(withProvider(leaky).encrypt("x", { context }));
    expect(error.details).toMatchObject({ failure: "denied", attempts: 1 });
    expect(error.message).not.toMatch(/[A-Za-z0-9+/]{40}/);
  });
});

describe("maxMessagesPerDataKey", () => {
  it("makes a new stateless data key after that many messages, and unwraps a cached read key again", async () => {
    const provider = deterministicProvider(SECRET);
    const envelope = withProvider(provider, { maxMessagesPerDataKey: 3 });
    const tokens = [];
    for (let i = 0; i < 7; i++) tokens.push(await envelope.encryptBytes(`m${String(i)}`, { context }));
    expect(provider.counts.wrap).toBe(3);
    const reader = withProvider(provider, { maxMessagesPerDataKey: 3 });
    for (let i = 0; i < 7; i++) expect(await reader.decryptString(tokens[0]!, { context })).toBe("m0");
    expect(provider.counts.unwrap).toBe(3);
  });

  it("unwraps a stored writing key again after that many messages, keeping the same data key", async () => {
    const provider = deterministicProvider(SECRET);
    const store = createMemoryDataKeyStore();
    const envelope = withProvider(provider, { dataKeys: store, maxMessagesPerDataKey: 2 });
    const tokens = [];
    for (let i = 0; i < 5; i++) tokens.push(await envelope.encrypt(`m${String(i)}`, { context, tenantId: "t" }));
    expect(provider.counts.wrap).toBe(1);
    expect(provider.counts.unwrap).toBe(2);
    expect(await store.countDataKeysByMasterKey()).toEqual({ kms: 1 });
    for (const [i, t] of tokens.entries())
      expect(await envelope.decryptString(t, { context, tenantId: "t" })).toBe(`m${String(i)}`);
  });
});
