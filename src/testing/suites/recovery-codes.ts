import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { RECOVERY_CODE_STORE_METHODS, type RecoveryCodeEntry, type RecoveryCodeStore } from "../../mfa/store.js";
import { type ConformanceSuite, defineConformanceSuite } from "../define-suite.js";
import { raceExactlyOne } from "../race.js";

const user = (): string => `user-${randomUUID()}`;

// Generous: the cases run against real databases on machines that may be busy.
const CASE_TIMEOUT_MS = 60_000;

// Stores treat hashes as opaque strings; these look like bcrypt hashes so stores that check
// the shape still accept them.
function entries(n: number, tag: string): RecoveryCodeEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    selector: i.toString(16).padStart(4, "0"),
    hash: `$2b$04$${`${tag}${String(i)}`.padEnd(53, "x").slice(0, 53)}`,
  }));
}

function first<T>(items: readonly T[], what: string): T {
  const item = items[0];
  assert.ok(item !== undefined, `the case needs ${what}`);
  return item;
}

async function expectCount(store: RecoveryCodeStore, userId: string, expected: number, why: string) {
  assert.equal(
    await store.countRecoveryCodes(userId),
    expected,
    `countRecoveryCodes must return ${String(expected)}: ${why}`,
  );
}

async function expectHash(
  store: RecoveryCodeStore,
  userId: string,
  selector: string,
  expected: string | null,
  why: string,
) {
  assert.equal(
    await store.findRecoveryCode(userId, selector),
    expected,
    `findRecoveryCode(…, ${JSON.stringify(selector)}) must return ${expected === null ? "null" : "the stored hash"}: ${why}`,
  );
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
        await expectCount(store, u, 0, "the user has no codes");
        await expectHash(store, u, "0000", null, "the user has no codes");
        assert.equal(
          await store.consumeRecoveryCode(u, "0000", first(entries(1, "a"), "an entry").hash),
          null,
          "consumeRecoveryCode must return null for a user without codes",
        );
      },
    },
    {
      name: "stores a set and finds each hash by its selector, exactly",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store) {
        const u = user();
        const set = entries(10, "a").map((e, i) => (i === 9 ? { ...e, selector: "abcd" } : e));
        await store.replaceRecoveryCodes(u, set);
        await expectCount(store, u, 10, "ten codes were stored");
        for (const e of set) await expectHash(store, u, e.selector, e.hash, "each selector finds its own hash");
        await expectHash(store, u, "ffff", null, "no code has this selector");
        await expectHash(store, u, "ABCD", null, "selectors compare byte for byte, not case-insensitively");
        await expectHash(store, u, "abcd ", null, "selectors compare byte for byte, without PAD SPACE");
      },
    },
    {
      name: "consumes a code once and reports how many are left",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store) {
        const u = user();
        const set = entries(3, "a");
        await store.replaceRecoveryCodes(u, set);
        const [one, two] = set;
        assert.ok(one !== undefined && two !== undefined, "the case needs two entries");
        assert.equal(await store.consumeRecoveryCode(u, one.selector, one.hash), 2, "the first use must leave 2 codes");
        assert.equal(
          await store.consumeRecoveryCode(u, one.selector, one.hash),
          null,
          "the second use must return null",
        );
        await expectHash(store, u, one.selector, null, "a used code is gone");
        assert.equal(await store.consumeRecoveryCode(u, two.selector, two.hash), 1, "another code must leave 1");
        await expectCount(store, u, 1, "two of three codes were used");
      },
    },
    {
      name: "does not consume an entry whose hash differs (a set replaced in the meantime)",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store) {
        const u = user();
        const entry = first(entries(1, "a"), "an entry");
        await store.replaceRecoveryCodes(u, [entry]);
        for (const [hash, what] of [
          [`${entry.hash.slice(0, -1)}y`, "another hash"],
          [entry.hash.toUpperCase(), "the hash in upper case"],
          [`${entry.hash} `, "the hash with a trailing space"],
        ] as const) {
          assert.equal(
            await store.consumeRecoveryCode(u, entry.selector, hash),
            null,
            `consumeRecoveryCode must not consume an entry when given ${what}`,
          );
        }
        await expectHash(store, u, entry.selector, entry.hash, "a refused consume keeps the entry");
        await expectCount(store, u, 1, "a refused consume keeps the entry");
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
        await expectCount(store, u, 4, "the new set replaced the old one");
        for (const e of old) await expectHash(store, u, e.selector, null, "no code of the old set survives");
        for (const e of fresh) await expectHash(store, u, e.selector, e.hash, "the new set is stored");
        const o = first(old, "an old entry");
        assert.equal(
          await store.consumeRecoveryCode(u, o.selector, o.hash),
          null,
          "an old code must not be consumable",
        );
        await store.replaceRecoveryCodes(u, []);
        await expectCount(store, u, 0, "an empty set removes every code");
      },
    },
    {
      name: "keeps users apart, including ids that share a prefix, contain separators, or differ only in case or a trailing space",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store) {
        const base = user();
        const ids = [base, `${base}:0000`, `${base}0`, `${base}:ü💥`, base.toUpperCase(), `${base} `];
        for (const [i, id] of ids.entries()) await store.replaceRecoveryCodes(id, entries(i + 1, `u${String(i)}`));
        for (const [i, id] of ids.entries()) {
          await expectCount(
            store,
            id,
            i + 1,
            `user ${JSON.stringify(id)} keeps its own set (ids compare byte for byte)`,
          );
        }
        const e = first(entries(1, "u0"), "an entry");
        assert.equal(
          await store.consumeRecoveryCode(`${base}:0000`, e.selector, e.hash),
          null,
          "one user's code must not be consumable by another user",
        );
        assert.equal(await store.consumeRecoveryCode(base, e.selector, e.hash), 0, "its owner consumes it, leaving 0");
        await expectCount(store, `${base}:0000`, 2, "another user's set is untouched");
        await expectCount(store, base.toUpperCase(), 5, "a user differing only in case is untouched");
      },
    },
    {
      name: "consumes a code exactly once when concurrent callers race for it",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store, { concurrency }) {
        const u = user();
        const set = entries(10, "race");
        await store.replaceRecoveryCodes(u, set);
        const target = set[3];
        assert.ok(target !== undefined, "the case needs a fourth entry");
        const { results } = await raceExactlyOne(
          concurrency,
          () => store.consumeRecoveryCode(u, target.selector, target.hash),
          { isWin: (r) => r !== null },
        );
        assert.deepEqual(
          results.filter((r) => r !== null),
          [9],
          "the one winner must be told 9 codes are left",
        );
        await expectCount(store, u, 9, "exactly one code was used");
      },
    },
    {
      name: "consumes each of 10 codes exactly once when concurrent callers race across them",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store, { concurrency }) {
        const u = user();
        const set = entries(10, "many");
        await store.replaceRecoveryCodes(u, set);
        const results = await Promise.all(
          Array.from({ length: Math.max(concurrency, 20) }, (_, i) => {
            const e = set[i % 10] ?? first(set, "an entry");
            return store.consumeRecoveryCode(u, e.selector, e.hash);
          }),
        );
        const left = results.filter((r): r is number => r !== null);
        assert.equal(left.length, 10, "each of the 10 codes must be consumed exactly once, however many callers race");
        assert.ok(
          left.every((n) => Number.isSafeInteger(n) && n >= 0 && n <= 9),
          `each winner must be told how many codes are left (0 to 9), but got: ${left.join(", ")}`,
        );
        await expectCount(store, u, 0, "every code was used");
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
        assert.equal(stored.length, n, "countRecoveryCodes must agree with the codes findRecoveryCode finds");
        const winners = sets.filter((s) => s.length === n && s.every((e, i) => stored[i] === e.hash));
        assert.equal(winners.length, 1, "the stored codes must be exactly one of the sets, never a mix of two");
      },
    },
  ],
);
