/**
 * The tamper-detection table: every kind of tampering the issue names, each expected to be
 * reported by `verify` with the right reason and seq — on a store that serves whatever rows it
 * is given, and on Postgres (PGlite, and the server when DATABASE_URL is set) holding the same
 * rows in its table.
 */
import { randomBytes } from "node:crypto";
import type { CryptoKey } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createPostgresAuditStore } from "../../src/adapters/postgres/index.js";
import { type AuditCheckpointSigner, type AuditTamperReason, createAuditLog } from "../../src/audit/index.js";
import { describePostgres, useMigratedDatabase } from "../helpers/postgres.js";
import {
  CHAIN_LENGTH,
  FIELD_TAMPERS,
  type Row,
  arrayStore,
  baseChain,
  checkpointKeys,
  rehash,
  setPath,
  writeRows,
} from "./tamper.js";

type Expected = { reason: AuditTamperReason; seq: number } | { ok: true; count: number };

interface TamperCase {
  readonly name: string;
  /** Turns the base chain (of `orgId`) into what the attacker leaves behind. */
  readonly tamper: (rows: Row[], orgId: string) => Promise<Row[]> | Row[];
  /** Seqs of the original chain at which checkpoints were signed (and kept elsewhere). */
  readonly checkpointsAt?: readonly number[];
  readonly expected: Expected;
  /** Run on Postgres as well (the field table runs there for a sample of events). */
  readonly postgres?: boolean;
}

const clone = (rows: Row[]): Row[] => structuredClone(rows);
const without = (rows: Row[], index: number): Row[] => rows.filter((_, i) => i !== index);
const swap = (rows: Row[], i: number, j: number): Row[] => {
  const out = clone(rows);
  [out[i], out[j]] = [out[j]!, out[i]!];
  return out;
};
const insertAt = (rows: Row[], index: number, row: Row): Row[] => [...rows.slice(0, index), row, ...rows.slice(index)];

function modified(rows: Row[], index: number, path: string, value: unknown): Row[] {
  const out = clone(rows);
  setPath(out[index]!, path, value);
  return out;
}

const cases: TamperCase[] = [];

// Modify any field of any event (no hash recomputed): "modified" at that event.
for (let k = 0; k < CHAIN_LENGTH; k++) {
  for (const [path, value] of FIELD_TAMPERS) {
    cases.push({
      name: `modify ${path} of event ${String(k + 1)}`,
      tamper: (rows) => modified(rows, k, path, value),
      expected: { reason: "modified", seq: k + 1 },
      postgres: k === 0 || k === 4 || k === CHAIN_LENGTH - 1,
    });
  }
  cases.push({
    name: `add a field to event ${String(k + 1)}`,
    tamper: (rows) => modified(rows, k, "approved", true),
    expected: { reason: "modified", seq: k + 1 },
    postgres: k === 4,
  });
  cases.push({
    name: `remove a field from event ${String(k + 1)}`,
    tamper: (rows) => {
      const out = clone(rows);
      delete out[k]!.metadata;
      return out;
    },
    expected: { reason: "modified", seq: k + 1 },
    postgres: k === 4,
  });
  cases.push({
    name: `modify event ${String(k + 1)} and recompute only its own hash`,
    tamper: (rows) => {
      const out = modified(rows, k, "actor.userId", "mallory");
      rehash([out[k]!]);
      return out;
    },
    // The change is consistent in itself; the next event's link to it breaks. The last event has
    // no next one: only a checkpoint catches that.
    ...(k === CHAIN_LENGTH - 1
      ? { checkpointsAt: [CHAIN_LENGTH], expected: { reason: "checkpoint_mismatch", seq: CHAIN_LENGTH } }
      : { expected: { reason: "modified", seq: k + 2 } }),
    postgres: k === 4 || k === CHAIN_LENGTH - 1,
  });
}

