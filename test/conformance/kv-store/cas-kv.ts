/**
 * A key-value engine with compare-and-set as its only atomic operation, the primitive DynamoDB
 * (`ConditionExpression`), etcd (`Txn` on `mod_revision`), Consul (`?cas=`), FoundationDB and
 * Redis (`WATCH`/`MULTI`) all offer. Every call yields before answering, as a network round trip
 * would, so concurrent callers interleave between a read and the compare-and-set that follows.
 */

/** A stored value and its version. */
export interface Versioned {
  readonly value: string;
  /** Changes on every write; never reused, so a deleted and re-created key does not match. */
  readonly version: number;
}

export interface CasKv {
  /** The value and version of `key`, or `null` when it is absent. */
  get(key: string): Promise<Versioned | null>;
  /**
   * Writes `value` to `key` (`null` deletes it) if the key's version is still `expected`
   * (`null`: the key must be absent). Returns whether it wrote.
   */
  compareAndSet(key: string, expected: number | null, value: string | null): Promise<boolean>;
  /** Every key starting with `prefix`, in no particular order. */
  keys(prefix: string): Promise<string[]>;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    setImmediate(resolve);
  });
}

/** The engine over a Map, for tests. */
export function createMapCasKv(): CasKv {
  const data = new Map<string, Versioned>();
  let lastVersion = 0;
  return {
    async get(key) {
      await nextTurn();
      return data.get(key) ?? null;
    },
    async compareAndSet(key, expected, value) {
      await nextTurn();
      const current = data.get(key);
      if ((current?.version ?? null) !== expected) return false;
      if (value === null) data.delete(key);
      else data.set(key, { value, version: ++lastVersion });
      return true;
    },
    async keys(prefix) {
      await nextTurn();
      return [...data.keys()].filter((k) => k.startsWith(prefix));
    },
  };
}
