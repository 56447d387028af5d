/**
 * zod cannot check a function's signature at run time; option schemas accept any function for
 * hooks and injectables (`now`, `random`, `fetch`, `revalidate`) and let TypeScript type it.
 */
import { z } from "zod";

/** A schema that accepts any function, typed as `F`. */
export function functionSchema<F>(): z.ZodType<F> {
  return z.custom<F>((value) => typeof value === "function", "expected a function");
}
