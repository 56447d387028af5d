/**
 * `npm run chaos`: faults while the load mix runs. It starts a private PostgreSQL cluster and a
 * private redis-server (services.ts; the shared ones are never touched), runs the example app
 * on them with a pg pool of 2 connections, and while autocannon drives the mix:
 *
 * 1. restarts PostgreSQL (fast shutdown, down for CHAOS_OUTAGE_MS),
 * 2. stops and starts Redis (SIGTERM; its append-only file keeps the rate-limit counters),
 * 3. sends 50 tenant transactions at once (notes of 50 tenants) into the pool of 2,
 * 4. rotates the master key and runs `moatkit rewrap` (the CLI) over a table of secrets, kills it
 *    with SIGKILL part-way and runs it again.
 *
 * It checks that requests needing a dependency that is down fail closed with 503 (no 2xx, no
 * 500, never another tenant's data), that the service answers again within 5 s of the dependency
 * returning, that the rewrap leaves every value decryptable exactly once under the new key, and
 * then the checks of checks.ts (audit chains and events for every 2xx, tenant isolation, one-time
 * codes, login limits). Any unhandled rejection or crash, in the app or here, fails the run.
 * Prints a markdown table per fault and exits non-zero on any failed check.
 *
 * Environment: CHAOS_TENANTS (default 60), CHAOS_CONNECTIONS (default 8), CHAOS_OUTAGE_MS
 * (default 3000), CHAOS_ROWS (rows to rewrap, default 2000), CHAOS_REPORT (a file for the markdown).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import os, { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { createEnvelope, generateMasterKey, parseMasterKeys } from "moatkit/crypto";
import { startApp } from "./app-control.js";
import { type Check, LOGIN_LIMIT, formatStatuses, mib, runChecks, table } from "./checks.js";
import { type OpKind, type ResponseRecord, createMixState, driveMix, queueRecoveryCodes } from "./mix.js";
import { PASSWORD, type SeedTenant, call, seedTenants } from "./seed.js";
import { freshDatabase, sleep, startPrivatePostgres, startPrivateRedis } from "./services.js";

const env = process.env;
const tenantCount = Number(env["CHAOS_TENANTS"] ?? 60);
const connections = Number(env["CHAOS_CONNECTIONS"] ?? 8);
const outageMs = Number(env["CHAOS_OUTAGE_MS"] ?? 3000);
const secretRows = Number(env["CHAOS_ROWS"] ?? 2000);
const RECOVERY_LIMIT_MS = 5000;
const runId = Date.now().toString(36);
const appRole = "moatkit_chaos_app";
const root = fileURLToPath(new URL("../../", import.meta.url));

// The driver's own failures: an unhandled rejection here fails the run too.
const driverFatal: string[] = [];
process.on("unhandledRejection", (err) => {
  driverFatal.push(`unhandledRejection: ${err instanceof Error ? err.message : String(err)}`);
});
process.on("uncaughtException", (err) => {
  driverFatal.push(`uncaughtException: ${err.message}`);
});

/** One row of the fault table. */
interface FaultReport {
  readonly fault: string;
  readonly windowMs: number;
  readonly statuses: Record<string, number>;
  readonly recoveryMs: number | undefined;
  readonly checks: Check[];
}

/** A probe answer. */
interface Probe {
  readonly status: number;
  readonly start: number;
  readonly end: number;
}

/** Answers of the load that started and ended inside [from, to], by status, for the ops given. */
function inWindow(
  records: readonly ResponseRecord[],
  from: number,
  to: number,
  ops?: ReadonlySet<OpKind>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) {
    if (r.start < from || r.end > to) continue;
    if (ops !== undefined && !ops.has(r.op)) continue;
    out[String(r.status)] = (out[String(r.status)] ?? 0) + 1;
  }
  return out;
}

/** Adds the probe answers that started and ended inside [from, to] to `statuses`. */
function withProbes(
  statuses: Record<string, number>,
  probes: readonly Probe[],
  from: number,
  to: number,
): Record<string, number> {
  const out = { ...statuses };
  for (const p of probes) {
    if (p.start < from || p.end > to) continue;
    out[String(p.status)] = (out[String(p.status)] ?? 0) + 1;
  }
  return out;
}

function count(statuses: Readonly<Record<string, number>>, test: (status: number) => boolean): number {
  return Object.entries(statuses).reduce((n, [s, k]) => (test(Number(s)) ? n + k : n), 0);
}

