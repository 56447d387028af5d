import assert from "node:assert/strict";
import { DATA_KEY_STORE_METHODS, type DataKeyRecord, type DataKeyStore } from "../../crypto/store.js";
import { defineConformanceSuite, type ConformanceSuite } from "../define-suite.js";
import { raceExactlyOne } from "../race.js";

let counter = 0;
function unique(label: string): string {
  counter++;
  return `${label}-${Date.now().toString(36)}-${counter.toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

function dataKeyId(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(8))).toString("base64url");
}

function record(scope: string, masterKeyId = "k1", createdAt = Date.UTC(2026, 0, 1)): DataKeyRecord {
  return { id: dataKeyId(), scope, masterKeyId, wrappedKey: crypto.getRandomValues(new Uint8Array(60)), createdAt };
}

function sameRecord(actual: DataKeyRecord | null, expected: DataKeyRecord, what: string): void {
  assert.ok(actual !== null, `${what} must be found, but the store returned null`);
  const fields = { id: actual.id, scope: actual.scope, masterKeyId: actual.masterKeyId, createdAt: actual.createdAt };
  assert.deepEqual(
    fields,
    { id: expected.id, scope: expected.scope, masterKeyId: expected.masterKeyId, createdAt: expected.createdAt },
    `${what} must come back with the id, scope, master key id and creation time it was stored with`,
  );
  assert.ok(actual.wrappedKey instanceof Uint8Array, `${what}'s wrappedKey must be a Uint8Array`);
  assert.deepEqual(
    [...actual.wrappedKey],
    [...expected.wrappedKey],
    `${what}'s wrappedKey must come back byte for byte`,
  );
}

