/**
 * The envelope over a key provider, run for every provider against its emulator: the same
 * `createEnvelope` users call, with the provider as a keyring entry. Each provider's test file
 * calls `describeProviderEnvelope(name, setUp)`; `setUp` starts a fresh emulator and returns the
 * provider and its controls (the same shape `describeKeyProvider` takes), optionally with a
 * second provider (another key) that rotation moves to.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { createMemoryDataKeyStore } from "../../src/adapters/memory/index.js";
import { type Envelope, type MasterKeyInput, createEnvelope, createKeyring } from "../../src/crypto/index.js";
import type { KeyProvider } from "../../src/crypto/key-provider.js";
import type { DataKeyStore } from "../../src/crypto/store.js";
import { tenantScope } from "../../src/crypto/context.js";
import { MoatError } from "../../src/errors.js";
import type { ProviderUnderTest } from "./provider-suite.js";

/** What a provider's test file hands the envelope suite. */
export interface ProviderEnvelopeUnderTest extends ProviderUnderTest {
  /** Another key of the same service, for rotating to a new primary entry; default `provider` again. */
  readonly next?: KeyProvider;
}

const context = { table: "integrations", column: "api_key", rowId: 7 };
const LOCAL = randomBytes(32);

function envelopeOf(keys: readonly MasterKeyInput[], store?: DataKeyStore, deadline = 2000): Envelope {
  return createEnvelope({
    keyring: createKeyring(keys),
    keyProviderDeadline: deadline,
    ...(store === undefined ? {} : { dataKeys: store }),
  });
}

async function rejection(promise: Promise<unknown>): Promise<MoatError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(MoatError);
    return error as MoatError;
  }
  throw new Error("expected a rejection, and the call succeeded");
}

function relabel(token: Uint8Array, from: string, to: string): Uint8Array {
  expect(to.length).toBe(from.length);
  const out = Uint8Array.from(token);
  expect(Buffer.from(out.subarray(2, 2 + from.length)).toString()).toBe(from);
  out.set(Buffer.from(to), 2);
  return out;
}

