/**
 * Shared fixtures for the tamper-detection tests: a base chain, the tampering operations the
 * issue lists, a store that serves any rows it is given (an untrusted store), and a writer
 * that puts arbitrary rows into the Postgres table.
 */
import { type CryptoKey, generateKeyPair } from "jose";
import { createMemoryAuditStore } from "../../src/adapters/memory/index.js";
import type { SqlClient } from "../../src/adapters/postgres/index.js";
import {
  type AuditEventInput,
  type TextRedactor,
  type AuditCheckpointSigner,
  type AuditStore,
  type StoredAuditEvent,
  createAuditLog,
  hashAuditEvent,
} from "../../src/audit/index.js";
import type { AuditScanOptions } from "../../src/audit/store.js";
import { fakeClock } from "../../src/testing/index.js";

export type Row = Record<string, unknown>;

export const CHAIN_LENGTH = 10;

/** A fresh Ed25519 key pair for checkpoints. */
export async function checkpointKeys(): Promise<{ signer: AuditCheckpointSigner; publicKey: CryptoKey }> {
  const { privateKey, publicKey } = await generateKeyPair("EdDSA");
  return { signer: { alg: "EdDSA", privateKey }, publicKey };
}

/** `inner` with every scan's range recorded in `ranges`, in call order. */
export function recordingScans(inner: AuditStore): { store: AuditStore; ranges: (AuditScanOptions | undefined)[] } {
  const ranges: (AuditScanOptions | undefined)[] = [];
  const store: AuditStore = {
    ...inner,
    scanAuditEvents: (orgId, range) => {
      ranges.push(range);
      return inner.scanAuditEvents(orgId, range);
    },
  };
  return { store, ranges };
}

/** 20 events of `orgId` in `store`, a checkpoint published at seq 10, and the log. */
export async function chainWithPublishedCheckpoint(
  store: AuditStore,
  orgId: string,
  keys: { signer: AuditCheckpointSigner; publicKey: CryptoKey },
) {
  const clock = fakeClock(Date.UTC(2026, 0, 1));
  const log = createAuditLog({ store, now: clock.now, checkpointKey: keys.publicKey });
  const record = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      clock.advance(1000);
      await log.record({ orgId, actor: { userId: "u_1" }, action: "member.remove", target: { type: "m", id: "m" } });
    }
  };
  await record(10);
  const published = await log.checkpoint(orgId, keys.signer);
  await record(10);
  const events = (await log.query({ orgId, limit: 20, order: "asc" })).events;
  return { log, published, events };
}

/** A valid chain of `n` events for `orgId`, as plain mutable rows. */
export async function baseChain(orgId: string, n = CHAIN_LENGTH): Promise<Row[]> {
  const clock = fakeClock();
  const store = createMemoryAuditStore();
  const log = createAuditLog({ store, now: clock.now });
  for (let i = 1; i <= n; i++) {
    clock.advance(1000);
    await log.record({
      orgId,
      actor: { userId: `user_${String(i % 3)}`, ...(i % 4 === 0 ? { impersonatorId: "staff_1" } : {}) },
      action: i % 2 === 0 ? "api_key.revoke" : "member.role_change",
      target: { type: "member", id: `mem_${String(i)}` },
      request: { id: `req_${String(i)}`, ip: "203.0.113.7", userAgent: "tests" },
      before: { role: "member", tags: ["a"] },
      after: { role: i % 2 === 0 ? "admin" : "owner", tags: ["a", "b"] },
      metadata: { reason: "tests", n: i },
    });
  }
  const rows: Row[] = [];
  for await (const page of store.scanAuditEvents(orgId))
    for (const e of page) rows.push(structuredClone(e) as unknown as Row);
  return rows;
}

/**
 * Recomputes the hashes of `rows[from…]` as an attacker who knows the algorithm would, relinking
 * each to the one before (`rows[from]` keeps its own `prevHash`). Mutates and returns `rows`.
 */
export function rehash(rows: Row[], from = 0): Row[] {
  for (let i = from; i < rows.length; i++) {
    const row = rows[i]!;
    if (i > 0 && i > from) row.prevHash = rows[i - 1]!.hash;
    delete row.hash;
    row.hash = hashAuditEvent(row as unknown as Omit<StoredAuditEvent, "hash">);
  }
  return rows;
}

/** Sets the value at a dotted path ("actor.userId", "diff.0.after"), creating nothing. */
export function setPath(row: Row, path: string, value: unknown): void {
  const parts = path.split(".");
  let target: unknown = row;
  for (const p of parts.slice(0, -1)) target = (target as Record<string, unknown>)[p];
  (target as Record<string, unknown>)[parts[parts.length - 1]!] = value;
}

/** Every leaf field of an event, as dotted paths, with a value to replace it by. */
export const FIELD_TAMPERS: readonly (readonly [string, unknown])[] = [
  ["id", "01900000-0000-7000-8000-000000000000"],
  ["at", "2020-01-01T00:00:00.000Z"],
  ["orgId", "org_other"],
  ["actor.userId", "mallory"],
  ["action", "nothing.happened"],
  ["target.type", "user"],
  ["target.id", "mem_999"],
  ["requestId", "req_forged"],
  ["ip", "198.51.100.1"],
  ["userAgent", "forged"],
  ["diff.0.after", "member"],
  ["diff.1.path", "/other"],
  ["metadata.reason", "forged"],
  ["metadata.n", 0],
  ["seq", 99],
  ["prevHash", "f".repeat(64)],
  ["hash", "e".repeat(64)],
];

