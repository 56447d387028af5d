/**
 * Issue 18 item 4: a decrypt or an encrypt racing `shredTenant` must not put the destroyed key back
 * in the cache. Each interleaving is forced with deferred promises: the store read happens, then
 * its answer is held back until the test lets it go (after the shred has resolved, or while the
 * shred is between its delete and its cache drop).
 */
import { describe, expect, it } from "vitest";
import { createMemoryDataKeyStore } from "../../src/adapters/memory/index.js";
import { createPostgresDataKeyStore } from "../../src/adapters/postgres/index.js";
import { type DataKeyStore, type Envelope, createEnvelope } from "../../src/crypto/index.js";
import { testKeyring } from "../../src/testing/index.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";
import { describePostgres, useMigratedDatabase } from "../helpers/postgres.js";

const context = { table: "notes", column: "body", rowId: 1 };

interface Deferred {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

type Gated = "getDataKey" | "getCurrentDataKey" | "deleteDataKeyScope";

/** A store whose next call of `method` runs against the store, then waits for `release` before answering. */
function gate(store: DataKeyStore): {
  store: DataKeyStore;
  arm: (method: Gated) => { reached: Promise<void>; release: () => void };
} {
  const armed = new Map<Gated, { reached: Deferred; release: Deferred }>();
  async function held<T>(method: Gated, run: () => Promise<T>): Promise<T> {
    const g = armed.get(method);
    armed.delete(method);
    const result = await run();
    if (g !== undefined) {
      g.reached.resolve();
      await g.release.promise;
    }
    return result;
  }
  return {
    store: {
      ...store,
      getDataKey: (id) => held("getDataKey", () => store.getDataKey(id)),
      getCurrentDataKey: (scope) => held("getCurrentDataKey", () => store.getCurrentDataKey(scope)),
      deleteDataKeyScope: (scope) => held("deleteDataKeyScope", () => store.deleteDataKeyScope(scope)),
    },
    arm(method) {
      const g = { reached: deferred(), release: deferred() };
      armed.set(method, g);
      return { reached: g.reached.promise, release: g.release.resolve };
    },
  };
}

/** When the held store read answers: after the shred resolved, or inside the shred (after its delete). */
const SCHEDULES = ["after the shred", "inside the shred"] as const;
const ROUNDS = 3;

async function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Runs `op` with its store read held, shreds the tenant under it per `schedule`, then lets the read answer. */
async function race<T>(
  gated: ReturnType<typeof gate>,
  admin: Envelope,
  method: "getDataKey" | "getCurrentDataKey",
  tenantId: string,
  schedule: (typeof SCHEDULES)[number],
  op: () => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  const read = gated.arm(method);
  const pending = settle(op());
  await read.reached;
  if (schedule === "after the shred") {
    await admin.keys.shredTenant(tenantId);
    read.release();
    return pending;
  }
  // The shred deletes, and while its answer is held the racing read answers first.
  const del = gated.arm("deleteDataKeyScope");
  const shred = admin.keys.shredTenant(tenantId);
  await del.reached;
  read.release();
  const result = await pending;
  del.release();
  await shred;
  return result;
}

function shredRaceSuite(makeStore: () => DataKeyStore): void {
  for (const schedule of SCHEDULES) {
    it(`a decrypt whose key read answers ${schedule} neither returns plaintext nor caches the key`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const store = makeStore();
        const tenantId = `dec-${String(round)}-${String(Math.random()).slice(2, 10)}`;
        const writer = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store });
        const token = await writer.encrypt("secret", { context, tenantId });
        const gated = gate(store);
        const reader = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: gated.store });
        const result = await race(gated, reader, "getDataKey", tenantId, schedule, () =>
          reader.decryptString(token, { context, tenantId }),
        );
        if (schedule === "after the shred") expect(result.ok).toBe(false);
        // Whatever the racing call saw, once the shred has resolved this process reads nothing.
        await expectMoatErrorAsync(reader.decrypt(token, { context, tenantId }), "ERR_KEY_NOT_FOUND");
      }
    });

    it(`an encrypt whose key read answers ${schedule} writes under a live key, never the shredded one`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const store = makeStore();
        const tenantId = `enc-${String(round)}-${String(Math.random()).slice(2, 10)}`;
        const first = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store });
        const old = await first.encrypt("old", { context, tenantId });
        const gated = gate(store);
        const writer = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: gated.store });
        const result = await race(gated, writer, "getCurrentDataKey", tenantId, schedule, () =>
          writer.encrypt("racing", { context, tenantId }),
        );
        const fresh = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store });
        await expectMoatErrorAsync(fresh.decrypt(old, { context, tenantId }), "ERR_KEY_NOT_FOUND");
        if (schedule === "after the shred") {
          // It resolved after the shred: it must be readable, so under a key the store still has.
          expect(result.ok).toBe(true);
          if (result.ok) expect(await fresh.decryptString(result.value, { context, tenantId })).toBe("racing");
        }
        // The next write of this process goes under a key another process can read.
        const next = await writer.encrypt("next", { context, tenantId });
        expect(await fresh.decryptString(next, { context, tenantId })).toBe("next");
        await expectMoatErrorAsync(writer.decrypt(old, { context, tenantId }), "ERR_KEY_NOT_FOUND");
      }
    });
  }
}

describe("shredTenant racing reads [memory]", () => {
  shredRaceSuite(() => createMemoryDataKeyStore());
});

describePostgres("shredTenant racing reads", (target) => {
  const client = useMigratedDatabase(target);
  shredRaceSuite(() => createPostgresDataKeyStore({ client: client() }));
});
