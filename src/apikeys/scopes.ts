/**
 * The scope syntax of moatkit/apikeys, in a leaf module so moatkit/express can check the scopes
 * a route asks for at start-up without loading the key manager.
 */

/** A scope: 1–128 printable ASCII characters without spaces (`notes:read`, `deploys:write`). */
export const SCOPE_RE: RegExp = /^[\x21-\x7e]{1,128}$/;

/** The most scopes one key (or one check) may list. */
export const MAX_SCOPES = 100;
