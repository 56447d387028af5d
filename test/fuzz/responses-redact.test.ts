/**
 * Fuzz: Turnstile's siteverify answers (the body is parsed from the network) and redaction of
 * long adversarial text and values. A result or a MoatError, in bounded time (see harness.ts).
 * test/redact/properties.test.ts already checks that redact never throws; this adds the time
 * bound on long inputs built from the characters the detectors scan for.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PHONE_REGIONS, createRedactor, phoneDetector } from "../../src/redact/index.js";
import { verifyTurnstile, type TurnstileFetch } from "../../src/turnstile/index.js";
import { FUZZ_TIMEOUT, anyString, fuzzRuns, outcome } from "./harness.js";

describe("fuzz: turnstile", () => {
  it(
    "verifyTurnstile returns a result for any token and any siteverify answer",
    async () => {
      const answer = fc.oneof(
        anyString,
        fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
        fc
          .record(
            {
              success: fc.oneof(fc.boolean(), fc.anything()),
              hostname: fc.oneof(fc.constant("example.com"), fc.anything()),
              action: fc.oneof(fc.constant("login"), fc.anything()),
              "error-codes": fc.oneof(fc.array(anyString, { maxLength: 4 }), fc.anything()),
              challenge_ts: fc.anything(),
            },
            { requiredKeys: [] },
          )
          .map((v) => JSON.stringify(v)),
      );
      const status = fc.oneof(fc.constant(200), fc.integer({ min: 0, max: 999 }));
      await fc.assert(
        fc.asyncProperty(fc.oneof(anyString, fc.anything()), answer, status, async (token, body, code) => {
          const fetch: TurnstileFetch = () => Promise.resolve({ status: code, text: () => Promise.resolve(body) });
          await outcome(() =>
            verifyTurnstile(token, { secret: "s", fetch, expectedHostname: "example.com", expectedAction: "login" }),
          );
        }),
        { numRuns: fuzzRuns() },
      );
    },
    FUZZ_TIMEOUT,
  );
});

describe("fuzz: redaction", () => {
  const redactor = createRedactor();
  const masked = createRedactor({ replace: "mask" });
  // Every national phone format on: the most candidate starts a text can have.
  const regional = createRedactor({
    detectors: ["email", "ssn", phoneDetector({ regions: PHONE_REGIONS }), "credit_card"],
  });
  // Long runs of digits, separators and @ are where a backtracking scanner would blow up.
  const unit = fc.constantFrom(..."0123456789 -.+()@_aZ/x\n".split(""));
  const long = fc.oneof(
    fc.string({ unit, minLength: 1_000, maxLength: 20_000 }),
    fc.tuple(fc.string({ unit, maxLength: 12 }), fc.integer({ min: 1, max: 2_000 })).map(([s, n]) => s.repeat(n)),
    anyString,
  );

  it(
    "redact and redactValue return in bounded time on long adversarial text and any value",
    async () => {
      await fc.assert(
        fc.asyncProperty(long, fc.anything({ maxDepth: 3 }), async (text, value) => {
          await outcome(
            () => redactor.redact(text),
            (out) => {
              expect(typeof out).toBe("string");
            },
          );
          await outcome(
            () => masked.redact(text),
            (out) => {
              expect(typeof out).toBe("string");
            },
          );
          await outcome(
            () => regional.redact(text),
            (out) => {
              expect(typeof out).toBe("string");
            },
          );
          await outcome(
            () => redactor.redactValue(value),
            () => undefined,
          );
        }),
        { numRuns: fuzzRuns(50) },
      );
    },
    FUZZ_TIMEOUT,
  );
});
