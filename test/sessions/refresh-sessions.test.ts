import { describe, expect, it, vi } from "vitest";
import { createMemoryRefreshSessionStore } from "../../src/adapters/memory/index.js";
import { sha256Hex } from "../../src/_internal/hash.js";
import { Secret } from "../../src/_internal/secret.js";
import { createSessions, type RefreshSessionStore, type SessionsOptions } from "../../src/sessions/index.js";
import { raceExactlyOne } from "../../src/testing/index.js";
import { expectMoatError, expectMoatErrorAsync, WRONG_TYPES } from "../helpers/assertions.js";
import { describeEachBackend } from "./backends.js";
import { makeTokens, segmentJson } from "./helpers.js";

const DAY = 86_400_000;

function setup(
  overrides: Partial<SessionsOptions> = {},
  store: RefreshSessionStore = createMemoryRefreshSessionStore(),
) {
  const { tokens, clock } = makeTokens();
  const sessions = createSessions({ tokens, store, ...overrides });
  return { sessions, tokens, clock, store };
}

describe("sessions: start and refresh", () => {
  it("starts a session with an access token carrying sub, sid and the claims, and an opaque refresh token", async () => {
    const { sessions, tokens, clock } = setup();
    const pair = await sessions.start("user_42", { org: "org_7", role: "admin" });
    expect(pair.refreshToken).toBeInstanceOf(Secret);
    expect(String(pair.refreshToken)).toBe("[secret]");
    expect(pair.refreshToken.reveal()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(pair.refreshTokenExpiresAt).toBe(clock.now() + 30 * DAY);
    expect(pair.accessTokenExpiresAt).toBe(clock.now() + 15 * 60_000);
    const verified = await tokens.verify(pair.accessToken);
    expect(verified.ok && verified.claims).toMatchObject({
      sub: "user_42",
      sid: pair.sessionId,
      org: "org_7",
      role: "admin",
    });
    expect((await sessions.verify(pair.accessToken)).ok).toBe(true);
  });

  it("stores only the SHA-256 of refresh tokens", async () => {
    const inner = createMemoryRefreshSessionStore();
    const seen: string[] = [];
    const store: RefreshSessionStore = {
      ...inner,
      createRefreshSession: (s) => {
        seen.push(JSON.stringify(s));
        return inner.createRefreshSession(s);
      },
      rotateRefreshToken: (input) => {
        seen.push(JSON.stringify(input));
        return inner.rotateRefreshToken(input);
      },
    };
    const { sessions } = setup({}, store);
    const first = await sessions.start("user_1");
    const second = await sessions.refresh(first.refreshToken);
    expect(second.ok).toBe(true);
    const plaintexts = [first.refreshToken.reveal(), second.ok ? second.refreshToken.reveal() : ""];
    for (const record of seen) for (const plaintext of plaintexts) expect(record).not.toContain(plaintext);
    expect(seen[0]).toContain(sha256Hex(first.refreshToken.reveal()));
  });

  it("rotates on every refresh: a new refresh token, a new access token, the same session and claims", async () => {
    const { sessions, tokens, clock } = setup();
    const first = await sessions.start("user_1", { org: "o" });
    clock.advance(60_000);
    const second = await sessions.refresh(first.refreshToken.reveal());
    if (!second.ok) throw new Error(second.reason);
    expect(second.sessionId).toBe(first.sessionId);
    expect(second.refreshToken.reveal()).not.toBe(first.refreshToken.reveal());
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.refreshTokenExpiresAt).toBe(clock.now() + 30 * DAY);
    const verified = await tokens.verify(second.accessToken);
    expect(verified.ok && verified.claims).toMatchObject({ sub: "user_1", sid: first.sessionId, org: "o" });
    clock.advance(60_000);
    expect((await sessions.refresh(second.refreshToken)).ok).toBe(true);
  });

  it("inside the overlap window answers the just-used refresh token with the same successor", async () => {
    const { sessions, clock } = setup({ overlap: "5s" });
    const first = await sessions.start("user_1");
    const a = await sessions.refresh(first.refreshToken);
    clock.advance(4_999);
    const b = await sessions.refresh(first.refreshToken);
    if (!a.ok || !b.ok) throw new Error("refresh failed");
    expect(b.refreshToken.reveal()).toBe(a.refreshToken.reveal());
    expect(b.refreshTokenExpiresAt).toBe(a.refreshTokenExpiresAt);
    expect((await sessions.refresh(b.refreshToken)).ok).toBe(true);
  });

  it("detects reuse: a used refresh token revokes the family and the newest pair stops working", async () => {
    const onReuse = vi.fn();
    const { sessions, clock } = setup({ overlap: "5s", onReuse });
    const first = await sessions.start("user_1");
    const second = await sessions.refresh(first.refreshToken);
    if (!second.ok) throw new Error(second.reason);
    expect((await sessions.verify(second.accessToken)).ok).toBe(true);
    clock.advance(5_000);
    expect(await sessions.refresh(first.refreshToken)).toEqual({ ok: false, reason: "reused" });
    expect(onReuse).toHaveBeenCalledWith({ sessionId: first.sessionId, subject: "user_1" });
    expect(await sessions.refresh(second.refreshToken)).toEqual({ ok: false, reason: "revoked" });
    expect(await sessions.verify(second.accessToken)).toEqual({ ok: false, reason: "revoked" });
    expect(await sessions.verify(first.accessToken)).toEqual({ ok: false, reason: "revoked" });
  });

  it("with overlap 0 rotation is strict: the second use of a token is reuse at once", async () => {
    const { sessions } = setup({ overlap: 0 });
    const first = await sessions.start("user_1");
    const second = await sessions.refresh(first.refreshToken);
    expect(second.ok).toBe(true);
    expect(await sessions.refresh(first.refreshToken)).toEqual({ ok: false, reason: "reused" });
  });

  it("expires refresh tokens refreshTtl after they were issued", async () => {
    const { sessions, clock } = setup({ refreshTtl: "1d" });
    const first = await sessions.start("user_1");
    clock.advance(DAY - 1);
    const second = await sessions.refresh(first.refreshToken);
    if (!second.ok) throw new Error(second.reason);
    clock.advance(DAY);
    expect(await sessions.refresh(second.refreshToken)).toEqual({ ok: false, reason: "expired" });
  });

  it("answers invalid for tokens it never issued, without asking the store about malformed ones", async () => {
    const inner = createMemoryRefreshSessionStore();
    const rotate = vi.fn(inner.rotateRefreshToken);
    const { sessions } = setup({}, { ...inner, rotateRefreshToken: rotate });
    for (const bad of ["", "short", "x".repeat(43).replace(/^x/, "!"), "A".repeat(44), "A".repeat(10_000)]) {
      expect(await sessions.refresh(bad)).toEqual({ ok: false, reason: "invalid" });
    }
    expect(rotate).not.toHaveBeenCalled();
    expect(await sessions.refresh("A".repeat(43))).toEqual({ ok: false, reason: "invalid" });
    expect(rotate).toHaveBeenCalledTimes(1);
  });

  it("treats a refresh token of the wrong type as misuse", async () => {
    const { sessions } = setup();
    for (const value of WRONG_TYPES) await expectMoatErrorAsync(sessions.refresh(value as string), "ERR_INVALID_INPUT");
    await expectMoatErrorAsync(sessions.refresh(new Secret(42) as unknown as Secret<string>), "ERR_INVALID_INPUT");
  });
});

