/**
 * Reading stored rows during chain verification: what one row says on its own (its seq, whether
 * it hashes to its `hash`), and a cursor that walks pages of rows with one row of lookahead.
 * Nothing here trusts the store; the verifier draws every conclusion from these facts.
 */
import { sha256Hex } from "../_internal/hash.js";
import { canonicalJsonWithout } from "./canonical.js";

/** The result of inspecting one row on its own. */
export interface RowFacts {
  readonly seq: number | null;
  readonly hashOk: boolean;
  readonly orgId: unknown;
  readonly prevHash: unknown;
  readonly hash: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function inspect(row: unknown): RowFacts {
  if (!isRecord(row)) return { seq: null, hashOk: false, orgId: undefined, prevHash: undefined, hash: "" };
  const hash = row.hash;
  const seqValue = row.seq;
  const seq = typeof seqValue === "number" && Number.isSafeInteger(seqValue) && seqValue >= 1 ? seqValue : null;
  let hashOk = false;
  // A computed hash is 64 hex digits, so equality alone also proves `hash` is well-formed.
  if (typeof hash === "string" && hash.length === 64) {
    try {
      hashOk = sha256Hex(canonicalJsonWithout(row, "hash")) === hash;
    } catch {
      hashOk = false; // not representable as JSON: cannot be what was hashed
    }
  }
  return {
    seq,
    hashOk,
    orgId: row.orgId,
    prevHash: row.prevHash,
    hash: hashOk && typeof hash === "string" ? hash : "",
  };
}

/** Reads rows one at a time out of pages, with one row of lookahead. */
export class RowCursor {
  readonly #pages: AsyncIterator<readonly unknown[]> | Iterator<readonly unknown[]>;
  #page: readonly unknown[] = [];
  #index = 0;
  #done = false;
  #afterPage: (() => Promise<void>) | undefined;

  constructor(pages: AsyncIterable<readonly unknown[]> | Iterable<readonly unknown[]>, afterPage: () => Promise<void>) {
    this.#pages = Symbol.asyncIterator in pages ? pages[Symbol.asyncIterator]() : pages[Symbol.iterator]();
    this.#afterPage = afterPage;
  }

  async #fill(): Promise<boolean> {
    while (this.#index >= this.#page.length) {
      if (this.#done) return false;
      if (this.#afterPage !== undefined) await this.#afterPage();
      const next = await this.#pages.next();
      if (next.done === true) {
        this.#done = true;
        return false;
      }
      this.#page = next.value;
      this.#index = 0;
    }
    return true;
  }

  /** The next row of the current page, or `MORE` when the page is used up (then call `next`). */
  take(): unknown {
    return this.#index < this.#page.length ? this.#page[this.#index++] : MORE;
  }

  /** The next row, or `END`. */
  async next(): Promise<unknown> {
    if (this.#index >= this.#page.length && !(await this.#fill())) return END;
    return this.#page[this.#index++];
  }

  /** The row `next()` would return, without consuming it. */
  async peek(): Promise<unknown> {
    if (this.#index >= this.#page.length && !(await this.#fill())) return END;
    return this.#page[this.#index];
  }

  /** Stops the underlying iteration early (closes a database cursor, for instance). */
  async close(): Promise<void> {
    this.#afterPage = undefined;
    if (!this.#done) {
      this.#done = true;
      await this.#pages.return?.();
    }
  }
}

export const END: unique symbol = Symbol("end");
export const MORE: unique symbol = Symbol("more");

/** Rows between two yields to the event loop, so a long verification never blocks it. */
export const YIELD_EVERY = 4096;

export function seqOf(row: unknown): number | undefined {
  if (typeof row !== "object" || row === null) return undefined;
  const seq: unknown = Reflect.get(row, "seq");
  return typeof seq === "number" ? seq : undefined;
}
