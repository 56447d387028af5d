/**
 * Shred generations, which keep a data key load from caching what a concurrent shred destroyed.
 * `generation` counts shred events; a scope maps to the generation of its last one. A load notes
 * the generation before it awaits the store and, before caching what it read, checks its scope
 * had no shred event since: otherwise the read may predate the delete, and it reads again.
 * Entries are only needed while a load is waiting.
 */

/** @internal */
export interface ShredGenerations {
  /** The generation now: note it before awaiting the store. */
  current(): number;
  /** Whether `scope` was shredded after generation `started`. */
  shreddedSince(scope: string, started: number): boolean;
  /** Runs a load that may compare generations (the table is kept while any runs). */
  tracked<T>(load: () => Promise<T>): Promise<T>;
  /** Records a shred event of `scope`. */
  shredded(scope: string): void;
}

/** @internal */
export function createShredGenerations(): ShredGenerations {
  let generation = 0;
  const shreddedAt = new Map<string, number>();
  let loading = 0;
  return {
    current: () => generation,
    shreddedSince: (scope, started) => (shreddedAt.get(scope) ?? 0) > started,
    async tracked(load) {
      loading++;
      try {
        return await load();
      } finally {
        if (--loading === 0) shreddedAt.clear();
      }
    },
    shredded(scope) {
      shreddedAt.set(scope, ++generation);
    },
  };
}
