/**
 * Type-level tests of the root export: `npm run typecheck` fails if these stop holding.
 * (vitest runs the file too; expectTypeOf is a no-op at runtime.)
 */
import { describe, expectTypeOf, it } from "vitest";
import { type MoatErrorCode, MoatError, type Result, Secret } from "../../src/index.js";

describe("root types", () => {
  it("MoatError.code is the closed union of codes", () => {
    expectTypeOf<MoatError["code"]>().toEqualTypeOf<MoatErrorCode>();
    expectTypeOf<"ERR_DECRYPT">().toExtend<MoatErrorCode>();
    expectTypeOf<"ERR_TYPO">().not.toExtend<MoatErrorCode>();
    // @ts-expect-error an unknown code does not compile
    expectTypeOf(MoatError).toBeConstructibleWith("ERR_TYPO");
  });

  it("Result narrows on ok and keeps reasons closed", () => {
    type R = Result<{ userId: string }, "invalid" | "expired">;
    const check = (r: R): string => (r.ok ? r.userId : r.reason);
    expectTypeOf(check).returns.toBeString();
    expectTypeOf<Extract<R, { ok: false }>["reason"]>().toEqualTypeOf<"invalid" | "expired">();
    // @ts-expect-error a failure has no userId
    expectTypeOf<Extract<R, { ok: false }>["userId"]>().toBeNever();
  });

  it("Secret only gives its value through reveal()", () => {
    expectTypeOf(new Secret("x").reveal()).toEqualTypeOf<string>();
    expectTypeOf<keyof Secret<string>>().toEqualTypeOf<"reveal" | "toString" | "toJSON" | typeof Symbol.toPrimitive>();
  });
});