/** The `dataKeys` store contract (`moatkit/crypto`'s {@link DataKeyStore}). */
export const dataKeysSuite: ConformanceSuite = defineConformanceSuite<DataKeyStore>(
  "dataKeys",
  DATA_KEY_STORE_METHODS,
  [
    {
      name: "returns null for an unknown id and a scope without keys",
      async run(store) {
        assert.equal(await store.getDataKey(dataKeyId()), null, "getDataKey must return null for an unknown id");
        assert.equal(
          await store.getCurrentDataKey(unique("empty")),
          null,
          "getCurrentDataKey must return null for a scope without keys",
        );
      },
    },
    {
      name: "stores the first key of a scope as current and returns it unchanged",
      async run(store) {
        const scope = unique("tenant ünïcode ✓");
        const r = record(scope, "k1", Date.UTC(2026, 4, 5, 6, 7, 8, 123));
        const result = await store.setCurrentDataKey(r, null);
        assert.equal(result.created, true, "setCurrentDataKey must create the first key of a scope");
        sameRecord(result.current, r, "the key setCurrentDataKey returns");
        sameRecord(await store.getDataKey(r.id), r, "the key by id");
        sameRecord(await store.getCurrentDataKey(scope), r, "the scope's current key");
      },
    },
    {
      name: "keeps the default scope (empty string) apart from tenant scopes",
      async run(store) {
        const tenant = unique("t");
        const a = record(tenant);
        await store.setCurrentDataKey(a, null);
        const current = await store.getCurrentDataKey("");
        assert.notEqual(current?.id, a.id, "the default scope must not return a tenant scope's key");
        const upper = await store.getCurrentDataKey(tenant.toUpperCase());
        assert.equal(upper, null, "scopes differing only in case must be different scopes");
        assert.equal(await store.getCurrentDataKey(`${tenant} `), null, "a trailing space must make another scope");
      },
    },
    {
      name: "does not replace a current key when the expectation is stale",
      async run(store) {
        const scope = unique("cas");
        const first = record(scope);
        const second = record(scope);
        await store.setCurrentDataKey(first, null);
        sameRecord(await store.getCurrentDataKey(scope), first, "the first current key");
        const lost = await store.setCurrentDataKey(second, null);
        assert.equal(lost.created, false, "setCurrentDataKey must refuse when the expected current key is stale");
        sameRecord(lost.current, first, "the current key a refused setCurrentDataKey returns");
        assert.equal(await store.getDataKey(second.id), null, "a losing record is not stored");
        const won = await store.setCurrentDataKey(second, first.id);
        assert.equal(won.created, true, "setCurrentDataKey must replace the current key it was told to expect");
        sameRecord(await store.getCurrentDataKey(scope), second, "the new current key, read right after it was set");
        sameRecord(await store.getDataKey(first.id), first, "the replaced key (kept for decryption)");
      },
    },
    {
      name: "of concurrent creators of a scope's first key exactly one wins and all see it",
      timeoutMs: 60_000,
      async run(store, { concurrency }) {
        const scope = unique("race");
        const outcome = await raceExactlyOne(concurrency, () => store.setCurrentDataKey(record(scope), null), {
          isWin: (r) => r.created,
        });
        const ids = new Set(outcome.results.map((r) => r.current.id));
        assert.equal(ids.size, 1, "every caller must be handed the one key that won, not its own or a stale one");
        assert.equal(
          (await store.getCurrentDataKey(scope))?.id,
          [...ids][0],
          "the scope's current key must be the one every caller was handed",
        );
      },
    },
    {
      name: "of concurrent rotations from the same current key exactly one wins and every loser is handed the winner's key",
      timeoutMs: 60_000,
      async run(store, { concurrency }) {
        const scope = unique("rotate");
        const first = record(scope);
        await store.setCurrentDataKey(first, null);
        const outcome = await raceExactlyOne(concurrency, () => store.setCurrentDataKey(record(scope), first.id), {
          isWin: (r) => r.created,
        });
        const winner = outcome.results[outcome.winner];
        assert.equal(
          (await store.getCurrentDataKey(scope))?.id,
          winner?.current.id,
          "the scope's current key must be the winner's",
        );
        const stale = outcome.results.filter((r) => r.current.id !== winner?.current.id).length;
        assert.equal(stale, 0, `every losing caller must be handed the winner's key, but ${String(stale)} got another`);
      },
    },
    {
      name: "keeps a key provider's wrap of the largest size (2048 bytes) byte for byte, stored and re-wrapped",
      async run(store) {
        // A data key wrapped by a KMS is the provider's ciphertext: variable length, up to 2048 bytes.
        const r = { ...record(unique("kms")), wrappedKey: crypto.getRandomValues(new Uint8Array(2048)) };
        await store.setCurrentDataKey(r, null);
        sameRecord(await store.getDataKey(r.id), r, "a key with a 2048-byte wrap");
        const rewrapped = crypto.getRandomValues(new Uint8Array(1500));
        assert.equal(
          await store.updateDataKeyWrapping(r.id, "k1", "kms2", rewrapped),
          true,
          "re-wrapping a key with a 2048-byte wrap under its current master key must report success",
        );
        sameRecord(
          await store.getDataKey(r.id),
          { ...r, masterKeyId: "kms2", wrappedKey: rewrapped },
          "the key re-wrapped by a provider",
        );
      },
    },
    {
      name: "re-wraps a key only while it is still under the expected master key (concurrent racers, one wins)",
      timeoutMs: 60_000,
      async run(store, { concurrency }) {
        const r = record(unique("wrap"), "k1");
        await store.setCurrentDataKey(r, null);
        const wrapped = crypto.getRandomValues(new Uint8Array(60));
        await raceExactlyOne(concurrency, () => store.updateDataKeyWrapping(r.id, "k1", "k2", wrapped));
        sameRecord(
          await store.getDataKey(r.id),
          { ...r, masterKeyId: "k2", wrappedKey: wrapped },
          "the re-wrapped key",
        );
        assert.equal(
          await store.updateDataKeyWrapping(r.id, "k1", "k3", wrapped),
          false,
          "a re-wrap expecting the old master key must fail once the key moved on",
        );
        assert.equal(
          await store.updateDataKeyWrapping(dataKeyId(), "k1", "k3", wrapped),
          false,
          "re-wrapping an unknown key must report false",
        );
      },
    },
    {
      name: "deletes every key of a scope and nothing else",
      async run(store) {
        const doomed = unique("shred");
        const kept = unique("keep");
        const a = record(doomed);
        const b = record(doomed);
        const c = record(kept);
        await store.setCurrentDataKey(a, null);
        await store.setCurrentDataKey(b, a.id);
        await store.setCurrentDataKey(c, null);
        assert.equal(await store.deleteDataKeyScope(doomed), 2, "deleteDataKeyScope must delete and count both keys");
        assert.equal(await store.getDataKey(a.id), null, "a shredded key must be gone");
        assert.equal(await store.getDataKey(b.id), null, "a shredded key must be gone");
        assert.equal(await store.getCurrentDataKey(doomed), null, "a shredded scope has no current key");
        sameRecord(await store.getCurrentDataKey(kept), c, "another scope's key");
        assert.equal(await store.deleteDataKeyScope(doomed), 0, "shredding an empty scope deletes nothing");
        const fresh = record(doomed);
        assert.equal((await store.setCurrentDataKey(fresh, null)).created, true, "a shredded scope can start over");
      },
    },
    {
      name: "lists every key once, in id order, page by page",
      async run(store) {
        const scope = unique("list");
        const mine = new Set<string>();
        let previous: string | null = null;
        for (let i = 0; i < 7; i++) {
          const r = record(scope);
          await store.setCurrentDataKey(r, previous);
          previous = r.id;
          mine.add(r.id);
        }
        const seen: string[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await store.listDataKeys(after === undefined ? { limit: 3 } : { after, limit: 3 });
          assert.ok(page.length <= 3, `listDataKeys must return at most limit (3) keys, not ${String(page.length)}`);
          seen.push(...page.map((r) => r.id));
          const last = page[page.length - 1];
          if (last === undefined || page.length < 3) break;
          after = last.id;
        }
        const sorted = [...seen].sort();
        assert.deepEqual(seen, sorted, "ids come in ascending order");
        assert.equal(new Set(seen).size, seen.length, "no id twice");
        for (const id of mine) assert.ok(seen.includes(id), "every stored key must be listed");
      },
    },
    {
      name: "counts keys per master key",
      async run(store) {
        const scope = unique("count");
        const masterA = unique("ma").slice(0, 30);
        const masterB = unique("mb").slice(0, 30);
        const a = record(scope, masterA);
        const b = record(scope, masterA);
        const c = record(scope, masterB);
        await store.setCurrentDataKey(a, null);
        await store.setCurrentDataKey(b, a.id);
        await store.setCurrentDataKey(c, b.id);
        const counts = await store.countDataKeysByMasterKey();
        assert.equal(counts[masterA], 2, "countDataKeysByMasterKey must count both keys under the first master key");
        assert.equal(counts[masterB], 1, "countDataKeysByMasterKey must count the key under the second master key");
      },
    },
    {
      name: "refuses a record whose id already exists",
      async run(store) {
        const a = record(unique("dup"));
        await store.setCurrentDataKey(a, null);
        const again = { ...a, scope: unique("other") };
        await assert.rejects(
          store.setCurrentDataKey(again, null),
          "setCurrentDataKey must reject a record whose id exists, even in another scope",
        );
      },
    },
  ],
);
