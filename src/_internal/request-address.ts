/**
 * The client address `requestContext()` (moatkit/express) resolved for a request, kept where
 * `auditContextFromRequest` (moatkit/audit) can find it without loading moatkit/express: one
 * address per request, whichever helper asks.
 */
import { findRequestState, requestState } from "./request-state.js";

/** Records the address resolved for `req` (undefined when its socket was already gone). */
export function rememberClientAddress(req: object, address: string | undefined): void {
  requestState(req).address = address ?? null;
}

/**
 * The address recorded for `req`: `{ address }` (the address undefined when the socket was gone),
 * or undefined when `requestContext()` did not run for it.
 */
export function recalledClientAddress(req: object): { readonly address: string | undefined } | undefined {
  const address = findRequestState(req)?.address;
  if (address === undefined) return undefined;
  return { address: address ?? undefined };
}
