/**
 * moatkit's root export holds only what every module shares: the error type and its codes,
 * the credential-check {@link Result} type and {@link Secret}. Each capability has its own
 * subpath (`moatkit/crypto`, `moatkit/apikeys`, …) so importing one loads nothing else.
 *
 * @example
 * ```ts
 * import { MoatError, isMoatError, type Result } from "moatkit";
 * ```
 *
 * @module
 */
export {
  ERROR_CODES,
  MoatError,
  isMoatError,
  type MoatErrorCode,
  type MoatErrorOptions,
  type Result,
} from "./errors.js";
export { Secret, isSecret } from "./_internal/secret.js";
export type { Clock, RandomSource } from "./_internal/runtime.js";
export type { ValidationIssue } from "./_internal/options.js";
