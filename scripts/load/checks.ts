/**
 * What must hold after the load (and after the faults): every audit chain verifies and holds an
 * event for every acknowledged write and login, no tenant reaches another's notes (over HTTP, for
 * every note, and in the database under RLS), every recovery code was redeemed at most once
 * (exactly once without faults), and no client address got more logins past the limiter than
 * the limit allows.
 */
import pg from "pg";
import { createPostgresAuditStore, fromPgPool } from "moatkit/adapters/postgres";
import { createAuditLog } from "moatkit/audit";
import type { MixState } from "./mix.js";
import { call } from "./seed.js";

/** The login limit of the example app (moatkit's loginLimiter preset): 50 per address per 15 minutes. */
export const LOGIN_LIMIT = 50;

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

async function inParallel<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: width }, async () => {
    while (next < items.length) {
      const item = items[next++];
      if (item !== undefined) await fn(item);
    }
  });
  await Promise.all(workers);
}

export async function runChecks(
  state: MixState,
  options: { port: number; databaseUrl: string; appRole: string; exactlyOnce: boolean },
): Promise<Check[]> {
  const checks: Check[] = [];
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 4 });
  pool.on("error", () => undefined);
  const db = fromPgPool(pool);
  try {
    // Audit chains.
    const auditLog = createAuditLog({ store: createPostgresAuditStore({ client: db }) });
    const orgs = (await db.query<{ org_id: string }>("SELECT DISTINCT org_id FROM moatkit_audit_events")).rows;
    const broken: string[] = [];
    let events = 0;
    for (const { org_id } of orgs) {
      const result = await auditLog.verify({ orgId: org_id });
      if (result.ok) events += result.count;
      else broken.push(`${org_id}: ${result.reason}`);
    }
    checks.push({
      name: "every audit chain verifies",
      ok: broken.length === 0 && orgs.length > 0,
      detail: `${String(orgs.length)} chains, ${String(events)} events${broken.length > 0 ? `; broken: ${broken.slice(0, 3).join("; ")}` : ""}`,
    });

    // Every acknowledged note write and login has its audit event.
    const created = new Set(
      (
        await db.query<{ target_id: string }>(
          "SELECT target_id FROM moatkit_audit_events WHERE action = 'note.create' AND target_type = 'note'",
        )
      ).rows.map((r) => r.target_id),
    );
    const unaudited = [...state.createdNotes.keys()].filter((id) => !created.has(id));
    const loginEvents = new Map(
      (
        await db.query<{ actor_id: string; n: string }>(
          "SELECT actor_id, count(*)::text AS n FROM moatkit_audit_events WHERE action = 'auth.login' GROUP BY actor_id",
        )
      ).rows.map((r) => [r.actor_id, Number(r.n)]),
    );
    const shortLogins = [...state.loginsOk].filter(([user, n]) => (loginEvents.get(user) ?? 0) < n);
    checks.push({
      name: "every 2xx write and login has its audit event",
      ok: unaudited.length === 0 && shortLogins.length === 0,
      detail: `${String(state.createdNotes.size)} notes created, ${String(unaudited.length)} without event; ${String([...state.loginsOk.values()].reduce((a, b) => a + b, 0))} logins, ${String(shortLogins.length)} users with fewer events than logins`,
    });

    // Cross-tenant reads of every note, over HTTP with another tenant's key.
    const notes: { id: string; tenant: number }[] = [];
    for (const tenant of state.tenants) for (const id of tenant.notes.keys()) notes.push({ id, tenant: tenant.index });
    let leaks = 0;
    let unexpected = 0;
    const n = state.tenants.length;
    await inParallel(notes, 16, async (note) => {
      const other = state.tenants[(note.tenant + 1 + (note.id.charCodeAt(0) % (n - 1))) % n];
      if (other === undefined) return;
      const reply = await call(options.port, "GET", `/notes/${note.id}`, { apiKey: other.apiKey });
      if (reply.status >= 200 && reply.status < 300) leaks += 1;
      else if (reply.status !== 404) unexpected += 1;
    });
    // And in the database: under each tenant's setting, as the app role, only its own rows show.
    let rlsLeaks = 0;
    for (const tenant of state.tenants) {
      const { rows } = await db.transaction(async (tx) => {
        await tx.exec(`SET LOCAL ROLE ${options.appRole}`);
        await tx.query("SELECT set_config('app.tenant_id', $1, true)", [tenant.orgId]);
        return tx.query<{ n: string }>("SELECT count(*)::text AS n FROM notes WHERE tenant_id <> $1", [tenant.orgId]);
      });
      rlsLeaks += Number(rows[0]?.n ?? 0);
    }
    checks.push({
      name: "no note readable by another tenant",
      ok: leaks === 0 && unexpected === 0 && rlsLeaks === 0 && notes.length > 0,
      detail: `${String(notes.length)} cross-tenant reads: ${String(leaks)} answered 2xx, ${String(unexpected)} neither 2xx nor 404; ${String(rlsLeaks)} foreign rows visible under RLS`,
    });

    // One-time tokens.
    const twice = [...state.codeWins].filter(([, wins]) => wins > 1).length;
    // A code counts as never accepted only when both its attempts were answered (the end of a
    // run cuts the last requests off unanswered).
    const never = [...state.codesTried].filter(
      (code) => (state.codeWins.get(code) ?? 0) === 0 && (state.codeAnswers.get(code) ?? 0) >= 2,
    ).length;
    const cut = [...state.codesTried].filter((code) => (state.codeAnswers.get(code) ?? 0) < 2).length;
    checks.push({
      name: options.exactlyOnce ? "every recovery code consumed exactly once" : "no recovery code consumed twice",
      ok: twice === 0 && (!options.exactlyOnce || never === 0) && state.codesTried.size > 0,
      detail: `${String(state.codesTried.size)} codes, each sent twice: ${String(twice)} accepted twice, ${String(never)} never accepted (${String(cut)} with an attempt cut off by the end of a run)`,
    });

    // Rate limits.
    const over = [...state.admittedLogins].filter(([, admitted]) => admitted > LOGIN_LIMIT);
    const hottest = Math.max(0, ...state.hotIps.map((ip) => state.admittedLogins.get(ip) ?? 0));
    checks.push({
      name: `logins admitted per address ≤ ${String(LOGIN_LIMIT)}`,
      ok: over.length === 0 && hottest > 0,
      detail: `${String(state.admittedLogins.size)} addresses; most admitted for one hot address: ${String(hottest)}${over.length > 0 ? `; over the limit: ${over.map(([ip, k]) => `${ip}=${String(k)}`).join(", ")}` : ""}`,
    });

    checks.push({
      name: "no violation seen in any answer",
      ok: state.violations.length === 0,
      detail:
        state.violations.length === 0
          ? "none"
          : `${String(state.violations.length)}: ${state.violations.slice(0, 5).join("; ")}`,
    });
  } finally {
    await pool.end();
  }
  return checks;
}

/** A markdown table. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

export function formatStatuses(statuses: Readonly<Record<string, number>>): string {
  const entries = Object.entries(statuses).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? "-" : entries.map(([s, n]) => `${s}: ${String(n)}`).join(", ");
}

export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