describe("sessions: revocation and verification", () => {
  it("revoke ends one session: its refresh and access tokens stop working, others go on", async () => {
    const { sessions } = setup();
    const a = await sessions.start("user_1");
    const b = await sessions.start("user_1");
    expect(await sessions.revoke(a.sessionId)).toBe(true);
    expect(await sessions.revoke(a.sessionId)).toBe(false);
    expect(await sessions.refresh(a.refreshToken)).toEqual({ ok: false, reason: "revoked" });
    expect(await sessions.verify(a.accessToken)).toEqual({ ok: false, reason: "revoked" });
    expect((await sessions.verify(b.accessToken)).ok).toBe(true);
  });

  it("revokeAll signs a subject out everywhere and no one else", async () => {
    const { sessions } = setup();
    const mine = [await sessions.start("user_1"), await sessions.start("user_1")];
    const theirs = await sessions.start("user_2");
    expect(await sessions.revokeAll("user_1")).toBe(2);
    for (const pair of mine)
      expect(await sessions.refresh(pair.refreshToken)).toEqual({ ok: false, reason: "revoked" });
    expect((await sessions.refresh(theirs.refreshToken)).ok).toBe(true);
  });

  it("verify passes token failures through and rejects access tokens without a live session", async () => {
    const { sessions, tokens, clock } = setup();
    const plain = await tokens.sign({ sub: "user_1" });
    expect(await sessions.verify(plain)).toEqual({ ok: false, reason: "revoked" });
    const forged = await tokens.sign({ sub: "user_1", sid: "no-such-session" });
    expect(await sessions.verify(forged)).toEqual({ ok: false, reason: "revoked" });
    const pair = await sessions.start("user_1");
    const otherSubject = await tokens.sign({ sub: "user_2", sid: pair.sessionId });
    expect(await sessions.verify(otherSubject)).toEqual({ ok: false, reason: "revoked" });
    clock.advance(15 * 60_000);
    expect(await sessions.verify(pair.accessToken)).toEqual({ ok: false, reason: "expired" });
    expect(await sessions.verify("nonsense")).toEqual({ ok: false, reason: "malformed" });
  });

  it("deleteExpired removes expired sessions from the store", async () => {
    const { sessions, clock, store } = setup({ refreshTtl: "1h" });
    const pair = await sessions.start("user_1");
    clock.advance(60 * 60_000);
    expect(await sessions.deleteExpired()).toBeGreaterThan(0);
    expect(await store.getRefreshSession(pair.sessionId)).toBeNull();
  });
});

