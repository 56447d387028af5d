import { expect } from "vitest";
import { isMoatError, type MoatError, type MoatErrorCode } from "../../src/errors.js";

function check(thrown: unknown, code: MoatErrorCode): MoatError {
  expect(isMoatError(thrown), `expected a MoatError ${code}, got ${String(thrown)}`).toBe(true);
  const err = thrown as MoatError;
  expect(err.code, `expected ${code}, got ${err.code}: ${err.message}`).toBe(code);
  return err;
}

/** Asserts that `fn` throws a MoatError with `code`, and returns it for further checks. */
export function expectMoatError(fn: () => unknown, code: MoatErrorCode): MoatError {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  return check(thrown, code);
}

/** Asserts that the promise rejects with a MoatError with `code`, and returns it. */
export async function expectMoatErrorAsync(
  promise: Promise<unknown> | (() => Promise<unknown>),
  code: MoatErrorCode,
): Promise<MoatError> {
  let thrown: unknown;
  try {
    await (typeof promise === "function" ? promise() : promise);
  } catch (err) {
    thrown = err;
  }
  return check(thrown, code);
}

/** Values of every wrong type, for "rejects wrong types" tables. */
export const WRONG_TYPES: readonly unknown[] = [
  undefined,
  null,
  42,
  Number.NaN,
  true,
  {},
  [],
  Symbol("s"),
  10n,
  () => "x",
];
