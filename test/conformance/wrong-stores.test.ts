/**
 * The conformance suite catches the mistakes store authors make (issue 23): each store below is
 * wrong on purpose, built on the memory store (or a Map) with one bug put in, and the suite
 * must fail it in the named case, with a message that says what the store should have done.
 * The same cases pass against the memory store itself (memory.test.ts), so the failure is the
 * bug's.
 */
import { describe, expect, it } from "vitest";
import { createCachedCurrentDataKeyStore, createStaleNonceRefreshStore } from "./wrong-stores/stale-reads.js";
import {
  createCheckThenSetOneTimeTokenStore,
  createCheckThenSetTotpStore,
  createLastWriterWinsDataKeyStore,
  createReadModifyWriteRateLimitStore,
} from "./wrong-stores/lost-updates.js";
import { createCaseInsensitiveApiKeyStore, createPadSpaceRecoveryCodeStore } from "./wrong-stores/loose-comparisons.js";
import { runConformance } from "./wrong-stores/run-suite.js";

interface WrongStore {
  readonly bug: string;
  readonly store: string;
  readonly make: () => unknown;
  /** Cases that must fail, by the start of their names. */
  readonly caughtBy: readonly string[];
  /** What the failure message must say. */
  readonly saying: RegExp;
}

const WRONG_STORES: readonly WrongStore[] = [
  {
    bug: "stale read: a refresh store hands losers of a race the nonce from its snapshot (issue 23)",
    store: "refreshSessions",
    make: createStaleNonceRefreshStore,
    caughtBy: ["of concurrent rotations of one token exactly one rotates; with the overlap on"],
    saying: /must receive the nonce of the successor the winner installed, not a stale one/,
  },
  {
    bug: "stale read: a data-key store caches each scope's current key and never invalidates it",
    store: "dataKeys",
    make: createCachedCurrentDataKeyStore,
    caughtBy: ["does not replace a current key when the expectation is stale"],
    saying: /the new current key, read right after it was set/,
  },
  {
    bug: "non-atomic consume: a TOTP store reads the last step, then writes without a condition",
    store: "totpSteps",
    make: createCheckThenSetTotpStore,
    caughtBy: ["advances a step exactly once when concurrent callers race with the same step"],
    saying: /expected exactly one of 64 concurrent callers to win/,
  },
  {
    bug: "non-atomic consume: a one-time token store checks used_at, then sets it unconditionally",
    store: "oneTimeTokens",
    make: createCheckThenSetOneTimeTokenStore,
    caughtBy: ["of concurrent consumers of one token exactly one wins"],
    saying: /expected exactly one of 64 concurrent callers to win/,
  },
  {
    bug: "lost update: a rate-limit store reads the window, adds in the application and writes it back",
    store: "rateLimits",
    make: createReadModifyWriteRateLimitStore,
    caughtBy: ["of concurrent consumers of the last point exactly one gets it", "loses and repeats no consume"],
    saying: /exactly one of 64|no lost or repeated update/,
  },
  {
    bug: "lost update: a data-key store swaps against the key it read, not the one the caller expected",
    store: "dataKeys",
    make: createLastWriterWinsDataKeyStore,
    caughtBy: ["of concurrent rotations from the same current key exactly one wins"],
    saying: /expected exactly one of 64 concurrent callers to win/,
  },
  {
    bug: "case-insensitive lookup: an API key store finds keys by hash whatever the case",
    store: "apiKeys",
    make: createCaseInsensitiveApiKeyStore,
    caughtBy: ["returns null for an unknown hash or id, and matches hashes and ids exactly"],
    saying: /must not find a key by the hash in upper case/,
  },
  {
    bug: "trailing-space equality: a recovery-code store keys users as a PAD SPACE collation compares",
    store: "recoveryCodes",
    make: createPadSpaceRecoveryCodeStore,
    caughtBy: ["keeps users apart"],
    saying: /keeps its own set \(ids compare byte for byte\)/,
  },
];

describe("the conformance suite fails deliberately wrong stores", () => {
  for (const wrong of WRONG_STORES) {
    it(`catches ${wrong.bug}`, { timeout: 120_000 }, async () => {
      const results = await runConformance(wrong.store, wrong.make);
      const failed = results.filter((r) => r.error !== undefined);
      for (const expected of wrong.caughtBy) {
        const result = results.find((r) => r.name.startsWith(expected));
        expect(result, `the ${wrong.store} suite has a case named "${expected}…"`).toBeDefined();
        expect(result?.error, `"${expected}…" must fail for this store`).toBeInstanceOf(Error);
      }
      const messages = failed.map((r) => r.error?.message ?? "").join("\n");
      expect(messages).toMatch(wrong.saying);
      // Words, not `false !== true`: every failure names what the store should have done.
      for (const r of failed) expect(r.error?.message).toMatch(/must|expected exactly one/);
    });
  }

  it("fails the stale-nonce store at a concurrency of 8 as well, and passes it called one at a time", async () => {
    const results = await runConformance("refreshSessions", createStaleNonceRefreshStore, { concurrency: 8 });
    const failedNames = results.filter((r) => r.error !== undefined).map((r) => r.name);
    // Only the concurrent overlap case can see the stale snapshot: every sequential case passes.
    expect(failedNames).toEqual([
      "of concurrent rotations of one token exactly one rotates; with the overlap on every other caller gets the winner's successor hash and nonce",
    ]);
  });
});
