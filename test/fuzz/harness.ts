/**
 * Shared pieces of the fuzz properties: every parser and verifier of untrusted input either
 * returns a result or throws a MoatError, and returns in bounded time.
 *
 * MOATKIT_FUZZ_RUNS sets the number of runs per property (`npm run fuzz` sets it high); the
 * default keeps `npm test` fast.
 */
import fc from "fast-check";
import { expect } from "vitest";
import { isMoatError } from "../../src/errors.js";

const envRuns = Number(process.env.MOATKIT_FUZZ_RUNS ?? "");
const deep = Number.isSafeInteger(envRuns) && envRuns > 0;

/** Runs for a property: `base` in CI, MOATKIT_FUZZ_RUNS (scaled by `base / 200` for slow calls) under `npm run fuzz`. */
export function fuzzRuns(base = 200): number {
  return deep ? Math.max(base, Math.round((envRuns * base) / 200)) : base;
}

/** Vitest timeout for a property: generous in CI, unbounded-ish when fuzzing deeply. */
export const FUZZ_TIMEOUT = deep ? 24 * 3_600_000 : 30_000;

/**
 * The per-call bound, checked only under `npm run fuzz` (MOATKIT_FUZZ_RUNS set): there it is a
 * hang / ReDoS finder, since a call that takes a second on a 200-character input is stuck in
 * something super-linear however slow the machine. `npm test` asserts no timings (a loaded CI
 * machine must not fail a correct build); there the test's own timeout is the hang guard, and
 * linear time on adversarial input is proven by the redaction adversarial tests.
 */
const PER_CALL_MS = 1_000;

/**
 * Calls `fn` and checks the outcome: a value (passed to `check`, e.g. "has an ok boolean"), or a
 * thrown or rejected MoatError. Anything else (TypeError, RangeError, …) fails the property.
 */
export async function outcome<T>(fn: () => T | Promise<T>, check: (value: T) => void = okResult): Promise<void> {
  const started = performance.now();
  let value: T;
  try {
    value = await fn();
  } catch (err) {
    if (!isMoatError(err)) throw new Error(`non-MoatError thrown: ${String(err)}`, { cause: err });
    expectBounded(started);
    return;
  }
  expectBounded(started);
  check(value);
}

function expectBounded(started: number): void {
  if (deep) expect(performance.now() - started).toBeLessThan(PER_CALL_MS);
}

/** The usual verification result: an object with a boolean `ok`. */
export function okResult(value: unknown): void {
  expect(typeof value).toBe("object");
  expect(typeof (value as { ok?: unknown }).ok).toBe("boolean");
}

/** Characters of base64url, the alphabet of most tokens. */
export const b64uChar = fc.constantFrom(
  ..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".split(""),
);

/** Random strings: printable, any code unit (lone surrogates included), and base64url. */
export const anyString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.string({ unit: b64uChar, maxLength: 200 }),
);

/** A mutation of a valid token: flip, insert, delete or truncate at some position. */
export function mutated(valid: string): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.nat(valid.length),
      fc.constantFrom("flip", "insert", "delete", "truncate", "dup"),
      fc.string({ maxLength: 4 }),
    )
    .map(([at, op, s]) => {
      const i = Math.min(at, valid.length);
      if (op === "flip") return valid.slice(0, i) + (s === "" ? "A" : s) + valid.slice(i + 1);
      if (op === "insert") return valid.slice(0, i) + s + valid.slice(i);
      if (op === "delete") return valid.slice(0, i) + valid.slice(i + 1);
      if (op === "dup") return valid.slice(0, i) + valid.slice(i, i + 8).repeat(50) + valid.slice(i);
      return valid.slice(0, i);
    });
}

/** Dot-separated base64url segments (JWT / JWS / envelope-token shaped). */
export const segments: fc.Arbitrary<string> = fc
  .array(fc.oneof(fc.string({ unit: b64uChar, maxLength: 60 }), fc.string({ maxLength: 8 })), { maxLength: 6 })
  .map((parts) => parts.join("."));
