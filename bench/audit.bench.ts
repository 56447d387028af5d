/**
 * The audit log: appending (memory; and Postgres against a plain INSERT of the same row into the
 * same table, in interleaved batches of the same run) and verifying. Postgres is the server at
 * DATABASE_URL when set, PGlite otherwise.
 */
import { sha256Hex } from "../src/_internal/hash.js";
import { createMemoryAuditStore } from "../src/adapters/memory/index.js";
import { createPostgresAuditStore, migrate } from "../src/adapters/postgres/index.js";
import { type AuditEvent, type AuditLog, buildAuditEvent, createAuditLog } from "../src/audit/index.js";
import { sealAuditEvent } from "../src/audit/event.js";
import { type Metric, defineBenchSuite, interleaved } from "./harness.js";
import { type BenchDatabase, openBenchDatabase } from "./postgres.js";

const event: AuditEvent = buildAuditEvent({
  orgId: "org_bench",
  actor: { userId: "user_91kd", impersonatorId: "staff_2" },
  action: "api_key.revoke",
  target: { type: "api_key", id: "key_9d8s7f" },
  request: { id: "req_72hd8s", ip: "203.0.113.7", userAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36" },
  before: { name: "ci", scopes: ["read", "write"], revokedAt: null },
  after: { name: "ci", scopes: ["read", "write"], revokedAt: "2026-01-01T12:00:00.000Z" },
  metadata: { reason: "rotated", ttl: 3600 },
});
const sealed = sealAuditEvent(event, {
  seq: 41,
  hash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
});
const body = JSON.stringify(sealed);

const VERIFY_EVENTS = 100_000;
const PG_VERIFY_EVENTS = 5_000;
const PLAIN = "plain INSERT of the same row";
const PLAIN_50 = "50 plain INSERTs in parallel";

let db: BenchDatabase;
let pgLog: AuditLog;
let plainSeq = 0;
const memoryLog = createAuditLog({ store: createMemoryAuditStore() });

/** The same row the store writes, inserted by hand: no hash, no chain, one statement. */
function plainInsert(): Promise<unknown> {
  plainSeq++;
  return db.client.query(
    `INSERT INTO moatkit_audit_events (org_id, seq, event_id, at, actor_id, impersonator_id, action, target_type, target_id, body)
     VALUES ($1, $2::bigint, $3, $4::timestamptz, $5, $6, $7, $8, $9, $10)`,
    ["org_plain", plainSeq, sealed.id, sealed.at, "user_91kd", "staff_2", sealed.action, "api_key", "key_9d8s7f", body],
  );
}

async function timeVerify(log: AuditLog, orgId: string, expected: number): Promise<number> {
  const start = performance.now();
  const result = await log.verify({ orgId });
  const ms = performance.now() - start;
  if (!result.ok || result.count !== expected) throw new Error(`verify failed: ${JSON.stringify(result)}`);
  return (expected / ms) * 1000;
}

/**
 * The least any verifier that recomputes hashes must do: serialise each event and hash it.
 * Printed beside verify, so its figure can be read against this machine's speed.
 */
function serialiseAndHash(rows: readonly unknown[]): number {
  const start = performance.now();
  let sink = 0;
  for (const row of rows) sink += sha256Hex(JSON.stringify(row)).length;
  const ms = performance.now() - start;
  if (sink !== rows.length * 64) throw new Error("unreachable");
  return (rows.length / ms) * 1000;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

export default defineBenchSuite({
  title: "audit log",
  async setup() {
    db = await openBenchDatabase();
    await migrate(db.client);
    pgLog = createAuditLog({ store: createPostgresAuditStore({ client: db.client }) });
    // The first append per org reads the head under a lock; the steady state is what is measured.
    await pgLog.append(event);
    await memoryLog.append(event);
  },
  teardown: () => db.close(),
  groups: [
    {
      name: "append one event: memory store",
      baseline: "seal only (canonical JSON + SHA-256)",
      tasks: {
        "seal only (canonical JSON + SHA-256)": () => sealAuditEvent(event, { seq: 1, hash: sealed.hash }),
        "log.append (chain, store)": () => memoryLog.append(event),
      },
    },
    {
      kind: "metrics",
      name: "append one event at a time: Postgres (DATABASE_URL, else PGlite), interleaved batches",
      baseline: PLAIN,
      higherIsBetter: true,
      run: () => interleaved({ [PLAIN]: plainInsert, "log.append": () => pgLog.append(event) }, 40, 10),
      targets: [{ task: "log.append", minRatio: 0.5 }],
    },
    {
      kind: "metrics",
      name: "append 50 events at once: Postgres (DATABASE_URL, else PGlite), interleaved batches",
      baseline: PLAIN_50,
      higherIsBetter: true,
      run: async () =>
        (
          await interleaved(
            {
              [PLAIN_50]: () => Promise.all(Array.from({ length: 50 }, plainInsert)),
              "50 log.append in parallel (batched)": () =>
                Promise.all(Array.from({ length: 50 }, () => pgLog.append(event))),
            },
            10,
            2,
          )
        ).map((m) => ({ ...m, value: m.value * 50, unit: "events/s" })),
    },
    {
      kind: "metrics",
      name: "verify a chain (median of 5 runs after warm-up)",
      baseline: "floor: JSON.stringify + SHA-256 per event, no checks",
      higherIsBetter: true,
      async run(): Promise<Metric[]> {
        const store = createMemoryAuditStore();
        const log = createAuditLog({ store });
        const orgEvent = { ...event, orgId: "org_verify" };
        for (let i = 0; i < VERIFY_EVENTS; i += 1000)
          await Promise.all(Array.from({ length: 1000 }, () => log.append(orgEvent)));
        const rows: unknown[] = [];
        for await (const page of store.scanAuditEvents("org_verify")) rows.push(...page);
        // Warm up (JIT) on a smaller chain first, then take the median of five runs.
        const warm = { ...event, orgId: "org_warm" };
        await Promise.all(Array.from({ length: 5000 }, () => log.append(warm)));
        for (let i = 0; i < 3; i++) await timeVerify(log, "org_warm", 5000);
        const memory: number[] = [];
        const floor: number[] = [];
        for (let i = 0; i < 5; i++) {
          memory.push(await timeVerify(log, "org_verify", VERIFY_EVENTS));
          floor.push(serialiseAndHash(rows));
        }

        const pgEvent = { ...event, orgId: "org_pg_verify" };
        for (let i = 0; i < PG_VERIFY_EVENTS; i += 500)
          await Promise.all(Array.from({ length: 500 }, () => pgLog.append(pgEvent)));
        const postgres: number[] = [];
        for (let i = 0; i < 3; i++) postgres.push(await timeVerify(pgLog, "org_pg_verify", PG_VERIFY_EVENTS));
        return [
          { task: "floor: JSON.stringify + SHA-256 per event, no checks", value: median(floor), unit: "events/s" },
          { task: `memory store, ${String(VERIFY_EVENTS)} events`, value: median(memory), unit: "events/s" },
          { task: `${db.kind}, ${String(PG_VERIFY_EVENTS)} events`, value: median(postgres), unit: "events/s" },
        ];
      },
      targets: [{ task: `memory store, ${String(VERIFY_EVENTS)} events`, min: 100_000 }],
    },
  ],
});
