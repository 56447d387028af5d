/**
 * Stores are plain objects of async methods supplied by the caller. Their shape is checked once,
 * when the factory that takes them is called, and every call into them goes through one wrapper
 * that turns a driver failure into ERR_STORE, so no capability repeats either piece.
 */
import { z } from "zod";
import { storeFailure } from "./store-error.js";

/** The method names a store interface must have. */
export type StoreMethods<S> = readonly (keyof S & string)[];

/** Whether `value` is an object with every one of `methods` as a function. */
export function hasStoreMethods<S>(value: unknown, methods: StoreMethods<S>): value is S {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return false;
  return methods.every((m) => typeof Reflect.get(value, m) === "function");
}

/**
 * A zod schema for a store option: accepts an object with every method, typed as `S`. The
 * failure message lists the methods the interface needs (names only, never the value).
 */
export function storeSchema<S>(methods: StoreMethods<S>): z.ZodType<S> {
  return z.custom<S>((value) => hasStoreMethods(value, methods), `expected a store with methods ${methods.join(", ")}`);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof Reflect.get(value, "then") === "function"
  );
}

/**
 * A copy of the store with each of `methods` wrapped so a failure inside it becomes ERR_STORE naming
 * the store and the operation (a MoatError the store raised passes through). A method that
 * returns something other than a promise (an async iterable, say) is returned unwrapped; the
 * caller wraps its steps itself.
 *
 * @param name the store's name in messages, e.g. `"apiKeys"`.
 */
export function wrapStore<S extends object>(name: string, store: S, methods: StoreMethods<S>): S {
  // A copy, not a proxy: capabilities call only the interface's methods, and a plain object
  // costs nothing per call (a proxy's trap ran on every lookup). The copy is not frozen even
  // when the store is, so its methods can be replaced; each still runs with the store as `this`.
  const wrapped = { ...store };
  for (const method of methods) {
    const fn: unknown = Reflect.get(store, method);
    if (typeof fn !== "function") continue;
    // One rejection handler per method, made once: the wrapper adds a single `then` per call.
    const fail = (err: unknown): never => {
      throw storeFailure(name, method, err);
    };
    Object.defineProperty(wrapped, method, {
      enumerable: true,
      value: (...args: unknown[]): unknown => {
        let result: unknown;
        try {
          result = Reflect.apply(fn, store, args);
        } catch (err) {
          return Promise.reject(storeFailure(name, method, err));
        }
        // Any thenable counts (a driver's own promise type, another realm's Promise).
        return isThenable(result) ? Promise.resolve(result).then(undefined, fail) : result;
      },
    });
  }
  return wrapped;
}