describe("sessions: input and failures", () => {
  it("rejects bad subjects and claims before writing anything", async () => {
    const inner = createMemoryRefreshSessionStore();
    const create = vi.fn(inner.createRefreshSession);
    const { sessions } = setup({}, { ...inner, createRefreshSession: create });
    for (const subject of [...WRONG_TYPES, "", "x".repeat(257)])
      await expectMoatErrorAsync(sessions.start(subject as string), "ERR_INVALID_INPUT");
    for (const claims of [{ sub: "other" }, { sid: "x" }, { exp: 1 }, { n: Number.NaN }, null, "claims"]) {
      await expectMoatErrorAsync(sessions.start("user_1", claims as Record<string, unknown>), "ERR_INVALID_INPUT");
    }
    expect(create).not.toHaveBeenCalled();
    for (const id of [...WRONG_TYPES, ""]) {
      await expectMoatErrorAsync(sessions.revoke(id as string), "ERR_INVALID_INPUT");
      await expectMoatErrorAsync(sessions.revokeAll(id as string), "ERR_INVALID_INPUT");
    }
  });

  it("fails closed with ERR_STORE when the store fails, without leaking the token", async () => {
    const failing: RefreshSessionStore = {
      ...createMemoryRefreshSessionStore(),
      rotateRefreshToken: () => Promise.reject(new Error("connection refused")),
    };
    const { sessions } = setup({}, failing);
    const pair = await sessions.start("user_1");
    const err = await expectMoatErrorAsync(sessions.refresh(pair.refreshToken), "ERR_STORE");
    expect(err.message).not.toContain(pair.refreshToken.reveal());
  });

  it("throws ERR_INTEGRITY when a store's overlap answer does not reproduce the successor", async () => {
    const inner = createMemoryRefreshSessionStore();
    const tampering: RefreshSessionStore = {
      ...inner,
      rotateRefreshToken: async (input) => {
        const outcome = await inner.rotateRefreshToken(input);
        return outcome.status === "overlap"
          ? { ...outcome, successorNonce: Buffer.alloc(32, 1).toString("base64url") }
          : outcome;
      },
    };
    const { sessions } = setup({ overlap: "5s" }, tampering);
    const pair = await sessions.start("user_1");
    expect((await sessions.refresh(pair.refreshToken)).ok).toBe(true);
    const err = await expectMoatErrorAsync(sessions.refresh(pair.refreshToken), "ERR_INTEGRITY");
    expect(err.message).toBe("a stored refresh session does not match its successor");
  });

  it("rejects invalid options with ERR_CONFIG", () => {
    const { tokens } = makeTokens();
    const store = createMemoryRefreshSessionStore();
    for (const bad of [
      { tokens, store: {} },
      { tokens, store: { ...store, deleteExpiredRefreshSessions: undefined } },
      { tokens: {}, store },
      { tokens, store, refreshTtl: 0 },
      { tokens, store, overlap: -1 },
      { tokens, store, overlap: "soon" },
      { tokens, store, onReuse: "log" },
    ]) {
      expectMoatError(() => createSessions(bad as unknown as SessionsOptions), "ERR_CONFIG");
    }
  });
});

