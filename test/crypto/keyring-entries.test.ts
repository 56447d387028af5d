/**
 * createKeyring's entries: which entry is primary, decrypt-only and retired entries, duplicate
 * ids, key lengths and types, the shape a key provider must have, and what a keyring exposes
 * (ids only, never key bytes). Errors are ERR_CONFIG naming the entry at fault, never its bytes.
 */
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { Secret } from "../../src/_internal/secret.js";
import { type KeyProvider, createKeyring, generateMasterKey } from "../../src/crypto/index.js";
import { type MasterKeyring, keyringEntry, masterKeyBytes } from "../../src/crypto/keyring.js";
import { expectMoatError } from "../helpers/assertions.js";

function fakeProvider(extra: Record<string, unknown> = {}): KeyProvider {
  return {
    kind: "fake-kms",
    keyName: "projects/p/keys/k/versions/1",
    wrap: () => Promise.resolve(new Uint8Array(40)),
    unwrap: () => Promise.resolve(undefined),
    ...extra,
  };
}

function keyBytes(fill: number, length = 32): Uint8Array {
  return new Uint8Array(length).fill(fill);
}

describe("createKeyring entries", () => {
  it("makes the first entry primary, lists every id in order, and names retired and provider entries", () => {
    const keyring = createKeyring([
      { id: "kms2026", provider: fakeProvider() },
      { id: "k2025", key: keyBytes(1) },
      { id: "k2024", key: new Secret(keyBytes(2)), retired: true },
      { id: "k2023", provider: fakeProvider(), retired: false },
    ]);
    expect(keyring.primaryKeyId).toBe("kms2026");
    expect(keyring.keyIds).toEqual(["kms2026", "k2025", "k2024", "k2023"]);
    expect(keyring.retiredKeyIds).toEqual(["k2024"]);
    expect(keyring.providerKeyIds).toEqual(["kms2026", "k2023"]);
    expect(keyring.has("k2024")).toBe(true);
    expect(keyring.has("k2022")).toBe(false);
    expect(Object.isFrozen(keyring)).toBe(true);
    expect(Object.isFrozen(keyring.keyIds)).toBe(true);
  });

  it("accepts a generateMasterKey() result as it is", () => {
    const generated = generateMasterKey({ id: "gen1" });
    const keyring = createKeyring([generated]);
    expect(keyring.primaryKeyId).toBe("gen1");
    expect(masterKeyBytes(keyring, "gen1")).toEqual(generated.key.reveal());
  });

  it("refuses a duplicate id, local or provider, naming the id", () => {
    for (const keys of [
      [
        { id: "dup", key: keyBytes(1) },
        { id: "dup", key: keyBytes(2) },
      ],
      [
        { id: "a", key: keyBytes(1) },
        { id: "dup", provider: fakeProvider() },
        { id: "dup", key: keyBytes(3) },
      ],
    ]) {
      const err = expectMoatError(() => createKeyring(keys), "ERR_CONFIG");
      expect(err.message).toBe("master key id dup appears twice");
    }
  });

  it("refuses a key that is not 32 bytes, naming the id and the length, never the bytes", () => {
    for (const key of [keyBytes(0xab, 31), keyBytes(0xab, 33), keyBytes(0xab, 0), new Secret(keyBytes(0xab, 16))]) {
      const err = expectMoatError(() => createKeyring([{ id: "short", key }]), "ERR_CONFIG");
      expect(err.message).toBe("master key short must be 32 bytes");
      expect(inspect(err, { depth: 10 })).not.toMatch(/171, 171|abab|q6ur/i);
    }
    const secretString = expectMoatError(
      () => createKeyring([{ id: "str", key: new Secret("x".repeat(32)) as never }]),
      "ERR_CONFIG",
    );
    expect(secretString.message).toBe("master key str must be 32 bytes");
    expect(secretString.message).not.toContain("xxxx");
  });

  it("refuses a key of another type, saying which entry of the keyring is invalid", () => {
    const err = expectMoatError(() => createKeyring([{ id: "k1", key: "y".repeat(32) as never }]), "ERR_CONFIG");
    expect(err.message).toBe('invalid keyring at "0"');
    expect(err.message).not.toContain("yyyy");
    const empty = expectMoatError(() => createKeyring([]), "ERR_CONFIG");
    expect(empty.message).toBe("invalid keyring");
  });

  it("refuses a retired primary, naming it, and accepts retired entries after it", () => {
    const err = expectMoatError(
      () =>
        createKeyring([
          { id: "old", key: keyBytes(1), retired: true },
          { id: "new", key: keyBytes(2) },
        ]),
      "ERR_CONFIG",
    );
    expect(err.message).toBe("master key old is first (primary) and cannot be retired");
    const providerErr = expectMoatError(
      () => createKeyring([{ id: "kms", provider: fakeProvider(), retired: true }]),
      "ERR_CONFIG",
    );
    expect(providerErr.message).toContain("master key kms is first (primary)");
    const ok = createKeyring([
      { id: "new", key: keyBytes(2) },
      { id: "old", key: keyBytes(1), retired: true },
    ]);
    expect(ok.retiredKeyIds).toEqual(["old"]);
  });

  it("shows ids only: inspect, JSON and spread never reveal local key bytes or providers", () => {
    const provider = fakeProvider({ keyName: "secret-key-name-xyz" });
    const keyring = createKeyring([
      { id: "k1", key: keyBytes(0xab) },
      { id: "p1", provider },
    ]);
    const shown = [
      inspect(keyring, { depth: 10, showHidden: true }),
      JSON.stringify(keyring),
      JSON.stringify({ ...keyring }),
    ].join("\n");
    expect(shown).not.toMatch(/abab|q6ur|171, 171|secret-key-name-xyz|fake-kms/i);
    expect(shown).toContain("k1");
    expect(shown).toContain("p1");
  });
});