/** A store that serves exactly the rows it is given, in the order given: the untrusted store. */
export function arrayStore(
  rows: readonly unknown[],
  options: { pageSize?: number; anchor?: { seq: number; hash: string; jws: string } } = {},
): AuditStore {
  const pageSize = options.pageSize ?? 3;
  const unused = async (): Promise<never> => {
    throw new Error("not used by these tests");
  };
  return {
    appendAuditEvents: unused,
    queryAuditEvents: unused,
    async getAuditChainHead() {
      const last = rows[rows.length - 1] as Row | undefined;
      return last === undefined
        ? { seq: 0, hash: "0".repeat(64) }
        : { seq: last.seq as number, hash: last.hash as string };
    },
    pruneAuditEvents: unused,
    async getLatestAuditAnchor() {
      return options.anchor ?? null;
    },
    async *scanAuditEvents(_orgId, range = {}) {
      // Like a database filtering on its seq column: the row's own claim, unverified.
      const inRange = rows.filter((r) => {
        const seq = (r as Row | null)?.seq;
        return typeof seq !== "number" || ((range.fromSeq ?? 1) <= seq && seq <= (range.toSeq ?? Infinity));
      });
      for (let i = 0; i < inRange.length; i += pageSize) yield inRange.slice(i, i + pageSize) as StoredAuditEvent[];
    },
  };
}

function text(value: unknown, fallback: string): string {
  return typeof value === "string" && value !== "" ? value : fallback;
}

/**
 * Replaces `orgId`'s rows in Postgres by `rows`, in order (column seq = position), as an
 * attacker with write access to the table would leave them. Inserts are allowed to everyone
 * with INSERT, so no trigger is in the way.
 */
export async function writeRows(client: SqlClient, orgId: string, rows: readonly Row[]): Promise<void> {
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const actor = (r.actor ?? {}) as Row;
    const target = (r.target ?? {}) as Row;
    const at = typeof r.at === "string" && !Number.isNaN(Date.parse(r.at)) ? r.at : "2026-01-01T00:00:00.000Z";
    await client.query(
      `INSERT INTO moatkit_audit_events (org_id, seq, event_id, at, actor_id, impersonator_id, action, target_type, target_id, body)
       VALUES ($1, $2, $3, $4::timestamptz, $5, $6, $7, $8, $9, $10)`,
      [
        orgId,
        i + 1,
        text(r.id, "x"),
        at,
        text(actor.userId, "x"),
        typeof actor.impersonatorId === "string" ? actor.impersonatorId : null,
        text(r.action, "x"),
        text(target.type, "x"),
        text(target.id, "x"),
        JSON.stringify(r),
      ],
    );
  }
}

/** The event input the builder and redaction tests start from. */
export const BASE_EVENT: AuditEventInput = {
  orgId: "org_1",
  actor: { userId: "user_1" },
  action: "member.role_change",
  target: { type: "member", id: "mem_9" },
};

/** A redactor that leaves text as it is. */
export const identityRedactor: TextRedactor = { redact: (t) => t };

/**
 * A small PII redactor standing in for moatkit/redact (built in parallel): the builder needs only
 * an object with redact(text), and this one finds the PII the tests plant.
 */
export const piiRedactor: TextRedactor = {
  redact: (text) =>
    text
      .replace(/[\w.+-]+@[\w-]+\.[\w.]+/g, "[EMAIL]")
      .replace(/\b\d{3}-\d{2}-\d{4}\b/g, "[SSN]")
      .replace(/\+\d{11,14}\b/g, "[PHONE]")
      .replace(/\b4\d{15}\b/g, "[CARD]"),
};

/** Secrets and PII the redaction tests plant, by kind. */
export const PLANTED = {
  email: "alice.smith@example.com",
  ssn: "123-45-6789",
  phone: "+14155552671",
  card: "4111111111111111",
  password: "hunter2-correct-horse",
  token: "tok_9f8e7d6c5b4a",
  apiKey: "acme_live_4Fh2kd93mZq8",
  totp: "JBSWY3DPEHPK3PXP",
  cookie: "sid=s%3Aabcdef123456",
} as const;

/** An event input carrying every planted value in the diff, metadata and keys. */
export function eventWithSecrets(orgId: string): AuditEventInput {
  return {
    orgId,
    actor: { userId: "user_1" },
    action: "member.update",
    target: { type: "member", id: "mem_9" },
    before: {
      profile: { email: PLANTED.email, phone: PLANTED.phone, notes: [`call ${PLANTED.phone}`] },
      password: PLANTED.password,
      integrations: [{ name: "ci", token: PLANTED.token }],
    },
    after: {
      profile: {
        email: "bob@example.org",
        phone: PLANTED.phone,
        notes: [`SSN ${PLANTED.ssn}`, { card: Number(PLANTED.card) }],
      },
      password: "another-secret-value",
      integrations: [{ name: "ci", token: "tok_other_value" }],
      apiKey: PLANTED.apiKey,
      totpSecret: PLANTED.totp,
    },
    metadata: {
      headers: { Cookie: PLANTED.cookie, authorization: `Bearer ${PLANTED.token}` },
      [PLANTED.email]: "a key that is itself PII",
      note: `paid with ${PLANTED.card}`,
    },
  };
}

/** Every planted value, plus the new secret values the event's `after` carries. */
export const SECRET_VALUES: readonly string[] = [...Object.values(PLANTED), "another-secret-value", "tok_other_value"];
