/**
 * Which external services the tests may use. Without DATABASE_URL, Postgres tests run on PGlite
 * only; without REDIS_URL, Redis tests are skipped with a reason. With
 * MOATKIT_REQUIRE_SERVICES=1 (set by .ci/run) a missing service is a failure, not a skip.
 */
export const requireServices = process.env.MOATKIT_REQUIRE_SERVICES === "1";

/** A URL's host and port only, so a password in it never reaches test output. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port === "" ? "(default port)" : u.port}`;
  } catch {
    return "(unparseable URL)";
  }
}

export function envUrl(name: "DATABASE_URL" | "REDIS_URL"): string | undefined {
  const value = process.env[name];
  return value === undefined || value === "" ? undefined : value;
}