// Delete one event.
for (let k = 0; k < CHAIN_LENGTH - 1; k++) {
  cases.push({
    name: `delete event ${String(k + 1)}`,
    tamper: (rows) => without(rows, k),
    expected: { reason: "deleted", seq: k + 1 },
    postgres: k === 0 || k === 5,
  });
}
cases.push({
  name: "delete the last event (no checkpoint: indistinguishable from a shorter log)",
  tamper: (rows) => without(rows, CHAIN_LENGTH - 1),
  expected: { ok: true, count: CHAIN_LENGTH - 1 },
});
cases.push({
  name: "delete the last event, with a checkpoint of the head",
  tamper: (rows) => without(rows, CHAIN_LENGTH - 1),
  checkpointsAt: [CHAIN_LENGTH],
  expected: { reason: "deleted", seq: CHAIN_LENGTH },
  postgres: true,
});

// Swap two events.
for (const [i, j] of [
  [0, 1],
  [2, 7],
  [0, 9],
  [8, 9],
] as const) {
  cases.push({
    name: `swap events ${String(i + 1)} and ${String(j + 1)}`,
    tamper: (rows) => swap(rows, i, j),
    expected: { reason: "reordered", seq: i + 1 },
    postgres: true,
  });
}

// Insert a forged event.
cases.push({
  name: "insert a forged event, correctly linked, before the real one with the same seq",
  tamper: (rows) => {
    // Same seq and prevHash as event 5, different content, its own hash recomputed.
    const forged = rehash([{ ...clone(rows)[4]!, actor: { userId: "mallory" } }])[0]!;
    return insertAt(rows, 4, forged);
  },
  expected: { reason: "inserted", seq: 5 },
  postgres: true,
});
cases.push({
  name: "insert a forged event with a made-up link",
  tamper: (rows) => {
    const forged = { ...clone(rows)[4]!, prevHash: "a".repeat(64) };
    return insertAt(rows, 4, rehash([forged])[0]!);
  },
  expected: { reason: "inserted", seq: 5 },
  postgres: true,
});
cases.push({
  name: "insert an event of another organisation",
  tamper: async (rows) => insertAt(rows, 6, (await baseChain("org_elsewhere"))[6]!),
  expected: { reason: "inserted", seq: 7 },
  postgres: true,
});
cases.push({
  name: "append a duplicate of an earlier event",
  tamper: (rows) => [...rows, clone(rows)[3]!],
  expected: { reason: "inserted", seq: 4 },
  postgres: true,
});
cases.push({
  name: "append a forged event after the head, correctly linked (a writer's append: only authorisation stops it)",
  tamper: (rows) => {
    const next = {
      ...clone(rows)[CHAIN_LENGTH - 1]!,
      seq: CHAIN_LENGTH + 1,
      prevHash: rows[CHAIN_LENGTH - 1]!.hash,
      action: "forged",
    };
    return [...rows, rehash([next])[0]!];
  },
  checkpointsAt: [CHAIN_LENGTH],
  expected: { ok: true, count: CHAIN_LENGTH + 1 },
});

// Truncate the tail.
cases.push({
  name: "truncate the last 3 events (no checkpoint: undetectable)",
  tamper: (rows) => rows.slice(0, CHAIN_LENGTH - 3),
  expected: { ok: true, count: CHAIN_LENGTH - 3 },
});
cases.push({
  name: "truncate the last 3 events, with a checkpoint of the head",
  tamper: (rows) => rows.slice(0, CHAIN_LENGTH - 3),
  checkpointsAt: [CHAIN_LENGTH],
  expected: { reason: "deleted", seq: CHAIN_LENGTH - 2 },
  postgres: true,
});

// Recompute every hash after a change.
const rewrite = (rows: Row[]): Row[] => rehash(modified(rows, 4, "actor.userId", "mallory"), 4);
cases.push({
  name: "change event 5 and recompute all hashes (no checkpoint: undetectable)",
  tamper: rewrite,
  expected: { ok: true, count: CHAIN_LENGTH },
});
cases.push({
  name: "change event 5 and recompute all hashes, with a checkpoint of the head",
  tamper: rewrite,
  checkpointsAt: [CHAIN_LENGTH],
  expected: { reason: "checkpoint_mismatch", seq: CHAIN_LENGTH },
  postgres: true,
});
cases.push({
  name: "change event 5 and recompute all hashes, with checkpoints at 3 and 7",
  tamper: rewrite,
  checkpointsAt: [3, 7],
  expected: { reason: "checkpoint_mismatch", seq: 7 },
  postgres: true,
});
cases.push({
  name: "change event 5 and recompute all hashes, with a checkpoint at 3 only (later events are unprotected)",
  tamper: rewrite,
  checkpointsAt: [3],
  expected: { ok: true, count: CHAIN_LENGTH },
});
cases.push({
  name: "change event 3, recompute all hashes and truncate to 6, with a checkpoint of the head",
  tamper: (rows) => rehash(modified(rows, 2, "action", "nothing"), 2).slice(0, 6),
  checkpointsAt: [CHAIN_LENGTH],
  expected: { reason: "deleted", seq: 7 },
  postgres: true,
});
cases.push({
  name: "rewrite the whole chain from event 1",
  tamper: (rows) => rehash(modified(rows, 0, "target.id", "mem_0"), 0),
  checkpointsAt: [5, CHAIN_LENGTH],
  expected: { reason: "checkpoint_mismatch", seq: 5 },
  postgres: true,
});

