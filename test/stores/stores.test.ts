/**
 * moatkit/stores: the helpers a store of one's own calls, each with the inputs a store could
 * hand it — valid, wrong types, empty, oversized, malformed and tampered.
 */
import { describe, expect, it } from "vitest";
import * as stores from "../../src/stores/index.js";
import {
  EMPTY_CHAIN_HEAD,
  GENESIS_HASH,
  checkSealed,
  decodeStoredAuditEvent,
  isStoredAuditEventShape,
  nextRateLimitWindow,
  planRotation,
  requireTotpStep,
  toApiKeyInfo,
  type RateLimitConsumeInput,
  type RefreshFamilyState,
  type RefreshTokenRotateInput,
  type StoredAuditEvent,
} from "../../src/stores/index.js";
import { createAuditEventBuilder } from "../../src/audit/builder.js";
import { sealAuditEvent } from "../../src/audit/event.js";
import { isMoatError } from "../../src/errors.js";
import { expectMoatError } from "../helpers/assertions.js";

describe("moatkit/stores exports", () => {
  it("exports the contract of every store: interfaces' method lists and the shared helpers", () => {
    expect(Object.keys(stores).sort()).toEqual(
      [
        "API_KEY_STORE_METHODS",
        "AUDIT_STORE_METHODS",
        "DATA_KEY_STORE_METHODS",
        "EMPTY_CHAIN_HEAD",
        "GENESIS_HASH",
        "ONE_TIME_TOKEN_STORE_METHODS",
        "RATE_LIMIT_STORE_METHODS",
        "RECOVERY_CODE_STORE_METHODS",
        "REFRESH_SESSION_STORE_METHODS",
        "SERVER_SESSION_STORE_METHODS",
        "TOTP_STEP_STORE_METHODS",
        "checkSealed",
        "decodeStoredAuditEvent",
        "isStoredAuditEventShape",
        "nextRateLimitWindow",
        "planRotation",
        "requireTotpStep",
        "toApiKeyInfo",
      ].sort(),
    );
  });
});

describe("requireTotpStep", () => {
  it("returns a non-negative safe integer unchanged", () => {
    for (const step of [0, 1, 58_000_000, Number.MAX_SAFE_INTEGER]) expect(requireTotpStep(step)).toBe(step);
  });

  it("refuses anything else with ERR_INVALID_INPUT", () => {
    const bad: unknown[] = [
      -1,
      1.5,
      -0.5,
      Number.NaN,
      Infinity,
      -Infinity,
      2 ** 53,
      1e300,
      "1",
      "",
      null,
      undefined,
      1n,
      {},
      [1],
      true,
    ];
    for (const step of bad) expectMoatError(() => requireTotpStep(step), "ERR_INVALID_INPUT");
  });
});

describe("checkSealed", () => {
  const builder = createAuditEventBuilder({ now: () => Date.UTC(2026, 0, 1) });
  const event = (orgId: string, i: number) =>
    builder.build({
      orgId,
      actor: { userId: "u1" },
      action: "thing.update",
      target: { type: "thing", id: `t${String(i)}` },
    });
  const chain = (orgId: string, n: number, head = EMPTY_CHAIN_HEAD): StoredAuditEvent[] => {
    const out: StoredAuditEvent[] = [];
    let prev = head;
    for (let i = 0; i < n; i++) {
      const sealed = sealAuditEvent(event(orgId, i), prev);
      out.push(sealed);
      prev = sealed;
    }
    return out;
  };

  it("accepts events that continue the head, from an empty chain or a later one", () => {
    const first = chain("org_1", 3);
    expect(() => {
      checkSealed("org_1", EMPTY_CHAIN_HEAD, first);
    }).not.toThrow();
    const last = first[2];
    if (last === undefined) throw new Error("three events were sealed");
    expect(() => {
      checkSealed("org_1", last, chain("org_1", 2, last));
    }).not.toThrow();
  });

  it("refuses an empty list, another organisation's events, a gap, a wrong link or a reordering", () => {
    const events = chain("org_1", 3);
    const [a, b, c] = events;
    if (a === undefined || b === undefined || c === undefined) throw new Error("three events were sealed");
    const cases: [string, StoredAuditEvent[]][] = [
      ["empty", []],
      ["other organisation", chain("org_2", 1)],
      ["organisation differing in case", chain("ORG_1", 1)],
      ["gap", [a, c]],
      ["reordered", [b, a, c]],
      ["starts after the head", [b, c]],
      ["wrong link", [a, { ...b, prevHash: GENESIS_HASH }]],
      ["seq off by one", [{ ...a, seq: 2 }]],
    ];
    for (const [, list] of cases)
      expectMoatError(() => {
        checkSealed("org_1", EMPTY_CHAIN_HEAD, list);
      }, "ERR_INVALID_INPUT");
  });
});

