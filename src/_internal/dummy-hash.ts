/**
 * The bcrypt hash a check compares against when there is nothing real to compare (an unknown
 * user, no matching recovery code), so that answer takes as long as a real one. It hashes a random
 * string, so nothing a caller types can match it.
 */
import { bcryptSalt, bcryptWorkers } from "./bcrypt-pool.js";
import { randomToken, systemRandom } from "./runtime.js";

/**
 * Starts hashing a dummy of `cost` in the background and returns a getter for it. If the hash
 * fails (a full queue, a shutdown), the next call to the getter starts it again.
 */
export function lazyDummyHash(cost: number): () => Promise<string> {
  let dummy: Promise<string> | undefined;
  const make = (): Promise<string> => {
    const made = bcryptWorkers.hash(randomToken(systemRandom, 18), bcryptSalt(cost, systemRandom));
    made.catch(() => {
      if (dummy === made) dummy = undefined;
    });
    return made;
  };
  dummy = make();
  return () => (dummy ??= make());
}
