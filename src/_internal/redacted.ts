/**
 * The one placeholder moatkit writes in place of a value it withholds (a value under a
 * sensitive key in a log line, an audit payload or a diff). One constant, so `moatkit/redact`
 * and `moatkit/audit` output the same text and a log search for it finds both.
 */

/**
 * What a value under a sensitive key becomes.
 *
 * @example
 * ```ts
 * import { REDACTED } from "moatkit/redact";
 * line.includes(REDACTED); // "[REDACTED]"
 * ```
 */
export const REDACTED = "[REDACTED]";