describe("planRotation", () => {
  const input = (tokenHash: string, now: number, overlapMs = 5_000): RefreshTokenRotateInput => ({
    tokenHash,
    now,
    overlapMs,
    successor: { tokenHash: "s".repeat(64), nonce: "n", expiresAt: now + 1_000_000 },
  });
  const live: RefreshFamilyState = {
    revokedAt: null,
    headHash: "h".repeat(64),
    prevHash: "p".repeat(64),
    prevUsedAt: 1_000,
  };

  it("rotates the head, answers the previous token inside the window, and calls anything else reuse", () => {
    expect(planRotation(live, live.headHash, 10_000, input(live.headHash, 2_000))).toBe("rotate");
    expect(planRotation(live, "p".repeat(64), 10_000, input("p".repeat(64), 5_999))).toBe("overlap");
    expect(planRotation(live, "p".repeat(64), 10_000, input("p".repeat(64), 6_000))).toBe("reuse");
    expect(planRotation(live, "p".repeat(64), 10_000, input("p".repeat(64), 1_000, 0))).toBe("reuse");
    expect(planRotation(live, "o".repeat(64), 10_000, input("o".repeat(64), 2_000))).toBe("reuse");
    expect(
      planRotation({ ...live, prevHash: null, prevUsedAt: null }, "p".repeat(64), 10_000, input("p".repeat(64), 1_001)),
    ).toBe("reuse");
  });

  it("compares hashes exactly: case and trailing spaces make another token", () => {
    expect(planRotation(live, live.headHash.toUpperCase(), 10_000, input(live.headHash.toUpperCase(), 2_000))).toBe(
      "reuse",
    );
    expect(planRotation(live, `${live.headHash} `, 10_000, input(`${live.headHash} `, 2_000))).toBe("reuse");
    expect(planRotation(live, "", 10_000, input("", 2_000))).toBe("reuse");
  });

  it("puts expiry first (a stale token is no evidence of theft), then revocation", () => {
    expect(planRotation(live, "p".repeat(64), 2_000, input("p".repeat(64), 2_000))).toBe("expired");
    expect(planRotation({ ...live, revokedAt: 1_500 }, live.headHash, 2_001, input(live.headHash, 2_000))).toBe(
      "revoked",
    );
    expect(planRotation({ ...live, revokedAt: 1_500 }, live.headHash, 2_000, input(live.headHash, 2_000))).toBe(
      "expired",
    );
  });
});

