/**
 * Times cross the SqlClient as ISO strings cast to timestamptz, and come back as milliseconds
 * cast to float8, so `pg` and PGlite (which decode timestamptz and numeric differently) return
 * the same JS numbers. Every comparison uses the caller's clock, never the database's `now()`,
 * so injected clocks work against Postgres too.
 */

/** A bound-parameter value for a `$n::timestamptz` placeholder. */
export function timestampParam(ms: number): string {
  return new Date(ms).toISOString();
}

/** SQL for a timestamptz column as milliseconds since the epoch (float8, exact for ms values). */
export function epochMsSql(column: string): string {
  return `(extract(epoch from ${column}) * 1000)::float8`;
}