describe("createKeyring provider entries", () => {
  it("accepts a provider with kind, keyName, wrap, unwrap and an optional generate", () => {
    const generate = (): Promise<never> => Promise.reject(new Error("unused"));
    const keyring = createKeyring([
      { id: "p1", provider: fakeProvider() },
      { id: "p2", provider: fakeProvider({ generate }) },
    ]);
    expect(keyring.providerKeyIds).toEqual(["p1", "p2"]);
    expect(keyringEntry(keyring, "p2")).toMatchObject({ kind: "provider", id: "p2", retired: false });
    expect(masterKeyBytes(keyring, "p2")).toBeUndefined();
  });

  const notProviders: [string, Record<string, unknown>][] = [
    ["kind missing", { kind: undefined }],
    ["kind not a string", { kind: 7 }],
    ["keyName missing", { keyName: undefined }],
    ["keyName not a string", { keyName: 7 }],
    ["wrap not a function", { wrap: "wrap" }],
    ["unwrap missing", { unwrap: undefined }],
    ["unwrap not a function", { unwrap: {} }],
    ["generate not a function", { generate: true }],
  ];
  it.each(notProviders)("refuses a provider with %s (ERR_CONFIG at that entry)", (_why, extra) => {
    const err = expectMoatError(
      () =>
        createKeyring([
          { id: "ok", key: keyBytes(1) },
          { id: "bad", provider: fakeProvider(extra) },
        ]),
      "ERR_CONFIG",
    );
    expect(err.message).toBe('invalid keyring at "1"');
  });

  it("refuses a provider that is not an object", () => {
    for (const provider of [null, "vault", 5]) {
      const err = expectMoatError(() => createKeyring([{ id: "p", provider: provider as never }]), "ERR_CONFIG");
      expect(err.message).toBe('invalid keyring at "0"');
    }
  });
});

describe("keyring entries (internal look-ups)", () => {
  it("returns undefined, without throwing, for a keyring createKeyring did not make", () => {
    const real = createKeyring([{ id: "k1", key: keyBytes(1) }]);
    const forged: MasterKeyring = { ...real };
    expect(keyringEntry(forged, "k1")).toBeUndefined();
    expect(masterKeyBytes(forged, "k1")).toBeUndefined();
    expect(masterKeyBytes(real, "k1")).toEqual(keyBytes(1));
    expect(masterKeyBytes(real, "k2")).toBeUndefined();
  });
});