// Rows that are not events at all (memory only: Postgres cannot hold them as JSON objects).
for (const [label, junk] of [
  ["null", null],
  ["a string", "event"],
  ["an array", [1, 2]],
  ["an empty object", {}],
] as const) {
  cases.push({
    name: `replace event 4 by ${label}`,
    tamper: (rows) => [...rows.slice(0, 3), junk as unknown as Row, ...rows.slice(4)],
    expected: { reason: "modified", seq: 4 },
  });
}

function expectResult(result: unknown, expected: Expected): void {
  if ("ok" in expected) expect(result).toMatchObject({ ok: true, count: expected.count });
  else expect(result).toEqual({ ok: false, reason: expected.reason, seq: expected.seq });
}

let keys: { signer: AuditCheckpointSigner; publicKey: CryptoKey };
const chains = new Map<string, Row[]>();

/** The base chain for `orgId`, and checkpoints signed over it at the given seqs. */
async function original(
  orgId: string,
  checkpointsAt: readonly number[] = [],
): Promise<{ rows: Row[]; checkpoints: string[] }> {
  let rows = chains.get(orgId);
  if (rows === undefined) {
    rows = await baseChain(orgId);
    chains.set(orgId, rows);
  }
  const checkpoints: string[] = [];
  for (const seq of checkpointsAt) {
    const honest = createAuditLog({ store: arrayStore(rows.slice(0, seq)), checkpointKey: keys.publicKey });
    checkpoints.push(await honest.checkpoint(orgId, keys.signer));
  }
  return { rows: structuredClone(rows), checkpoints };
}

beforeAll(async () => {
  keys = await checkpointKeys();
});

describe("tamper detection [untrusted store serving the rows]", () => {
  it("verifies the untampered chain", async () => {
    const { rows, checkpoints } = await original("org_tamper", [5, CHAIN_LENGTH]);
    const log = createAuditLog({ store: arrayStore(rows), checkpointKey: keys.publicKey });
    expect(await log.verify({ orgId: "org_tamper", checkpoints })).toEqual({
      ok: true,
      count: CHAIN_LENGTH,
      head: { seq: CHAIN_LENGTH, hash: rows[CHAIN_LENGTH - 1]!.hash },
    });
  });

  it.each(cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const { rows, checkpoints } = await original("org_tamper", c.checkpointsAt);
    const tampered = await c.tamper(rows, "org_tamper");
    for (const pageSize of [1, 3, 100]) {
      const log = createAuditLog({ store: arrayStore(tampered, { pageSize }), checkpointKey: keys.publicKey });
      expectResult(await log.verify({ orgId: "org_tamper", checkpoints }), c.expected);
    }
  });
});

describePostgres("tamper detection", (target) => {
  const db = useMigratedDatabase(target);

  it.each(cases.filter((c) => c.postgres === true).map((c) => [c.name, c] as const))(
    "%s",
    async (_name, c) => {
      const client = db();
      // A fresh org per case; the chain is built for it, so every hash covers this org id.
      const orgId = `org_${randomBytes(6).toString("hex")}`;
      const { rows, checkpoints } = await original(orgId, c.checkpointsAt);
      await writeRows(client, orgId, await c.tamper(rows, orgId));
      const log = createAuditLog({
        store: createPostgresAuditStore({ client, pageSize: 4 }),
        checkpointKey: keys.publicKey,
      });
      expectResult(await log.verify({ orgId, checkpoints }), c.expected);
    },
    30_000,
  );
});
