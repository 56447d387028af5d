/**
 * Store calls fail as ERR_STORE naming the store and the operation. A MoatError raised inside
 * (a store reporting corrupt data, say) passes through unchanged. The driver's error is kept as
 * `cause` for debugging; it is never put in the message, because drivers quote values there.
 */
import { MoatError, isMoatError } from "../errors.js";

/** The error a failed store operation becomes: a MoatError as it is, anything else ERR_STORE. */
export function storeFailure(store: string, operation: string, err: unknown): MoatError {
  if (isMoatError(err)) return err;
  return new MoatError("ERR_STORE", { message: `${store} store failed during ${operation}`, cause: err });
}

/** Runs one store operation, turning driver failures into ERR_STORE. */
export async function storeCall<T>(store: string, operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw storeFailure(store, operation, err);
  }
}
