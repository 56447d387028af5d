/** What every store over {@link CasKv} shares: unambiguous keys, JSON values, a retried compare-and-set. */
import type { CasKv } from "./cas-kv.js";

/**
 * The key of a record: a namespace, then the parts as a JSON array. JSON encoding is injective,
 * so `["a:b"]` and `["a", "b"]` never collide, and the bytes of every part are kept exactly (no
 * case folding, no trimming).
 */
export function kvKey(namespace: string, ...parts: readonly string[]): string {
  return `${namespace}:${JSON.stringify(parts)}`;
}

/** The decision an update makes from what it read: what to write (`undefined`: nothing) and what to answer. */
export interface Decision<T, R> {
  readonly write?: T | null;
  readonly result: R;
}

/**
 * Reads `key`, decides from that read, and writes the decision with a compare-and-set on the
 * version it read; when another writer got there first, reads again and decides again. The
 * answer always comes from the read the write was conditioned on (or, for a decision that
 * writes nothing, from one consistent read), never from an older one.
 */
export async function updateKey<T, R>(
  kv: CasKv,
  key: string,
  decide: (current: T | null) => Decision<T, R>,
): Promise<R> {
  for (;;) {
    const read = await kv.get(key);
    // Values are only ever written by these stores, as JSON of T.
    const current = read === null ? null : (JSON.parse(read.value) as T);
    const decision = decide(current);
    if (decision.write === undefined) return decision.result;
    const value = decision.write === null ? null : JSON.stringify(decision.write);
    if (await kv.compareAndSet(key, read?.version ?? null, value)) return decision.result;
  }
}

/** Creates `key`; throws when it exists (the unique index of a SQL store). */
export async function insertKey(kv: CasKv, key: string, value: unknown): Promise<void> {
  if (!(await kv.compareAndSet(key, null, JSON.stringify(value)))) {
    throw new Error("a record with this key already exists");
  }
}

/** Deletes every record under `namespace` that `matches`, each with a compare-and-set; how many it deleted. */
// T names the record type a namespace holds (each store writes one type per namespace).
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
export async function deleteWhere<T>(kv: CasKv, namespace: string, matches: (value: T) => boolean): Promise<number> {
  let deleted = 0;
  for (const key of await kv.keys(`${namespace}:`)) {
    const gone = await updateKey<T, boolean>(kv, key, (current) =>
      current !== null && matches(current) ? { write: null, result: true } : { result: false },
    );
    if (gone) deleted++;
  }
  return deleted;
}