describeEachBackend("sessions: 50 concurrent refreshes with one refresh token", (stores) => {
  it("with the overlap on, all 50 succeed with the same successor: exactly one new family member", async () => {
    const { sessions, tokens, store } = setup({ overlap: "5s" }, stores.refreshSessions());
    const pair = await sessions.start("user_race", { org: "o" });
    const results = await Promise.all(Array.from({ length: 50 }, () => sessions.refresh(pair.refreshToken)));
    const successors = new Set(results.map((r) => (r.ok ? r.refreshToken.reveal() : `failed:${r.reason}`)));
    expect([...successors].every((s) => !s.startsWith("failed:"))).toBe(true);
    expect(successors.size).toBe(1);
    expect((await store.getRefreshSession(pair.sessionId))?.generation).toBe(2);
    for (const r of results) if (r.ok) expect(segmentJson(r.accessToken, 1).sid).toBe(pair.sessionId);
    const [successor = ""] = successors;
    const next = await sessions.refresh(successor);
    expect(next.ok).toBe(true);
    if (next.ok) expect((await tokens.verify(next.accessToken)).ok).toBe(true);
  }, 30_000);

  it("with the overlap off, exactly one succeeds, the rest are reuse, and the family is revoked", async () => {
    const { sessions, store } = setup({ overlap: 0 }, stores.refreshSessions());
    const pair = await sessions.start("user_race");
    const { winner, results } = await raceExactlyOne(50, () => sessions.refresh(pair.refreshToken));
    for (const [i, r] of results.entries()) {
      if (i !== winner) expect(!r.ok && ["reused", "revoked"].includes(r.reason)).toBe(true);
    }
    expect(results.some((r) => !r.ok && r.reason === "reused")).toBe(true);
    const won = results[winner];
    if (won === undefined || !won.ok) throw new Error("no winner");
    expect((await store.getRefreshSession(pair.sessionId))?.generation).toBe(2);
    expect(await sessions.refresh(won.refreshToken)).toEqual({ ok: false, reason: "revoked" });
    expect(await sessions.verify(won.accessToken)).toEqual({ ok: false, reason: "revoked" });
  }, 30_000);

  it("reuse of an older token after a normal rotation revokes the family on this store too", async () => {
    const { sessions, clock } = setup({ overlap: "5s" }, stores.refreshSessions());
    const first = await sessions.start("user_reuse");
    const second = await sessions.refresh(first.refreshToken);
    clock.advance(5_000);
    expect(await sessions.refresh(first.refreshToken)).toEqual({ ok: false, reason: "reused" });
    if (second.ok) expect(await sessions.verify(second.accessToken)).toEqual({ ok: false, reason: "revoked" });
  }, 30_000);
});
