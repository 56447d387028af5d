/**
 * `npm run loadtest`: the example app (examples/express-saas) on PostgreSQL and Redis over
 * loopback, driven by autocannon with the mix of mix.ts for a fixed time, three runs in a row.
 * Reports requests/s, p50/p99 latency, answers by status, heap and RSS after a forced GC per
 * run, then checks audit chains, tenant isolation, one-time codes and login limits (checks.ts).
 * Exits non-zero when memory grows more than 10% from run 2 to run 3 or any check fails.
 *
 * Environment: DATABASE_URL (an admin connection; the run makes and uses its own database
 * `moatkit_load`, default postgres://postgres@127.0.0.1:5432/postgres), REDIS_URL (keys under
 * a prefix of the run's own, default redis://127.0.0.1:6379), LOAD_DURATION (seconds per run,
 * default 20), LOAD_CONNECTIONS (default 10), LOAD_TENANTS (default 60), LOAD_BCRYPT_COST
 * (default 4), LOAD_REPORT (a file to write the markdown to).
 */
import { writeFileSync } from "node:fs";
import os from "node:os";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateMasterKey } from "moatkit/crypto";
import { startApp } from "./app-control.js";
import { type Check, formatStatuses, mib, runChecks, table } from "./checks.js";
import { type RunResult, createMixState, driveMix, queueRecoveryCodes } from "./mix.js";
import { seedTenants } from "./seed.js";
import { freshDatabase } from "./services.js";

const env = process.env;
const duration = Number(env["LOAD_DURATION"] ?? 20);
const connections = Number(env["LOAD_CONNECTIONS"] ?? 10);
const tenantCount = Number(env["LOAD_TENANTS"] ?? 60);
const bcryptCost = Number(env["LOAD_BCRYPT_COST"] ?? 4);
const adminUrl = env["DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres";
const redisUrl = env["REDIS_URL"] ?? "redis://127.0.0.1:6379";
const runId = Date.now().toString(36);
const appRole = "moatkit_load_app";

const failures: string[] = [];
process.on("unhandledRejection", (err) => {
  console.error("unhandled rejection in the load driver:", err);
  process.exit(70);
});

const databaseUrl = await freshDatabase(adminUrl, "moatkit_load");
const logFile = join(tmpdir(), `moatkit-load-${runId}.log`);
const app = await startApp({
  databaseUrl,
  redisUrl,
  redisPrefix: `moatkit-load:${runId}:`,
  appRole,
  masterKeys: generateMasterKey({ id: "load" }).entry.reveal(),
  poolMax: 10,
  bcryptCost,
  logFile,
});

try {
  console.log(`seeding ${String(tenantCount)} tenants (owner + member with TOTP, an API key each)…`);
  const tenants = await seedTenants(app.port, app.turnstileToken, tenantCount, runId);
  const state = createMixState(tenants, false);

  const runs: { result: RunResult; heapUsed: number; rss: number }[] = [];
  for (let run = 0; run < 3; run++) {
    // Each run redeems the codes of a third of the users: the example allows 10 second-factor
    // attempts per user per 15 minutes, and each code is sent twice.
    const users = tenants.filter((t) => t.index % 3 === run).flatMap((t) => [t.owner, t.member]);
    queueRecoveryCodes(state, users, 4);
    console.log(`run ${String(run + 1)}: ${String(duration)} s, ${String(connections)} connections…`);
    const result = await driveMix(state, { port: app.port, connections, duration }).result;
    const memory = await app.memory();
    runs.push({ result, ...memory });
  }

  const checks: Check[] = await runChecks(state, { port: app.port, databaseUrl, appRole, exactlyOnce: true });
  const [, run2, run3] = runs;
  if (run2 !== undefined && run3 !== undefined) {
    const heapGrowth = run3.heapUsed / run2.heapUsed - 1;
    const rssGrowth = run3.rss / run2.rss - 1;
    checks.unshift({
      name: "heap and RSS grow ≤ 10% from run 2 to run 3",
      ok: heapGrowth <= 0.1 && rssGrowth <= 0.1,
      detail: `heap ${(heapGrowth * 100).toFixed(1)}%, RSS ${(rssGrowth * 100).toFixed(1)}%`,
    });
  }
  checks.push({
    name: "no unhandled rejection or crash in the app",
    ok: app.fatal.length === 0,
    detail: app.fatal.length === 0 ? "none" : app.fatal.join("; "),
  });

  const runTable = table(
    ["run", "requests", "req/s", "p50 ms", "p99 ms", "no answer", "answers by status", "heap used", "RSS"],
    runs.map(({ result, heapUsed, rss }, i) => [
      String(i + 1),
      String(result.requests),
      result.rps.toFixed(0),
      String(result.p50),
      String(result.p99),
      String(result.errors),
      formatStatuses(result.statuses),
      mib(heapUsed),
      mib(rss),
    ]),
  );
  const checkTable = table(
    ["check", "result", "detail"],
    checks.map((c) => [c.name, c.ok ? "pass" : "FAIL", c.detail]),
  );
  const machine = `${String(os.cpus().length)} cores (${os.cpus()[0]?.model.trim() ?? "?"}), ${mib(os.totalmem())} RAM, node ${process.version}, ${os.platform()} ${os.release()}, load average ${os.loadavg()[0]?.toFixed(1) ?? "?"} at the end (the machine is shared)`;
  const output = [
    `Machine: ${machine}. ${String(tenantCount)} tenants (${String(tenantCount * 2)} users, ${String(tenantCount)} API keys), ${String(connections)} connections, ${String(duration)} s per run, bcrypt cost ${String(bcryptCost)}.`,
    "",
    runTable,
    "",
    checkTable,
  ].join("\n");
  console.log(`\n${output}\n`);
  const reportFile = env["LOAD_REPORT"];
  if (reportFile !== undefined) writeFileSync(reportFile, `${output}\n`);
  for (const c of checks) if (!c.ok) failures.push(c.name);
} finally {
  await app.stop();
}
if (failures.length > 0) {
  console.error(`load test FAILED: ${failures.join("; ")} (app log: ${logFile})`);
  process.exit(1);
}
console.log("load test passed");
