/**
 * Behaviour of the chain verifier (`verifyRows`, `verifyAuditChain`) that the broader audit tests
 * leave open: toSeq, yielding to the event loop, store decode errors, the offline paging, the
 * messages of the errors it throws. Rows are minimal hashed records: the verifier only needs seq,
 * orgId, prevHash and a hash of the rest.
 */
import { describe, expect, it } from "vitest";
import { GENESIS_HASH, type StoredAuditEvent, hashAuditEvent, verifyAuditChain } from "../../src/audit/index.js";
import { type AuditVerifyProgress, verifyRows } from "../../src/audit/verify.js";
import { MoatError } from "../../src/errors.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";

type Row = Record<string, unknown>;

/** A hashed row (keys in canonical order, hash last, as sealed events have them). */
function sealed(fields: Row): Row {
  return { ...fields, hash: hashAuditEvent(fields as unknown as Omit<StoredAuditEvent, "hash">) };
}

/** `n` chained rows of `orgId` from seq 1, linked to the genesis hash; `orgOf` overrides per seq. */
function chain(orgId: string, n: number, orgOf: (seq: number) => string = () => orgId): Row[] {
  const rows: Row[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const row = sealed({ orgId: orgOf(seq), prevHash: prev, seq });
    rows.push(row);
    prev = row.hash as string;
  }
  return rows;
}

const expectations = (orgId: string) => ({
  orgId,
  firstSeq: 1,
  prevHash: GENESIS_HASH,
  checkpoints: new Map<number, string>(),
});

describe("verifyRows: range and abort", () => {
  it("stops after toSeq and reports the head there", async () => {
    const rows = chain("org_t", 5);
    const result = await verifyRows([rows], { ...expectations("org_t"), toSeq: 3 });
    expect(result).toEqual({ ok: true, count: 3, head: { seq: 3, hash: rows[2]!.hash } });
  });

  it("closes the store's iteration when it stops early", async () => {
    const rows = chain("org_c", 5);
    let closed = false;
    function* pages(): Generator<readonly unknown[]> {
      try {
        yield rows.slice(0, 2);
        yield rows.slice(2);
      } finally {
        closed = true;
      }
    }
    const result = await verifyRows(pages(), { ...expectations("org_c"), toSeq: 1 });
    expect(result).toMatchObject({ ok: true, count: 1 });
    expect(closed).toBe(true);
  });

  it("runs to the end with a signal that is not aborted, and throws ERR_ABORTED with its message once it is", async () => {
    const rows = chain("org_a", 3);
    const controller = new AbortController();
    expect(await verifyRows([rows], { ...expectations("org_a"), signal: controller.signal })).toMatchObject({
      ok: true,
      count: 3,
    });
    controller.abort();
    const err = await expectMoatErrorAsync(
      verifyRows([rows], { ...expectations("org_a"), signal: controller.signal }),
      "ERR_ABORTED",
    );
    expect(err.message).toBe("audit verification aborted");
  });

  it("yields to the event loop after YIELD_EVERY rows, and not before", async () => {
    const rows = chain("org_y", 4097);
    let immediateRan = false;
    const ranBeforePage: boolean[] = [];
    function* pages(): Generator<readonly unknown[]> {
      ranBeforePage.push(immediateRan);
      yield rows.slice(0, 4096);
      ranBeforePage.push(immediateRan);
      yield rows.slice(4096);
    }
    setImmediate(() => {
      immediateRan = true;
    });
    const result = await verifyRows(pages(), expectations("org_y"));
    expect(result).toMatchObject({ ok: true, count: 4097 });
    // Nothing awaited a macrotask before the first page; after 4096 rows the verifier gave way.
    expect(ranBeforePage).toEqual([false, true]);
  });
});

