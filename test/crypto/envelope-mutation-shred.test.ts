/**
 * A shred heard (on the invalidation channel) at any point of an encrypt or a decrypt that is
 * loading the tenant's data key from the store, including after the load finished and before the
 * call used the key (src/crypto/envelope.ts: `withWritingKey`, and the `destroyed` check in
 * `decryptParsed`). The shred is delivered after 0, 1, 2, … microtasks, so every interleaving is
 * tried, deterministically. An encrypt whose loaded key was destroyed before it took it loads the
 * scope's key again; a decrypt either finished first or fails with ERR_KEY_NOT_FOUND, and the one
 * that loaded the key just before the shred is told the key was shredded.
 *
 * This test found that the check of `destroyed` ran one microtask before `encrypt` sealed, so a
 * shred heard in exactly that microtask got a value sealed under the destroyed key; the check and
 * the seal now run in one synchronous step, and no interleaving is tolerated.
 */
import { describe, expect, it } from "vitest";
import { createMemoryDataKeyStore } from "../../src/adapters/memory/index.js";
import { type DataKeyInvalidation, type DataKeyStore, createEnvelope } from "../../src/crypto/index.js";
import { isMoatError } from "../../src/errors.js";
import { testKeyring } from "../../src/testing/index.js";

const context = { table: "notes", column: "body", rowId: 1 };
const tenantId = "t1";
/** Enough microtasks for a shred to land after the whole call, whatever the interleaving. */
const MAX_TICKS = 60;

/** An invalidation channel whose messages the test delivers itself. */
function channel(): { invalidation: DataKeyInvalidation; deliver: (scope: string) => void } {
  const listeners: ((scope: string) => void)[] = [];
  return {
    invalidation: {
      publish: () => Promise.resolve(),
      subscribe: (listener) => {
        listeners.push(listener);
        return () => undefined;
      },
    },
    deliver: (scope) => {
      for (const listener of listeners) listener(scope);
    },
  };
}

/** Runs `fn` after `ticks` microtasks; resolves once it ran. */
async function afterTicks(ticks: number, fn: () => void): Promise<void> {
  for (let i = 0; i < ticks; i++) await Promise.resolve();
  fn();
}

/** Another process shreds the tenant: the store loses its keys, then the message arrives. */
function shredElsewhere(store: DataKeyStore, deliver: (scope: string) => void): void {
  void store.deleteDataKeyScope(tenantId);
  deliver(tenantId);
}

describe("envelope: a shred heard while a call loads the tenant's data key", () => {
  it("an encrypt whose loaded key was shredded before it took it loads the scope's key again", async () => {
    const keyring = testKeyring(["k1"]);
    let reloads = 0;
    const sealedAfterShred: number[] = [];
    for (let ticks = 0; ticks < MAX_TICKS; ticks++) {
      const store = createMemoryDataKeyStore();
      await createEnvelope({ keyring, dataKeys: store }).encrypt("old", { context, tenantId });
      const { invalidation, deliver } = channel();
      // One clock of events: the writer's random draws (the last is the nonce it seals with) and the shred.
      let events = 0;
      let lastDraw = 0;
      let shredAt = 0;
      const random = (n: number): Uint8Array => {
        lastDraw = ++events;
        return crypto.getRandomValues(new Uint8Array(n));
      };
      let currentReads = 0;
      const watched: DataKeyStore = {
        ...store,
        getCurrentDataKey: (scope) => {
          currentReads++;
          return store.getCurrentDataKey(scope);
        },
      };
      const writer = createEnvelope({ keyring, dataKeys: watched, invalidation, random });
      const pending = writer.encrypt("racing", { context, tenantId });
      const shred = afterTicks(ticks, () => {
        shredElsewhere(store, deliver);
        shredAt = ++events;
      });
      const token = await pending;
      await shred;

      const reader = createEnvelope({ keyring, dataKeys: store });
      let readable: boolean;
      try {
        expect(await reader.decryptString(token, { context, tenantId })).toBe("racing");
        readable = true;
      } catch (err) {
        expect(isMoatError(err, "ERR_KEY_NOT_FOUND"), String(err)).toBe(true);
        readable = false;
      }
      // Under the destroyed key although it was sealed after the shred arrived.
      if (!readable && lastDraw > shredAt) sealedAfterShred.push(ticks);
      if (readable && currentReads > 1) reloads++;
    }
    // Some interleavings made the writer load the scope's key again.
    expect(reloads).toBeGreaterThan(0);
    // No value is sealed under the key after its shred arrived, at any microtask.
    expect(sealedAfterShred, `shred after ${sealedAfterShred.join(", ")} microtasks`).toEqual([]);
  });

  it("a decrypt finishes first or fails with ERR_KEY_NOT_FOUND; loaded just before the shred, it says the key was shredded", async () => {
    const keyring = testKeyring(["k1"]);
    const outcomes: string[] = [];
    for (let ticks = 0; ticks < MAX_TICKS; ticks++) {
      const store = createMemoryDataKeyStore();
      const token = await createEnvelope({ keyring, dataKeys: store }).encrypt("secret value", { context, tenantId });
      const { invalidation, deliver } = channel();
      const reader = createEnvelope({ keyring, dataKeys: store, invalidation });
      const pending = reader.decryptString(token, { context, tenantId }).then(
        (plaintext) => `plaintext ${plaintext}`,
        (err: unknown) => {
          expect(isMoatError(err, "ERR_KEY_NOT_FOUND"), String(err)).toBe(true);
          const message = (err as Error).message;
          expect(message).not.toContain("secret value");
          return message === "the data key was shredded" ? "shredded" : "not found";
        },
      );
      const shred = afterTicks(ticks, () => {
        shredElsewhere(store, deliver);
      });
      outcomes.push(await pending);
      await shred;
    }
    // Later shreds only ever let more through: not found, then shredded, then the plaintext.
    const phases = outcomes.filter((o, i) => i === 0 || outcomes[i - 1] !== o);
    expect(phases).toEqual(["not found", "shredded", "plaintext secret value"]);
  });
});
