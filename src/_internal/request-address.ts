/**
 * The client address `requestContext()` (moatkit/express) resolved for a request, kept where
 * `auditContextFromRequest` (moatkit/audit) can find it without loading moatkit/express: one
 * address per request, whichever helper asks.
 */

const addresses = new WeakMap<object, string | null>();

/** Records the address resolved for `req` (undefined when its socket was already gone). */
export function rememberClientAddress(req: object, address: string | undefined): void {
  addresses.set(req, address ?? null);
}

/**
 * The address recorded for `req`: `{ address }` (the address undefined when the socket was gone),
 * or undefined when `requestContext()` did not run for it.
 */
export function recalledClientAddress(req: object): { readonly address: string | undefined } | undefined {
  if (!addresses.has(req)) return undefined;
  return { address: addresses.get(req) ?? undefined };
}
