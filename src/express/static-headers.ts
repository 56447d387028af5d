/**
 * A header middleware that does the same thing on every response (helmet without function-valued
 * CSP directives) is run once at start-up against a recorder, and the recorded header operations
 * are replayed on each response: the same headers, values and order, without walking helmet's
 * chain of a dozen middlewares per request.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { isPlainObject } from "../_internal/own-field.js";
import type { Middleware, NextFunction } from "./types.js";

type HeaderOp = readonly [name: string, value: number | string | readonly string[] | undefined];

const MAX_DEPTH = 8;

/**
 * Whether `value` may make the middleware answer differently per request: a function anywhere in
 * it (a CSP nonce), or anything but plain data (arrays, Sets, plain objects, primitives).
 */
function mayVary(value: unknown, depth = 0): boolean {
  if (typeof value === "function") return true;
  if (typeof value !== "object" || value === null) return false;
  // Deeper than any helmet option: treat it as dynamic rather than guess.
  if (depth > MAX_DEPTH) return true;
  let items: Iterable<unknown>;
  if (Array.isArray(value) || value instanceof Set) items = value as Iterable<unknown>;
  else if (isPlainObject(value)) items = Object.values(value);
  else return true;
  for (const item of items) if (mayVary(item, depth + 1)) return true;
  return false;
}

/** A stand-in that throws on every access except reading the methods it has. */
function strict(target: object): unknown {
  const refuse = (): never => {
    throw new TypeError("not a static header middleware");
  };
  return new Proxy(target, {
    get: (t, key): unknown => {
      if (!Object.hasOwn(t, key)) refuse();
      const value: unknown = Reflect.get(t, key);
      return value;
    },
    has: refuse,
    set: refuse,
    deleteProperty: refuse,
    defineProperty: refuse,
    ownKeys: refuse,
    getOwnPropertyDescriptor: refuse,
    getPrototypeOf: refuse,
  });
}

/**
 * The header operations `middleware` performs on a response, or undefined when it does anything
 * else (reads the request or the response, fails, or does not call `next` at once).
 */
function record(middleware: Middleware): readonly HeaderOp[] | undefined {
  const ops: HeaderOp[] = [];
  const recorder = {
    setHeader(name: unknown, value: unknown): void {
      if (typeof name !== "string") throw new TypeError("not a header name");
      if (typeof value !== "string" && typeof value !== "number" && !Array.isArray(value))
        throw new TypeError("not a header value");
      ops.push([name, Array.isArray(value) ? (value as unknown[]).map(String) : value]);
    },
    removeHeader(name: unknown): void {
      if (typeof name !== "string") throw new TypeError("not a header name");
      ops.push([name, undefined]);
    },
  };
  const calls = { next: 0, failed: false };
  try {
    // Anything but setHeader/removeHeader on these stand-ins throws, and we fall back.
    middleware(strict({}) as IncomingMessage, strict(recorder) as ServerResponse, (err?: unknown) => {
      if (err !== undefined) calls.failed = true;
      calls.next += 1;
    });
  } catch {
    return undefined;
  }
  return calls.next === 1 && !calls.failed ? ops : undefined;
}

/**
 * `middleware` itself, or, when it provably sets the same headers on every response, a
 * middleware that replays them.
 */
export function replayStaticHeaders(middleware: Middleware, options: unknown): Middleware {
  if (mayVary(options)) return middleware;
  const ops = record(middleware);
  if (ops === undefined) return middleware;
  const names = ops.map(([name]) => name);
  const values = ops.map(([, value]) => value);
  const count = ops.length;
  return function moatkitSecurityHeaders(_req: IncomingMessage, res: ServerResponse, next: NextFunction): void {
    for (let i = 0; i < count; i++) {
      const value = values[i];
      if (value === undefined) res.removeHeader(names[i] as string);
      // A list is copied: node hands the stored value out through getHeader, where it could be changed.
      else res.setHeader(names[i] as string, typeof value === "object" ? [...value] : value);
    }
    next();
  };
}