/** Registers the envelope-over-a-provider suite for one provider. */
export function describeProviderEnvelope(name: string, setUp: () => Promise<ProviderEnvelopeUnderTest>): void {
  describe(`envelope over a key provider: ${name}`, () => {
    let subject: ProviderEnvelopeUnderTest;
    const total = (): number => Object.values(subject.emulator.calls()).reduce((n, c) => n + c, 0);
    const kms = (): MasterKeyInput => ({ id: "kms1", provider: subject.provider });
    beforeAll(async () => {
      subject = await setUp();
    });
    afterAll(async () => {
      await subject.emulator.close();
    });

    it("round-trips values with stored and with stateless data keys, in both forms", async () => {
      for (const store of [createMemoryDataKeyStore(), undefined]) {
        const envelope = envelopeOf([kms()], store);
        const token = await envelope.encrypt("sk_live_provider", { context, tenantId: "t1" });
        expect(envelope.keyIdOf(token)).toBe("kms1");
        expect(await envelope.decryptString(token, { context, tenantId: "t1" })).toBe("sk_live_provider");
        const bytes = await envelope.encryptBytes("binary", { context, tenantId: "t1" });
        expect(await envelopeOf([kms()], store).decryptString(bytes, { context, tenantId: "t1" })).toBe("binary");
      }
    });

    it("binds a stored data key to its tenant at the KMS: tenant A's key presented as tenant B's does not unwrap", async () => {
      const store = createMemoryDataKeyStore();
      const token = await envelopeOf([kms()], store).encrypt("for A", { context, tenantId: "A" });
      // A store that lies: A's record (same id, same wrap) comes back labelled as tenant B's.
      const lying: DataKeyStore = {
        ...store,
        getDataKey: async (id) => {
          const record = await store.getDataKey(id);
          return record === null ? null : { ...record, scope: tenantScope("B") };
        },
      };
      const error = await rejection(envelopeOf([kms()], lying).decrypt(token, { context, tenantId: "B" }));
      expect(error.code).toBe("ERR_INTEGRITY");
    });

    it("refuses a provider-wrapped token relabelled to a local key id, and a local token relabelled to the provider's", async () => {
      const keys: MasterKeyInput[] = [kms(), { id: "env1", key: LOCAL }];
      const fromProvider = await envelopeOf(keys).encryptBytes("p", { context });
      const fromLocal = await envelopeOf([{ id: "env1", key: LOCAL }, kms()]).encryptBytes("l", { context });
      const before = total();
      for (const forged of [relabel(fromProvider, "kms1", "env1"), relabel(fromLocal, "env1", "kms1")])
        expect((await rejection(envelopeOf(keys).decrypt(forged, { context }))).code).toBe("ERR_DECRYPT");
      expect(total(), "a relabelled token never reaches the KMS").toBe(before);
    });

    it("wraps under the pinned version after a rotation at the service, and older values still decrypt", async () => {
      const store = createMemoryDataKeyStore();
      const old = await envelopeOf([kms()], store).encrypt("before", { context, tenantId: "pin" });
      await subject.emulator.rotate();
      const envelope = envelopeOf([kms()], store);
      await envelope.encrypt("after", { context, tenantId: "pin-2" });
      expect(subject.emulator.lastVersionUsed()).toBe(subject.pinnedVersion);
      expect(await envelope.decryptString(old, { context, tenantId: "pin" })).toBe("before");
    });

    it("rotates to a new primary entry, rewraps stored keys onto it, and retires the old one", async () => {
      const store = createMemoryDataKeyStore();
      const next: MasterKeyInput = { id: "kms2", provider: subject.next ?? subject.provider };
      const stored = await envelopeOf([kms()], store).encrypt("stored", { context, tenantId: "r" });
      const stateless = await envelopeOf([kms()]).encrypt("stateless", { context });
      const rotated = envelopeOf([next, kms()], store);
      expect(await rotated.decryptString(stored, { context, tenantId: "r" })).toBe("stored");
      expect(rotated.keyIdOf(await envelopeOf([next, kms()]).encrypt("new", { context }))).toBe("kms2");
      expect(await envelopeOf([next, kms()]).needsRewrap(stateless)).toBe(true);
      const retired = envelopeOf([next, { ...kms(), retired: true }], store);
      // Retired before the rewrap: a value still on it fails loudly, naming it, instead of quietly working.
      expect((await rejection(retired.decrypt(stored, { context, tenantId: "r" }))).message).toContain("retired");
      const result = await retired.keys.rewrapDataKeys();
      expect(result.remainingByMasterKeyId).toEqual({ kms2: 1 });
      expect(await envelopeOf([next], store).decryptString(stored, { context, tenantId: "r" })).toBe("stored");
      expect(
        (await rejection(envelopeOf([next, { ...kms(), retired: true }]).decrypt(stateless, { context }))).code,
      ).toBe("ERR_KEY_NOT_FOUND");
    });

    it("moves stored data keys from an environment key to the provider without touching values", async () => {
      const store = createMemoryDataKeyStore();
      const env: MasterKeyInput = { id: "env1", key: LOCAL };
      const before = envelopeOf([env], store);
      const tokens = await Promise.all(
        ["t1", "t2", "t3"].map((t) => before.encrypt(`value of ${t}`, { context, tenantId: t })),
      );
      const result = await envelopeOf([kms(), env], store).keys.rewrapDataKeys();
      expect(result.rewrapped).toBe(3);
      expect(result.remainingByMasterKeyId).toEqual({ kms1: 3 });
      // The environment key is gone: every value still decrypts, through the KMS.
      const after = envelopeOf([kms()], store);
      for (const [i, t] of ["t1", "t2", "t3"].entries())
        expect(await after.decryptString(tokens[i] ?? "", { context, tenantId: t })).toBe(`value of ${t}`);
    });

    it("fails at once, without retrying, when the key is disabled", async () => {
      subject.emulator.disable();
      try {
        const before = total();
        const error = await rejection(envelopeOf([kms()], createMemoryDataKeyStore()).encrypt("x", { context }));
        expect(error.code).toBe("ERR_KEY_PROVIDER");
        expect(error.details).toMatchObject({ failure: "key_disabled", attempts: 1 });
        expect(total() - before).toBe(1);
      } finally {
        subject.emulator.enable();
      }
    });

    for (const stored of [true, false]) {
      it(`makes exactly one provider call for 100 concurrent decrypts of one new data key (${stored ? "stored" : "stateless"})`, async () => {
        const store = stored ? createMemoryDataKeyStore() : undefined;
        const token = await envelopeOf([kms()], store).encrypt("hot", { context, tenantId: "hot" });
        const reader = envelopeOf([kms()], store);
        const before = total();
        const plain = await Promise.all(
          Array.from({ length: 100 }, () => reader.decryptString(token, { context, tenantId: "hot" })),
        );
        expect(new Set(plain)).toEqual(new Set(["hot"]));
        expect(total() - before).toBe(1);
      });
    }

    it("makes a tenant's writing key once under concurrency: 50 first writes, one provider call", async () => {
      const envelope = envelopeOf([kms()], createMemoryDataKeyStore());
      const before = total();
      await Promise.all(Array.from({ length: 50 }, () => envelope.encrypt("w", { context, tenantId: "first" })));
      expect(total() - before).toBe(1);
    });

    // Last: these end calls at a deadline, and a request the envelope gave up on may still reach
    // the emulator afterwards, which would add to the exact call counts of the tests above.
    for (const mode of ["outage", "throttle"] as const) {
      it(`retries a ${mode} and recovers; past the deadline it fails closed with ERR_KEY_PROVIDER`, async () => {
        subject.emulator.fail(mode, 2);
        const store = createMemoryDataKeyStore();
        const token = await envelopeOf([kms()], store).encrypt("retried", { context, tenantId: `${mode}-1` });
        expect(await envelopeOf([kms()], store).decryptString(token, { context, tenantId: `${mode}-1` })).toBe(
          "retried",
        );
        subject.emulator.fail(mode, 1_000_000);
        try {
          const error = await rejection(
            envelopeOf([kms()], store, 1000).encrypt("x", { context, tenantId: `${mode}-2` }),
          );
          expect(error.code).toBe("ERR_KEY_PROVIDER");
          expect(error.details).toMatchObject({
            keyId: "kms1",
            failure: mode === "outage" ? "unavailable" : "throttled",
          });
          expect((error.details as { attempts: number }).attempts).toBeGreaterThan(1);
        } finally {
          subject.emulator.fail(mode, 0);
        }
        expect(await envelopeOf([kms()], store).decryptString(token, { context, tenantId: `${mode}-1` })).toBe(
          "retried",
        );
      });
    }

    it("never writes under another key when the provider is down: no record, no token under the decrypt-only local key", async () => {
      const store = createMemoryDataKeyStore();
      const keys: MasterKeyInput[] = [kms(), { id: "env1", key: LOCAL }];
      subject.emulator.fail("outage", 1_000_000);
      try {
        for (const s of [store, undefined])
          expect((await rejection(envelopeOf(keys, s, 500).encrypt("x", { context, tenantId: "down" }))).code).toBe(
            "ERR_KEY_PROVIDER",
          );
      } finally {
        subject.emulator.fail("outage", 0);
      }
      expect(await store.countDataKeysByMasterKey()).toEqual({});
    });
  });
}