describe("verifyRows: what a row says", () => {
  it("a row that hashes but has no valid seq is modified at the expected position", async () => {
    const rows = [sealed({ orgId: "org_s", prevHash: GENESIS_HASH, seq: 0 })];
    expect(await verifyRows([rows], expectations("org_s"))).toEqual({ ok: false, reason: "modified", seq: 1 });
  });

  it("a well-linked row of another organisation is inserted", async () => {
    const rows = chain("org_o", 3, (seq) => (seq === 2 ? "org_other" : "org_o"));
    expect(await verifyRows([rows], expectations("org_o"))).toEqual({ ok: false, reason: "inserted", seq: 2 });
  });

  it("a store's ERR_INTEGRITY naming a seq is a modified event there", async () => {
    const rows = chain("org_i", 2);
    function* pages(): Generator<readonly unknown[]> {
      yield rows;
      throw new MoatError("ERR_INTEGRITY", { details: { seq: 7 } });
    }
    expect(await verifyRows(pages(), expectations("org_i"))).toEqual({ ok: false, reason: "modified", seq: 7 });
  });

  it("other store errors pass through: ERR_INTEGRITY without a numeric seq, other codes", async () => {
    const failing = (err: Error) =>
      function* pages(): Generator<readonly unknown[]> {
        yield [];
        throw err;
      };
    const cases: [Error, string][] = [
      [new MoatError("ERR_INTEGRITY"), "ERR_INTEGRITY"],
      [new MoatError("ERR_INTEGRITY", { details: { seq: "7" } }), "ERR_INTEGRITY"],
      [new MoatError("ERR_STORE", { details: { seq: 7 } }), "ERR_STORE"],
    ];
    for (const [err, code] of cases) {
      const thrown = await expectMoatErrorAsync(
        verifyRows(failing(err)(), expectations("org_e")),
        code as "ERR_INTEGRITY" | "ERR_STORE",
      );
      expect(thrown).toBe(err);
    }
  });

  it("column_mismatch names a plain column and says what it means; other names are (unnamed)", async () => {
    const rows = chain("org_m", 2);
    const result = await verifyRows([rows], { ...expectations("org_m"), columns: () => "actor_id" });
    expect(result).toEqual({
      ok: false,
      reason: "column_mismatch",
      seq: 1,
      column: "actor_id",
      detail: "the store's column actor_id disagrees with the hashed event, so queries on it misfile the event",
    });
    const odd = await verifyRows([rows], { ...expectations("org_m"), columns: () => "a; drop table" });
    expect(odd).toMatchObject({ reason: "column_mismatch", seq: 1, column: "(unnamed)" });
  });
});

describe("verifyRows: gaps", () => {
  it("a gap is a deletion when only an earlier seq or the seq seen comes back later", async () => {
    const rows = chain("org_g", 4);
    const [r1, r2, , r4] = rows;
    expect(await verifyRows([[r1, r2, r4, { seq: 1 }]], expectations("org_g"))).toEqual({
      ok: false,
      reason: "deleted",
      seq: 3,
    });
    expect(await verifyRows([[r1, r2, r4, { seq: 4 }]], expectations("org_g"))).toEqual({
      ok: false,
      reason: "deleted",
      seq: 3,
    });
    expect(await verifyRows([[r1, r2, r4, { seq: 3 }]], expectations("org_g"))).toEqual({
      ok: false,
      reason: "reordered",
      seq: 3,
    });
  });
});

describe("verifyAuditChain: paging and arguments", () => {
  it("reports progress every 1000 events and checks every event across pages", async () => {
    const rows = chain("org_p", 2500);
    const progress: AuditVerifyProgress[] = [];
    const result = await verifyAuditChain(rows, { orgId: "org_p", onProgress: (p) => progress.push(p) });
    expect(result).toEqual({ ok: true, count: 2500, head: { seq: 2500, hash: rows[2499]!.hash } });
    expect(progress).toEqual([
      { verified: 1000, seq: 1000 },
      { verified: 2000, seq: 2000 },
      { verified: 2500, seq: 2500 },
    ]);
  });

  it("an empty source ends without another page: an abort after the last event is not seen", async () => {
    const controller = new AbortController();
    function* events(): Generator {
      controller.abort();
      yield* [];
    }
    expect(await verifyAuditChain(events(), { orgId: "org_z", signal: controller.signal })).toEqual({
      ok: true,
      count: 0,
      head: { seq: 0, hash: GENESIS_HASH },
    });
  });

  it("says what is wrong with its arguments", async () => {
    const notIterable = await expectMoatErrorAsync(verifyAuditChain(42 as never, { orgId: "o" }), "ERR_INVALID_INPUT");
    expect(notIterable.message).toBe("verifyAuditChain needs an iterable of events");
    const badOptions = await expectMoatErrorAsync(verifyAuditChain([], {} as never), "ERR_INVALID_INPUT");
    expect(badOptions.message).toMatch(/^invalid verifyAuditChain options/);
  });
});
