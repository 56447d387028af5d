/**
 * Which external services the tests may use. Without DATABASE_URL, Postgres tests run on PGlite
 * only; without REDIS_URL, REDIS_CLUSTER_URL or MYSQL_URL, Redis, Redis Cluster or MySQL tests
 * are skipped with a reason. With
 * MOATKIT_REQUIRE_SERVICES=1 (set by .ci/run) a missing service is a failure, not a skip.
 */
import { describe, it } from "vitest";

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

export function envUrl(name: "DATABASE_URL" | "REDIS_URL" | "REDIS_CLUSTER_URL" | "MYSQL_URL"): string | undefined {
  const value = process.env[name];
  return value === undefined || value === "" ? undefined : value;
}

/**
 * Registers `name` for a run where `variable` is not set: under MOATKIT_REQUIRE_SERVICES=1 a
 * failing test naming the service; otherwise a skipped test whose title is `skipReason`, or
 * nothing when there is no reason to give (the tests run elsewhere, e.g. on PGlite).
 */
export function describeWithoutService(
  name: string,
  service: "PostgreSQL" | "Redis" | "Redis Cluster" | "MySQL" | "Chromium",
  variable: "DATABASE_URL" | "REDIS_URL" | "REDIS_CLUSTER_URL" | "MYSQL_URL" | "MOATKIT_CHROMIUM",
  skipReason?: string,
): void {
  if (!requireServices && skipReason === undefined) return;
  describe(name, () => {
    if (requireServices) {
      it(`needs ${service}`, () => {
        throw new Error(
          `${service} is required (MOATKIT_REQUIRE_SERVICES=1) but ${variable} is not set${skipReason === undefined ? "" : ` (${skipReason})`}`,
        );
      });
    } else {
      it.skip(skipReason ?? "", () => {});
    }
  });
}
