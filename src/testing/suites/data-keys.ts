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

function sameRecord(actual: DataKeyRecord | null, expected: DataKeyRecord): void {
  assert.ok(actual !== null, "expected a record");
  assert.equal(actual.id, expected.id);
  assert.equal(actual.scope, expected.scope);
  assert.equal(actual.masterKeyId, expected.masterKeyId);
  assert.equal(actual.createdAt, expected.createdAt);
  assert.ok(actual.wrappedKey instanceof Uint8Array, "wrappedKey must be a Uint8Array");
  assert.deepEqual([...actual.wrappedKey], [...expected.wrappedKey]);
}

/** The `dataKeys` store contract (`moatkit/crypto`'s {@link DataKeyStore}). */
export const dataKeysSuite: ConformanceSuite = defineConformanceSuite<DataKeyStore>(
  "dataKeys",
  DATA_KEY_STORE_METHODS,
  [
    {
      name: "returns null for an unknown id and a scope without keys",
      async run(store) {
        assert.equal(await store.getDataKey(dataKeyId()), null);
        assert.equal(await store.getCurrentDataKey(unique("empty")), null);
      },
    },
    {
      name: "stores the first key of a scope as current and returns it unchanged",
      async run(store) {
        const scope = unique("tenant ünïcode ✓");
        const r = record(scope, "k1", Date.UTC(2026, 4, 5, 6, 7, 8, 123));
        const result = await store.setCurrentDataKey(r, null);
        assert.equal(result.created, true);
        sameRecord(result.current, r);
        sameRecord(await store.getDataKey(r.id), r);
        sameRecord(await store.getCurrentDataKey(scope), r);
      },
    },
    {
      name: "keeps the default scope (empty string) apart from tenant scopes",
      async run(store) {
        const tenant = unique("t");
        const a = record(tenant);
        await store.setCurrentDataKey(a, null);
        const current = await store.getCurrentDataKey("");
        assert.notEqual(current?.id, a.id);
      },
    },
    {
      name: "does not replace a current key when the expectation is stale",
      async run(store) {
        const scope = unique("cas");
        const first = record(scope);
        const second = record(scope);
        await store.setCurrentDataKey(first, null);
        const lost = await store.setCurrentDataKey(second, null);
        assert.equal(lost.created, false);
        sameRecord(lost.current, first);
        assert.equal(await store.getDataKey(second.id), null, "a losing record is not stored");
        const won = await store.setCurrentDataKey(second, first.id);
        assert.equal(won.created, true);
        sameRecord(await store.getCurrentDataKey(scope), second);
        sameRecord(await store.getDataKey(first.id), first);
      },
    },
    {
      name: "of 50 concurrent creators of a scope's first key exactly one wins and all see it",
      timeoutMs: 30_000,
      async run(store) {
        const scope = unique("race");
        const outcome = await raceExactlyOne(50, () => store.setCurrentDataKey(record(scope), null), {
          isWin: (r) => r.created,
        });
        const ids = new Set(outcome.results.map((r) => r.current.id));
        assert.equal(ids.size, 1);
        assert.equal((await store.getCurrentDataKey(scope))?.id, [...ids][0]);
      },
    },
    {
      name: "of 50 concurrent rotations from the same current key exactly one wins",
      timeoutMs: 30_000,
      async run(store) {
        const scope = unique("rotate");
        const first = record(scope);
        await store.setCurrentDataKey(first, null);
        const outcome = await raceExactlyOne(50, () => store.setCurrentDataKey(record(scope), first.id), {
          isWin: (r) => r.created,
        });
        const winner = outcome.results[outcome.winner];
        assert.equal((await store.getCurrentDataKey(scope))?.id, winner?.current.id);
      },
    },
    {
      name: "re-wraps a key only while it is still under the expected master key (50 racers, one wins)",
      timeoutMs: 30_000,
      async run(store) {
        const r = record(unique("wrap"), "k1");
        await store.setCurrentDataKey(r, null);
        const wrapped = crypto.getRandomValues(new Uint8Array(60));
        await raceExactlyOne(50, () => store.updateDataKeyWrapping(r.id, "k1", "k2", wrapped));
        const after = await store.getDataKey(r.id);
        assert.ok(after !== null);
        assert.equal(after.masterKeyId, "k2");
        assert.deepEqual([...after.wrappedKey], [...wrapped]);
        assert.equal(await store.updateDataKeyWrapping(r.id, "k1", "k3", wrapped), false);
        assert.equal(await store.updateDataKeyWrapping(dataKeyId(), "k1", "k3", wrapped), false);
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
        assert.equal(await store.deleteDataKeyScope(doomed), 2);
        assert.equal(await store.getDataKey(a.id), null);
        assert.equal(await store.getDataKey(b.id), null);
        assert.equal(await store.getCurrentDataKey(doomed), null);
        sameRecord(await store.getCurrentDataKey(kept), c);
        assert.equal(await store.deleteDataKeyScope(doomed), 0);
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
          assert.ok(page.length <= 3);
          seen.push(...page.map((r) => r.id));
          const last = page[page.length - 1];
          if (last === undefined || page.length < 3) break;
          after = last.id;
        }
        const sorted = [...seen].sort();
        assert.deepEqual(seen, sorted, "ids come in ascending order");
        assert.equal(new Set(seen).size, seen.length, "no id twice");
        for (const id of mine) assert.ok(seen.includes(id));
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
        assert.equal(counts[masterA], 2);
        assert.equal(counts[masterB], 1);
      },
    },
    {
      name: "refuses a record whose id already exists",
      async run(store) {
        const a = record(unique("dup"));
        await store.setCurrentDataKey(a, null);
        const again = { ...a, scope: unique("other") };
        await assert.rejects(store.setCurrentDataKey(again, null));
      },
    },
  ],
);