/** "fails closed": no 2xx and no 5xx other than 503 among the requests that needed the dependency. */
function failClosedChecks(name: string, statuses: Record<string, number>): Check[] {
  const total = count(statuses, () => true);
  const ok2xx = count(statuses, (s) => s >= 200 && s < 300);
  const other5xx = count(statuses, (s) => s >= 500 && s !== 503);
  return [
    { name: `${name}: some requests fell inside the outage`, ok: total > 0, detail: `${String(total)} answers` },
    { name: `${name}: none answered 2xx`, ok: ok2xx === 0, detail: `${String(ok2xx)} answered 2xx` },
    { name: `${name}: every 5xx is a 503`, ok: other5xx === 0, detail: `${String(other5xx)} other 5xx` },
  ];
}

/** Time from `since` to the first 2xx probe answer after it, or undefined after `timeoutMs`. */
async function recoveredAfter(probes: readonly Probe[], since: number, timeoutMs: number): Promise<number | undefined> {
  const deadline = since + timeoutMs;
  while (Date.now() < deadline) {
    const first = probes.find((p) => p.end >= since && p.status >= 200 && p.status < 300);
    if (first !== undefined) return first.end - since;
    await sleep(50);
  }
  return undefined;
}

function recoveryCheck(name: string, recoveryMs: number | undefined): Check {
  return {
    name: `${name}: answers again within ${String(RECOVERY_LIMIT_MS / 1000)} s`,
    ok: recoveryMs !== undefined && recoveryMs <= RECOVERY_LIMIT_MS,
    detail: recoveryMs === undefined ? "not recovered" : `${String(recoveryMs)} ms`,
  };
}

/** `n` correct logins from `ip`, five at a time; their statuses. */
async function loginBurst(ip: string, n: number): Promise<number[]> {
  if (app === undefined || burstUser === undefined) throw new Error("no app");
  const port = app.port;
  const email = burstUser;
  const statuses: number[] = [];
  for (let i = 0; i < n; i += 5) {
    const batch = Array.from({ length: Math.min(5, n - i) }, () =>
      call(port, "POST", "/auth/login", { ip, body: { email, password: PASSWORD } }).then((r) => r.status),
    );
    statuses.push(...(await Promise.all(batch)));
  }
  return statuses;
}

/** Polls `probe` every 100 ms until stopped, keeping every answer. */
function startProber(probe: () => Promise<number>): { probes: Probe[]; stop: () => Promise<void> } {
  const probes: Probe[] = [];
  const control = { running: true };
  const loop = (async () => {
    while (control.running) {
      let status: number;
      const start = Date.now();
      try {
        status = await probe();
      } catch {
        status = 0;
      }
      probes.push({ status, start, end: Date.now() });
      await sleep(100);
    }
  })();
  return {
    probes,
    stop: async () => {
      control.running = false;
      await loop;
    },
  };
}

