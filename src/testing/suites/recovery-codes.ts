import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { RECOVERY_CODE_STORE_METHODS, type RecoveryCodeEntry, type RecoveryCodeStore } from "../../mfa/store.js";
import { type ConformanceSuite, defineConformanceSuite } from "../define-suite.js";
import { raceExactlyOne } from "../race.js";

const user = (): string => `user-${randomUUID()}`;

// Generous: the cases run against real databases on machines that may be busy.
const CASE_TIMEOUT_MS = 30_000;

// Stores treat hashes as opaque strings; these look like bcrypt hashes so stores that check
// the shape still accept them.
function entries(n: number, tag: string): RecoveryCodeEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    selector: i.toString(16).padStart(4, "0"),
    hash: `$2b$04$${`${tag}${String(i)}`.padEnd(53, "x").slice(0, 53)}`,
  }));
}

/** The conformance suite of {@link RecoveryCodeStore} (store name `recoveryCodes`). */
export const recoveryCodesSuite: ConformanceSuite = defineConformanceSuite<RecoveryCodeStore>(
  "recoveryCodes",
  RECOVERY_CODE_STORE_METHODS,
  [
    {
      name: "has no codes for a user it has never seen",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store) {
        const u = user();
        assert.equal(await store.countRecoveryCodes(u), 0);
        assert.equal(await store.findRecoveryCode(u, "0000"), null);
        assert.equal(await store.consumeRecoveryCode(u, "0000", entries(1, "a")[0]?.hash ?? ""), null);
      },
    },
    {
      name: "stores a set and finds each hash by its selector",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store) {
        const u = user();
        const set = entries(10, "a");
        await store.replaceRecoveryCodes(u, set);
        assert.equal(await store.countRecoveryCodes(u), 10);
        for (const e of set) assert.equal(await store.findRecoveryCode(u, e.selector), e.hash);
        assert.equal(await store.findRecoveryCode(u, "ffff"), null);
      },
    },
    {
      name: "consumes a code once and reports how many are left",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store) {
        const u = user();
        const set = entries(3, "a");
        await store.replaceRecoveryCodes(u, set);
        const [first, second] = set;
        assert.ok(first && second);
        assert.equal(await store.consumeRecoveryCode(u, first.selector, first.hash), 2);
        assert.equal(await store.consumeRecoveryCode(u, first.selector, first.hash), null);
        assert.equal(await store.findRecoveryCode(u, first.selector), null);
        assert.equal(await store.consumeRecoveryCode(u, second.selector, second.hash), 1);
        assert.equal(await store.countRecoveryCodes(u), 1);
      },
    },
    {
      name: "does not consume an entry whose hash differs (a set replaced in the meantime)",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store) {
        const u = user();
        const [entry] = entries(1, "a");
        assert.ok(entry);
        await store.replaceRecoveryCodes(u, [entry]);
        assert.equal(await store.consumeRecoveryCode(u, entry.selector, `${entry.hash.slice(0, -1)}y`), null);
        assert.equal(await store.findRecoveryCode(u, entry.selector), entry.hash);
        assert.equal(await store.countRecoveryCodes(u), 1);
      },
    },
    {
      name: "replaces the whole previous set, and an empty set removes every code",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store) {
        const u = user();
        const old = entries(10, "old");
        await store.replaceRecoveryCodes(u, old);
        const fresh = entries(4, "new").map((e) => ({ ...e, selector: `a${e.selector.slice(1)}` }));
        await store.replaceRecoveryCodes(u, fresh);
        assert.equal(await store.countRecoveryCodes(u), 4);
        for (const e of old) assert.equal(await store.findRecoveryCode(u, e.selector), null);
        for (const e of fresh) assert.equal(await store.findRecoveryCode(u, e.selector), e.hash);
        const [o] = old;
        assert.ok(o);
        assert.equal(await store.consumeRecoveryCode(u, o.selector, o.hash), null);
        await store.replaceRecoveryCodes(u, []);
        assert.equal(await store.countRecoveryCodes(u), 0);
      },
    },
    {
      name: "keeps users apart, including ids that share a prefix or contain separators",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store) {
        const base = user();
        const ids = [base, `${base}:0000`, `${base}0`, `${base}:ü💥`];
        for (const [i, id] of ids.entries()) await store.replaceRecoveryCodes(id, entries(i + 1, `u${String(i)}`));
        for (const [i, id] of ids.entries()) assert.equal(await store.countRecoveryCodes(id), i + 1);
        const [e] = entries(1, "u0");
        assert.ok(e);
        assert.equal(await store.consumeRecoveryCode(`${base}:0000`, e.selector, e.hash), null);
        assert.equal(await store.consumeRecoveryCode(base, e.selector, e.hash), 0);
        assert.equal(await store.countRecoveryCodes(`${base}:0000`), 2);
      },
    },
    {
      name: "consumes a code exactly once when 50 callers race for it",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store) {
        const u = user();
        const set = entries(10, "race");
        await store.replaceRecoveryCodes(u, set);
        const target = set[3];
        assert.ok(target);
        const { results } = await raceExactlyOne(50, () => store.consumeRecoveryCode(u, target.selector, target.hash), {
          isWin: (r) => r !== null,
        });
        assert.deepEqual(
          results.filter((r) => r !== null),
          [9],
        );
        assert.equal(await store.countRecoveryCodes(u), 9);
      },
    },
    {
      name: "consumes each of 10 codes exactly once when 50 callers race across them",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store) {
        const u = user();
        const set = entries(10, "many");
        await store.replaceRecoveryCodes(u, set);
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) => {
            const e = set[i % 10];
            assert.ok(e);
            return store.consumeRecoveryCode(u, e.selector, e.hash);
          }),
        );
        assert.equal(results.filter((r) => r !== null).length, 10);
        assert.equal(await store.countRecoveryCodes(u), 0);
      },
    },
    {
      name: "leaves exactly one whole set when 20 replacements race",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store) {
        const u = user();
        const sets = Array.from({ length: 20 }, (_, i) => entries(5 + (i % 3), `set${String(i)}-`));
        await Promise.all(sets.map((s) => store.replaceRecoveryCodes(u, s)));
        const n = await store.countRecoveryCodes(u);
        const found = await Promise.all(
          Array.from({ length: 7 }, (_, i) => store.findRecoveryCode(u, i.toString(16).padStart(4, "0"))),
        );
        const stored = found.filter((h): h is string => h !== null);
        assert.equal(stored.length, n);
        const winners = sets.filter((s) => s.length === n && s.every((e, i) => stored[i] === e.hash));
        assert.equal(winners.length, 1, "the stored codes must be exactly one of the sets");
      },
    },
  ],
);