describe("nextRateLimitWindow", () => {
  const consume = (now: number, overrides: Partial<RateLimitConsumeInput> = {}): RateLimitConsumeInput => ({
    key: "k",
    points: 1,
    limit: 3,
    windowMs: 60_000,
    blockMs: 0,
    now,
    ...overrides,
  });

  it("opens a window when there is none or it has ended, else adds to it", () => {
    expect(nextRateLimitWindow(null, consume(0))).toEqual({ consumed: 1, resetAt: 60_000 });
    expect(nextRateLimitWindow({ consumed: 2, resetAt: 60_000 }, consume(59_999))).toEqual({
      consumed: 3,
      resetAt: 60_000,
    });
    expect(nextRateLimitWindow({ consumed: 9, resetAt: 60_000 }, consume(60_000))).toEqual({
      consumed: 1,
      resetAt: 120_000,
    });
  });

  it("blocks at the consume that first goes over the limit, and only then", () => {
    const block = { blockMs: 600_000 };
    expect(nextRateLimitWindow({ consumed: 2, resetAt: 60_000 }, consume(1_000, block))).toEqual({
      consumed: 3,
      resetAt: 60_000,
    });
    expect(nextRateLimitWindow({ consumed: 3, resetAt: 60_000 }, consume(1_000, block))).toEqual({
      consumed: 4,
      resetAt: 601_000,
    });
    expect(nextRateLimitWindow({ consumed: 4, resetAt: 601_000 }, consume(2_000, block))).toEqual({
      consumed: 5,
      resetAt: 601_000,
    });
    expect(nextRateLimitWindow(null, consume(0, { points: 5, ...block }))).toEqual({ consumed: 5, resetAt: 600_000 });
  });

  it("does not change the window it is given", () => {
    const held = Object.freeze({ consumed: 1, resetAt: 60_000 });
    nextRateLimitWindow(held, consume(0));
    expect(held).toEqual({ consumed: 1, resetAt: 60_000 });
  });
});

describe("decodeStoredAuditEvent and isStoredAuditEventShape", () => {
  const builder = createAuditEventBuilder({ now: () => Date.UTC(2026, 0, 1) });
  const stored = sealAuditEvent(
    builder.build({
      orgId: "org_1",
      actor: { userId: "u1" },
      action: "a.b",
      target: { type: "t", id: "1" },
      metadata: { big: "x".repeat(60_000) },
    }),
    EMPTY_CHAIN_HEAD,
  );

  it("decodes JSON text and driver-parsed objects alike", () => {
    expect(decodeStoredAuditEvent(1, JSON.stringify(stored))).toEqual(stored);
    expect(decodeStoredAuditEvent(1, JSON.parse(JSON.stringify(stored)))).toEqual(stored);
  });

  it("throws ERR_INTEGRITY naming the seq, never the body, for anything that is not a stored event", () => {
    const bodies: unknown[] = [
      "",
      "{",
      "null",
      "[]",
      "42",
      JSON.stringify({ ...stored, seq: "1" }),
      JSON.stringify({ ...stored, actor: null }),
      JSON.stringify({ ...stored, hash: undefined }),
      JSON.stringify({ ...stored, requestId: 5 }),
      `${JSON.stringify(stored).slice(0, -1)}secret-looking-tail`,
      null,
      undefined,
      7,
      [],
      new Uint8Array(4),
    ];
    for (const body of bodies) {
      const err = expectMoatError(() => decodeStoredAuditEvent(17, body), "ERR_INTEGRITY");
      expect(err.details).toEqual({ seq: 17 });
      expect(err.message).not.toContain("secret");
      expect(isMoatError(err)).toBe(true);
    }
    expect(isStoredAuditEventShape({ ...stored, orgId: 1 })).toBe(false);
    expect(isStoredAuditEventShape(stored)).toBe(true);
  });
});

describe("toApiKeyInfo", () => {
  it("keeps the metadata fields only, frozen, so neither the hash nor a store's own field is listed", () => {
    const record = {
      id: "ak_1",
      hash: "h".repeat(64),
      preview: "acme_live_4Fh2…",
      env: "live" as const,
      ownerId: "o1",
      tenantId: null,
      name: null,
      scopes: ["read"],
      metadata: {},
      redaction: "inherit" as const,
      createdAt: 1,
      expiresAt: null,
      revokedAt: null,
      lastUsedAt: null,
      predecessorId: null,
      successorId: null,
      internalRowVersion: 9,
    };
    const info = toApiKeyInfo(record);
    expect(Object.hasOwn(info, "hash")).toBe(false);
    expect(Object.hasOwn(info, "internalRowVersion")).toBe(false);
    expect(Object.isFrozen(info)).toBe(true);
    const { hash: _hash, internalRowVersion: _v, ...rest } = record;
    expect(info).toEqual(rest);
  });
});