const pgServer = await startPrivatePostgres();
const redisServer = await startPrivateRedis();
// Interrupted (Ctrl-C, a CI timeout): the private servers go with us.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void Promise.allSettled([redisServer.destroy(), pgServer.destroy()]).then(() => process.exit(130));
  });
}
/** Stops the run at once when the app has died: nothing after that would mean anything. */
function assertAppAlive(running: { readonly fatal: readonly string[] }): void {
  if (running.fatal.length > 0) throw new Error(`the app failed: ${running.fatal.join("; ")}`);
}
const logFile = join(tmpdir(), `moatkit-chaos-${runId}.log`);
const faults: FaultReport[] = [];
const failures: string[] = [];
let app: Awaited<ReturnType<typeof startApp>> | undefined;
let burstUser: string | undefined;
try {
  const databaseUrl = await freshDatabase(pgServer.url, "moatkit_chaos");
  const oldKey = generateMasterKey({ id: "old" }).entry.reveal();
  app = await startApp({
    databaseUrl,
    redisUrl: redisServer.url,
    redisPrefix: `moatkit-chaos:${runId}:`,
    appRole,
    masterKeys: oldKey,
    poolMax: 2,
    bcryptCost: 4,
    logFile,
  });
  const port = app.port;
  console.log(
    `private PostgreSQL on :${String(pgServer.port)}, private Redis at ${redisServer.url}, app on :${String(port)} (pool of 2)`,
  );
  console.log(`seeding ${String(tenantCount)} tenants…`);
  const tenants = await seedTenants(port, app.turnstileToken, tenantCount, runId);
  const first = tenants[0];
  if (first === undefined) throw new Error("no tenants");
  const state0 = createMixState(tenants, true);
  burstUser = tenants[1]?.owner.email;
  const probeNote = await call(port, "POST", "/notes", { apiKey: first.apiKey, body: { body: "probe" } });
  const probeNoteId = String(probeNote.body["id"]);
  first.notes.set(probeNoteId, "probe");
  // A note per tenant, so the pool burst below reads as many tenants as it writes.
  for (const tenant of tenants.slice(1)) {
    const text = `first note of ${tenant.orgId}`;
    const reply = await call(port, "POST", "/notes", { apiKey: tenant.apiKey, body: { body: text } });
    if (reply.status !== 201) throw new Error(`seeding a note answered ${String(reply.status)}`);
    tenant.notes.set(String(reply.body["id"]), text);
    state0.createdNotes.set(String(reply.body["id"]), tenant.orgId);
  }

  // The rewrap target: a table of secrets under the old master key.
  const owner = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  owner.on("error", () => undefined);
  const oldEnvelope = createEnvelope({ keyring: parseMasterKeys(oldKey) });
  await owner.query("CREATE TABLE chaos_secrets (id text PRIMARY KEY, tenant_id text NOT NULL, secret text NOT NULL)");
  const ids = Array.from({ length: secretRows }, (_, i) => `s${String(i).padStart(6, "0")}`);
  for (let start = 0; start < ids.length; start += 500) {
    const batch = ids.slice(start, start + 500);
    const values = await Promise.all(
      batch.map(async (id, i) => {
        const tenantId = tenants[(start + i) % tenants.length]?.orgId ?? "";
        const secret = await oldEnvelope.encrypt(`secret of ${id}`, {
          context: { table: "chaos_secrets", column: "secret", rowId: id },
          tenantId,
        });
        return [id, tenantId, secret];
      }),
    );
    await owner.query(
      `INSERT INTO chaos_secrets (id, tenant_id, secret) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])`,
      [values.map((v) => v[0]), values.map((v) => v[1]), values.map((v) => v[2])],
    );
  }

  // Load, and two probes: a note read (PostgreSQL) and a login from a fresh address (Redis and PostgreSQL).
  const state = state0;
  queueRecoveryCodes(
    state,
    tenants.flatMap((t) => [t.owner, t.member]),
    4,
  );
  const load = driveMix(state, { port, connections, duration: 3600 });
  let probeIp = 0;
  const dbProbe = startProber(
    async () => (await call(port, "GET", `/notes/${probeNoteId}`, { apiKey: first.apiKey })).status,
  );
  const loginProbe = startProber(async () => {
    probeIp += 1;
    const ip = `100.64.${String((probeIp >> 8) & 255)}.${String(probeIp & 255)}`;
    return (await call(port, "POST", "/auth/login", { ip, body: { email: first.owner.email, password: PASSWORD } }))
      .status;
  });
  await sleep(3000);

  // 1. PostgreSQL restart.
  {
    console.log("fault: PostgreSQL restart");
    await pgServer.stop();
    const down = Date.now();
    await sleep(outageMs);
    const back = Date.now();
    await pgServer.start();
    const up = Date.now();
    const recoveryMs = await recoveredAfter(dbProbe.probes, up, 15_000);
    const statuses = withProbes(inWindow(state.records, down, back), dbProbe.probes, down, back);
    faults.push({
      fault: "PostgreSQL restart (fast shutdown)",
      windowMs: up - down,
      statuses,
      recoveryMs,
      checks: [...failClosedChecks("PostgreSQL down", statuses), recoveryCheck("PostgreSQL back", recoveryMs)],
    });
    await sleep(2000);
  }

  assertAppAlive(app);

  // 2. Redis stop and start.
  {
    console.log("fault: Redis stop and start");
    // One address sends 35 logins before the restart and 35 after: the limit is 50 per 15
    // minutes, so a restart that forgot the counts would let all 70 in.
    const burstIp = "203.0.113.200";
    const before = await loginBurst(burstIp, 35);
    await redisServer.stop();
    const down = Date.now();
    await sleep(outageMs);
    const back = Date.now();
    await redisServer.start();
    const up = Date.now();
    const limited = new Set<OpKind>(["login", "login-wrong-password", "recovery-code"]);
    const recoveryMs = await recoveredAfter(loginProbe.probes, up, 15_000);
    const statuses = withProbes(inWindow(state.records, down, back, limited), loginProbe.probes, down, back);
    const others = inWindow(state.records, down, back);
    const after = await loginBurst(burstIp, 35);
    const admitted = [...before, ...after].filter((s) => s === 200).length;
    const limitedAfter = after.filter((s) => s === 429).length;
    faults.push({
      fault: "Redis stop and start (logins, recovery codes)",
      windowMs: up - down,
      statuses,
      recoveryMs,
      checks: [
        ...failClosedChecks("Redis down, rate-limited routes", statuses),
        {
          name: "Redis down: routes without a limit keep answering",
          ok: count(others, (s) => s >= 200 && s < 300) > 0,
          detail: formatStatuses(others),
        },
        recoveryCheck("Redis back", recoveryMs),
        {
          name: `Redis restart: one address gets ≤ ${String(LOGIN_LIMIT)} logins in, counts kept across the restart`,
          ok: admitted <= LOGIN_LIMIT && admitted > 0 && limitedAfter > 0,
          detail: `70 logins (35 before, 35 after): ${String(admitted)} admitted, ${String(limitedAfter)} answered 429 after the restart`,
        },
      ],
    });
    await sleep(2000);
  }

  assertAppAlive(app);

  // 3. 50 tenant transactions at once into a pool of 2.
  {
    console.log("fault: 50 tenant transactions into a pool of 2");
    const burst = tenants.slice(0, 50);
    const start = Date.now();
    const wrong: string[] = [];
    const statuses: Record<string, number> = {};
    await Promise.all(
      burst.map(async (tenant: SeedTenant, i) => {
        let status: number;
        if (i % 2 === 0) {
          const text = `burst note of ${tenant.orgId}`;
          const reply = await call(port, "POST", "/notes", { apiKey: tenant.apiKey, body: { body: text } });
          status = reply.status;
          if (status === 201) {
            const id = String(reply.body["id"]);
            tenant.notes.set(id, text);
            state.createdNotes.set(id, tenant.orgId);
          }
        } else {
          const note = [...tenant.notes][0];
          if (note === undefined) return;
          const reply = await call(port, "GET", `/notes/${note[0]}`, { apiKey: tenant.apiKey });
          status = reply.status;
          if (status === 200 && (reply.body["id"] !== note[0] || reply.body["body"] !== note[1])) wrong.push(note[0]);
        }
        statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
      }),
    );
    const end = Date.now();
    const ok = count(statuses, (s) => s >= 200 && s < 300);
    const recoveryMs = await recoveredAfter(dbProbe.probes, end, 15_000);
    faults.push({
      fault: "pool of 2, 50 tenant transactions at once",
      windowMs: end - start,
      statuses,
      recoveryMs,
      checks: [
        {
          name: "pool: every answer is the tenant's own data or a 503",
          ok: wrong.length === 0 && count(statuses, (s) => s >= 500 && s !== 503) === 0,
          detail: `${String(ok)} answered 2xx, ${String(wrong.length)} with another tenant's data`,
        },
        recoveryCheck("pool drained", recoveryMs),
      ],
    });
  }

  assertAppAlive(app);

  // 4. moatkit rewrap, SIGKILLed part-way, then run again.
  {
    console.log("fault: moatkit rewrap killed with SIGKILL, then rerun");
    const newKey = generateMasterKey({ id: "new" }).entry.reveal();
    const rotated = `${newKey},${oldKey}`;
    const rewrap = (): ChildProcess =>
      spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          join(root, "src/cli/main.ts"),
          "rewrap",
          "--table",
          "chaos_secrets",
          "--column",
          "secret",
          "--id-column",
          "id",
          "--tenant-column",
          "tenant_id",
          "--batch-size",
          "100",
          "--pause",
          "50",
        ],
        {
          cwd: root,
          env: { ...process.env, DATABASE_URL: databaseUrl, MOATKIT_MASTER_KEYS: rotated },
          stdio: "ignore",
        },
      );
    const underNew = async (): Promise<number> =>
      Number(
        (
          await owner.query<{ n: string }>(
            "SELECT count(*)::text AS n FROM chaos_secrets WHERE secret LIKE 'mk1.new.%'",
          )
        ).rows[0]?.n ?? 0,
      );
    const start = Date.now();
    const first = rewrap();
    const firstExit = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      first.once("exit", (code, signal) => {
        resolve([code, signal]);
      }),
    );
    let atKill = 0;
    while (Date.now() - start < 60_000) {
      atKill = await underNew();
      if (atKill >= secretRows * 0.3 || first.exitCode !== null) break;
      await sleep(50);
    }
    first.kill("SIGKILL");
    const [, signal] = await firstExit;
    const killedAt = await underNew();
    const killed = Date.now();
    const second = rewrap();
    const secondCode = await new Promise<number | null>((resolve) =>
      second.once("exit", (code) => {
        resolve(code);
      }),
    );
    const end = Date.now();

    // Every value: under the new key, decrypts with the new key alone, exactly once, to its plaintext.
    const newOnly = createEnvelope({ keyring: parseMasterKeys(newKey) });
    const { rows } = await owner.query<{ id: string; tenant_id: string; secret: string }>(
      "SELECT id, tenant_id, secret FROM chaos_secrets ORDER BY id",
    );
    let good = 0;
    let doubled = 0;
    let unreadable = 0;
    for (const row of rows) {
      try {
        const plain = await newOnly.decryptString(row.secret, {
          context: { table: "chaos_secrets", column: "secret", rowId: row.id },
          tenantId: row.tenant_id,
        });
        if (plain === `secret of ${row.id}`) good += 1;
        else if (plain.startsWith("mk1.")) doubled += 1;
        else unreadable += 1;
      } catch {
        unreadable += 1;
      }
    }
    faults.push({
      fault: "moatkit rewrap SIGKILLed, then rerun",
      windowMs: end - start,
      statuses: {},
      recoveryMs: end - killed,
      checks: [
        {
          name: "rewrap: killed part-way",
          ok: signal === "SIGKILL" && killedAt > 0 && killedAt < secretRows,
          detail: `${String(killedAt)} of ${String(secretRows)} rewrapped when killed (${String(signal)})`,
        },
        { name: "rewrap: the rerun finishes", ok: secondCode === 0, detail: `exit ${String(secondCode)}` },
        {
          name: "rewrap: every value decrypts exactly once under the new key",
          ok: rows.length === secretRows && good === secretRows,
          detail: `${String(rows.length)} rows: ${String(good)} correct, ${String(doubled)} double-encrypted, ${String(unreadable)} unreadable`,
        },
      ],
    });
  }

  assertAppAlive(app);

  await sleep(1000);
  load.stop();
  const loadResult = await load.result;
  await dbProbe.stop();
  await loginProbe.stop();
  await owner.end();

  const checks = await runChecks(state, { port, databaseUrl, appRole, exactlyOnce: false });
  checks.push({
    name: "no unhandled rejection or crash (app and driver)",
    ok: app.fatal.length === 0 && driverFatal.length === 0,
    detail: [...app.fatal, ...driverFatal].join("; ") || "none",
  });

  const faultTable = table(
    [
      "fault",
      "outage window",
      "requests during outage by status (load + probe)",
      "recovery (rewrap: the rerun)",
      "checks",
    ],
    faults.map((f) => [
      f.fault,
      `${String(f.windowMs)} ms`,
      formatStatuses(f.statuses),
      f.recoveryMs === undefined ? "not recovered" : `${String(f.recoveryMs)} ms`,
      `${String(f.checks.filter((c) => c.ok).length)}/${String(f.checks.length)} passed`,
    ]),
  );
  const allChecks = [...faults.flatMap((f) => f.checks), ...checks];
  const checkTable = table(
    ["check", "result", "detail"],
    allChecks.map((c) => [c.name, c.ok ? "pass" : "FAIL", c.detail]),
  );
  const machine = `${String(os.cpus().length)} cores, ${mib(os.totalmem())} RAM, node ${process.version}, load average ${os.loadavg()[0]?.toFixed(1) ?? "?"} at the end, PostgreSQL 15 and redis-server private instances`;
  const output = [
    `Machine: ${machine}. ${String(tenantCount)} tenants, ${String(connections)} connections, pool of 2, outages of ${String(outageMs)} ms. Load over the whole run: ${String(loadResult.requests)} requests, ${formatStatuses(loadResult.statuses)}.`,
    "",
    faultTable,
    "",
    checkTable,
  ].join("\n");
  console.log(`\n${output}\n`);
  const reportFile = env["CHAOS_REPORT"];
  if (reportFile !== undefined) writeFileSync(reportFile, `${output}\n`);
  for (const c of allChecks) if (!c.ok) failures.push(c.name);
} finally {
  await app?.stop();
  await redisServer.destroy();
  await pgServer.destroy();
}
if (failures.length > 0 || driverFatal.length > 0) {
  console.error(`chaos FAILED: ${[...failures, ...driverFatal].join("; ")} (app log: ${logFile})`);
  process.exit(1);
}
console.log("chaos passed");
