import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { isMoatError } from "../../errors.js";
import { TOTP_STEP_STORE_METHODS, type TotpStepStore } from "../../mfa/store.js";
import { type ConformanceSuite, defineConformanceSuite } from "../define-suite.js";
import { raceExactlyOne } from "../race.js";

const user = (): string => `user-${randomUUID()}`;

// Generous: the cases run against real databases on machines that may be busy.
const CASE_TIMEOUT_MS = 60_000;

async function expectAdvance(store: TotpStepStore, userId: string, step: number, expected: boolean, why: string) {
  assert.equal(
    await store.advanceTotpStep(userId, step),
    expected,
    `advanceTotpStep(${JSON.stringify(userId)}, ${String(step)}) must return ${String(expected)}: ${why}`,
  );
}

async function expectLast(store: TotpStepStore, userId: string, expected: number | null, why: string) {
  assert.equal(
    await store.getLastTotpStep(userId),
    expected,
    `getLastTotpStep(${JSON.stringify(userId)}) must return ${String(expected)}: ${why}`,
  );
}

/** The conformance suite of {@link TotpStepStore} (store name `totpSteps`). */
export const totpStepsSuite: ConformanceSuite = defineConformanceSuite<TotpStepStore>(
  "totpSteps",
  TOTP_STEP_STORE_METHODS,
  [
    {
      name: "has no last step for a user it has never seen",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store) {
        await expectLast(store, user(), null, "no step was ever accepted for this user");
      },
    },
    {
      name: "accepts the first step, including step 0, and reports it as the last",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store) {
        const a = user();
        await expectAdvance(store, a, 0, true, "step 0 is a valid first step (no row is not the same as step 0)");
        await expectLast(store, a, 0, "step 0 was accepted");
        const b = user();
        await expectAdvance(store, b, 58_000_000, true, "the first step of a user is always accepted");
        await expectLast(store, b, 58_000_000, "that step was accepted");
      },
    },
    {
      name: "refuses the same step twice and any earlier step, and accepts a later one",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store) {
        const u = user();
        await expectAdvance(store, u, 100, true, "the first step is accepted");
        await expectAdvance(store, u, 100, false, "a step already accepted is a replay");
        await expectAdvance(store, u, 99, false, "an earlier step is a replay");
        await expectAdvance(store, u, 0, false, "an earlier step is a replay");
        await expectLast(store, u, 100, "refused steps change nothing");
        await expectAdvance(store, u, 101, true, "a later step is accepted");
        await expectAdvance(store, u, 250, true, "a later step is accepted");
        await expectLast(store, u, 250, "the last accepted step is kept");
      },
    },
    {
      name: "keeps users apart, including ids that share a prefix, contain separators, or differ only in case or a trailing space",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store) {
        const base = user();
        const ids = [base, `${base}:x`, `${base}x`, `${base} `, `${base}:ü💥`, base.toUpperCase(), `${base}  `];
        for (const [i, id] of ids.entries()) {
          await expectAdvance(store, id, 10 + i, true, "each user id is its own user (compared byte for byte)");
        }
        for (const [i, id] of ids.entries()) {
          await expectLast(store, id, 10 + i, "no other user's step may overwrite this one");
        }
        await expectAdvance(store, `${base}:x`, 11, false, "this user's step 11 was accepted already");
        await expectAdvance(store, base, 10, false, "this user's step 10 was accepted already");
      },
    },
    {
      name: "stores steps up to 2^53 - 1 exactly",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store) {
        const u = user();
        const big = Number.MAX_SAFE_INTEGER - 1;
        await expectAdvance(store, u, big, true, "a step near 2^53 is accepted");
        await expectLast(
          store,
          u,
          big,
          "steps must be stored exactly (a 64-bit integer column, not a double or 32 bits)",
        );
        await expectAdvance(store, u, big, false, "the same step is a replay");
        await expectAdvance(store, u, Number.MAX_SAFE_INTEGER, true, "one step later is accepted");
        await expectLast(store, u, Number.MAX_SAFE_INTEGER, "2^53 - 1 must be stored exactly");
      },
    },
    {
      name: "refuses steps that are not non-negative safe integers with ERR_INVALID_INPUT",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store) {
        const u = user();
        for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
          await assert.rejects(
            store.advanceTotpStep(u, bad),
            (err) => isMoatError(err, "ERR_INVALID_INPUT"),
            `advanceTotpStep must reject step ${String(bad)} with MoatError ERR_INVALID_INPUT (requireTotpStep)`,
          );
        }
        await expectLast(store, u, null, "refused steps must store nothing");
      },
    },
    {
      name: "advances a step exactly once when concurrent callers race with the same step",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store, { concurrency }) {
        const u = user();
        await raceExactlyOne(concurrency, () => store.advanceTotpStep(u, 1_000));
        await expectLast(store, u, 1_000, "the raced step was accepted once");
        const v = user();
        await store.advanceTotpStep(v, 999);
        await raceExactlyOne(concurrency, () => store.advanceTotpStep(v, 1_000));
        await expectLast(store, v, 1_000, "the raced step was accepted once over an earlier one");
      },
    },
    {
      name: "ends at the highest step when concurrent callers race with different steps",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store, { concurrency }) {
        const u = user();
        await expectAdvance(store, u, 500, true, "the first step is accepted");
        const steps = Array.from({ length: concurrency }, (_, i) => 480 + i);
        const results = await Promise.all(steps.map((s) => store.advanceTotpStep(u, s)));
        steps.forEach((s, i) => {
          if (s <= 500) assert.equal(results[i], false, `step ${String(s)} is not after 500 and must be refused`);
        });
        const highest = steps[steps.length - 1] ?? 0;
        assert.equal(results[steps.length - 1], true, `the highest step, ${String(highest)}, must be accepted`);
        await expectLast(store, u, highest, "no lower step may overwrite a higher one (a lost update)");
      },
    },
  ],
);
