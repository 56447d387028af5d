/**
 * A per-operation deadline for the store under test. A database waiting on a lock answers only
 * when its lock wait times out (InnoDB: 50 s by default; Postgres: never, unless configured), far
 * past a test's own timeout; the test would then fail with "timed out" and no word about which
 * call hung, while the hung call keeps holding connections that slow the cases after it. Each
 * store call is raced against a timer instead, and the first one that overruns fails the case
 * naming the store, the method and how many of its calls were still pending.
 */
import { AssertionError } from "node:assert";

/** What {@link withOperationTimeout} needs to name an overrun. */
export interface OperationTimeoutTarget {
  /** The store's name in the suite, e.g. `"refreshSessions"`. */
  readonly store: string;
  /** The case that made the call. */
  readonly caseName: string;
  /** The deadline per call, in milliseconds. */
  readonly timeoutMs: number;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof Reflect.get(value, "then") === "function"
  );
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

function overrun(target: OperationTimeoutTarget, method: string, pending: number): AssertionError {
  return new AssertionError({
    message:
      `${target.store}.${method} did not settle within ${String(target.timeoutMs)} ms ` +
      `(${String(pending)} call(s) of it pending) in "${target.caseName}": the store is waiting on a lock ` +
      `or a connection, or deadlocked; a lock-based store must take its locks in one order and never ` +
      `hold one while waiting for another caller`,
  });
}

/** Races `promise` against the deadline; the timer never keeps the process alive. */
function raced<T>(promise: PromiseLike<T>, fail: () => AssertionError, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(fail());
    }, timeoutMs);
    timer.unref();
    Promise.resolve(promise).then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/**
 * A view of `store` whose methods each fail with an AssertionError naming the operation when
 * they do not settle within `target.timeoutMs`. An async iterable a method returns (an audit
 * scan) gets the deadline on each page. Properties that are not functions read through unchanged.
 */
export function withOperationTimeout<S extends object>(store: S, target: OperationTimeoutTarget): S {
  const pending = new Map<string, number>();
  const track = <T>(method: string, promise: PromiseLike<T>): Promise<T> => {
    pending.set(method, (pending.get(method) ?? 0) + 1);
    const done = (): void => {
      pending.set(method, (pending.get(method) ?? 1) - 1);
    };
    const result = raced(promise, () => overrun(target, method, pending.get(method) ?? 0), target.timeoutMs);
    result.then(done, done);
    return result;
  };
  const timedIterable = (method: string, iterable: AsyncIterable<unknown>): AsyncIterable<unknown> => ({
    [Symbol.asyncIterator]() {
      const iterator = iterable[Symbol.asyncIterator]();
      return {
        next: () => track(method, iterator.next()),
        return: async (value?: unknown) =>
          iterator.return === undefined ? { done: true, value } : track(method, iterator.return(value)),
      };
    },
  });
  const wrappers = new Map<PropertyKey, unknown>();
  // A proxy rather than a copy: a store may be a class instance with methods on its prototype.
  return new Proxy(store, {
    get(target, key) {
      const member: unknown = Reflect.get(target, key);
      if (typeof member !== "function" || typeof key !== "string") return member;
      let wrapper = wrappers.get(key);
      if (wrapper === undefined) {
        wrapper = (...args: unknown[]): unknown => {
          const result: unknown = Reflect.apply(member, target, args);
          if (isThenable(result)) return track(key, result);
          if (isAsyncIterable(result)) return timedIterable(key, result);
          return result;
        };
        wrappers.set(key, wrapper);
      }
      return wrapper;
    },
  });
}
