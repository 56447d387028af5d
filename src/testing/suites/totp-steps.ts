import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { isMoatError } from "../../errors.js";
import { TOTP_STEP_STORE_METHODS, type TotpStepStore } from "../../mfa/store.js";
import { type ConformanceSuite, defineConformanceSuite } from "../define-suite.js";
import { raceExactlyOne } from "../race.js";

const user = (): string => `user-${randomUUID()}`;

// Generous: the cases run against real databases on machines that may be busy.
const CASE_TIMEOUT_MS = 30_000;

/** The conformance suite of {@link TotpStepStore} (store name `totpSteps`). */
export const totpStepsSuite: ConformanceSuite = defineConformanceSuite<TotpStepStore>(
  "totpSteps",
  TOTP_STEP_STORE_METHODS,
  [
    {
      name: "has no last step for a user it has never seen",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store) {
        assert.equal(await store.getLastTotpStep(user()), null);
      },
    },
    {
      name: "accepts the first step, including step 0, and reports it as the last",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store) {
        const a = user();
        assert.equal(await store.advanceTotpStep(a, 0), true);
        assert.equal(await store.getLastTotpStep(a), 0);
        const b = user();
        assert.equal(await store.advanceTotpStep(b, 58_000_000), true);
        assert.equal(await store.getLastTotpStep(b), 58_000_000);
      },
    },
    {
      name: "refuses the same step twice and any earlier step, and accepts a later one",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store) {
        const u = user();
        assert.equal(await store.advanceTotpStep(u, 100), true);
        assert.equal(await store.advanceTotpStep(u, 100), false);
        assert.equal(await store.advanceTotpStep(u, 99), false);
        assert.equal(await store.advanceTotpStep(u, 0), false);
        assert.equal(await store.getLastTotpStep(u), 100);
        assert.equal(await store.advanceTotpStep(u, 101), true);
        assert.equal(await store.advanceTotpStep(u, 250), true);
        assert.equal(await store.getLastTotpStep(u), 250);
      },
    },
    {
      name: "keeps users apart, including ids that share a prefix or contain separators",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store) {
        const base = user();
        const ids = [base, `${base}:x`, `${base}x`, `${base} `, `${base}:ü💥`];
        for (const [i, id] of ids.entries()) assert.equal(await store.advanceTotpStep(id, 10 + i), true);
        for (const [i, id] of ids.entries()) assert.equal(await store.getLastTotpStep(id), 10 + i);
        assert.equal(await store.advanceTotpStep(`${base}:x`, 11), false);
        assert.equal(await store.advanceTotpStep(base, 10), false);
      },
    },
    {
      name: "stores steps up to 2^53 - 1 exactly",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store) {
        const u = user();
        const big = Number.MAX_SAFE_INTEGER - 1;
        assert.equal(await store.advanceTotpStep(u, big), true);
        assert.equal(await store.getLastTotpStep(u), big);
        assert.equal(await store.advanceTotpStep(u, big), false);
        assert.equal(await store.advanceTotpStep(u, Number.MAX_SAFE_INTEGER), true);
        assert.equal(await store.getLastTotpStep(u), Number.MAX_SAFE_INTEGER);
      },
    },
    {
      name: "refuses steps that are not non-negative safe integers with ERR_INVALID_INPUT",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store) {
        const u = user();
        for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
          await assert.rejects(store.advanceTotpStep(u, bad), (err) => isMoatError(err, "ERR_INVALID_INPUT"));
        }
        assert.equal(await store.getLastTotpStep(u), null);
      },
    },
    {
      name: "advances a step exactly once when 50 callers race with the same step",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store) {
        const u = user();
        await raceExactlyOne(50, () => store.advanceTotpStep(u, 1_000));
        assert.equal(await store.getLastTotpStep(u), 1_000);
      },
    },
    {
      name: "ends at the highest step when 50 callers race with different steps",
      timeoutMs: CASE_TIMEOUT_MS,
      async run(store) {
        const u = user();
        assert.equal(await store.advanceTotpStep(u, 500), true);
        const steps = Array.from({ length: 50 }, (_, i) => 480 + i);
        const results = await Promise.all(steps.map((s) => store.advanceTotpStep(u, s)));
        // Steps at or below 500 can never win; the highest always does.
        steps.forEach((s, i) => {
          if (s <= 500) assert.equal(results[i], false, `step ${String(s)} must lose`);
        });
        assert.equal(results[steps.length - 1], true);
        assert.equal(await store.getLastTotpStep(u), 529);
      },
    },
  ],
);
