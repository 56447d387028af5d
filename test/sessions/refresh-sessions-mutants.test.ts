import { describe, expect, it } from "vitest";
import { createMemoryRefreshSessionStore } from "../../src/adapters/memory/index.js";
import {
  createRemoteKeySet,
  createSessions,
  createTokens,
  type RefreshSessionStore,
  type SessionsOptions,
} from "../../src/sessions/index.js";
import { expectMoatError, expectMoatErrorAsync } from "../helpers/assertions.js";
import { AUDIENCE, ISSUER, makeTokens } from "./helpers.js";

/** A memory store whose rotation answers carry `claimsJson` instead of the stored claims. */
function corruptClaimsStore(claimsJson: string): RefreshSessionStore {
  const inner = createMemoryRefreshSessionStore();
  return {
    ...inner,
    rotateRefreshToken: async (input) => {
      const outcome = await inner.rotateRefreshToken(input);
      return outcome.status === "rotated" ? { ...outcome, session: { ...outcome.session, claimsJson } } : outcome;
    },
  };
}

describe("createSessions: option checks", () => {
  it("refuses tokens that are not an object with an invalid-options message naming tokens", () => {
    const { tokens } = makeTokens();
    const store = createMemoryRefreshSessionStore();
    for (const bad of [null, 42, "tokens"]) {
      const err = expectMoatError(
        () => createSessions({ tokens: bad, store } as unknown as SessionsOptions),
        "ERR_CONFIG",
      );
      expect(err.message).toBe('invalid createSessions options at "tokens"');
    }
    expect(() => createSessions({ tokens, store })).not.toThrow();
  });

  it("refuses verify-only tokens (a remote key set) with a message saying why", () => {
    const tokens = createTokens({
      keys: createRemoteKeySet("https://auth.example.test/.well-known/jwks.json"),
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    const err = expectMoatError(
      () => createSessions({ tokens, store: createMemoryRefreshSessionStore() }),
      "ERR_CONFIG",
    );
    expect(err.message).toBe("createSessions needs tokens that can sign, not a remote key set");
  });
});

describe("sessions: input messages", () => {
  it("start names the subject and the claims rule in its errors", async () => {
    const { tokens } = makeTokens();
    const sessions = createSessions({ tokens, store: createMemoryRefreshSessionStore() });
    const bad = await expectMoatErrorAsync(sessions.start(42 as unknown as string), "ERR_INVALID_INPUT");
    expect(bad.message).toBe("subject must be a string");
    const claims = await expectMoatErrorAsync(sessions.start("user_1", { sid: "x" }), "ERR_INVALID_INPUT");
    expect(claims.message).toBe('session claims must be an object without "sub" or "sid"');
  });

  it("refresh names the refresh token when it is not a string", async () => {
    const { tokens } = makeTokens();
    const sessions = createSessions({ tokens, store: createMemoryRefreshSessionStore() });
    const err = await expectMoatErrorAsync(sessions.refresh(42 as unknown as string), "ERR_INVALID_INPUT");
    expect(err.message).toBe("refresh token must be a string");
  });

  it("revokeAll names the subject in its error", async () => {
    const { tokens } = makeTokens();
    const sessions = createSessions({ tokens, store: createMemoryRefreshSessionStore() });
    const err = await expectMoatErrorAsync(sessions.revokeAll(42 as unknown as string), "ERR_INVALID_INPUT");
    expect(err.message).toBe("subject must be a string");
  });

  it("revoke checks the session id: a string of 1–128 characters", async () => {
    const { tokens } = makeTokens();
    const sessions = createSessions({ tokens, store: createMemoryRefreshSessionStore() });
    const wrongType = await expectMoatErrorAsync(sessions.revoke(42 as unknown as string), "ERR_INVALID_INPUT");
    expect(wrongType.message).toBe("sessionId must be a string");
    for (const id of ["", "x".repeat(129)]) {
      const err = await expectMoatErrorAsync(sessions.revoke(id), "ERR_INVALID_INPUT");
      expect(err.message).toBe("sessionId must be 1–128 characters");
    }
    // 128 characters is still a session id: an unknown one, so nothing was revoked.
    expect(await sessions.revoke("x".repeat(128))).toBe(false);
  });
});

describe("sessions: stored data integrity", () => {
  it("throws ERR_INTEGRITY when the stored claims are not JSON", async () => {
    const { tokens } = makeTokens();
    const sessions = createSessions({ tokens, store: corruptClaimsStore("{not json") });
    const pair = await sessions.start("user_1");
    const err = await expectMoatErrorAsync(sessions.refresh(pair.refreshToken), "ERR_INTEGRITY");
    expect(err.message).toBe("a stored session has corrupt claims");
  });

  it("throws ERR_INTEGRITY when the stored claims are JSON null, an array or a scalar", async () => {
    for (const json of ["null", "[]", "7"]) {
      const { tokens } = makeTokens();
      const sessions = createSessions({ tokens, store: corruptClaimsStore(json) });
      const pair = await sessions.start("user_1");
      const err = await expectMoatErrorAsync(sessions.refresh(pair.refreshToken), "ERR_INTEGRITY");
      expect(err.message).toBe("a stored session has corrupt claims");
    }
  });
});

describe("sessions: verify and the session id bound", () => {
  async function storeWithSession(sessionId: string, clockNow: number): Promise<RefreshSessionStore> {
    const store = createMemoryRefreshSessionStore();
    await store.createRefreshSession({
      sessionId,
      subject: "user_1",
      claimsJson: "{}",
      createdAt: clockNow,
      tokenHash: "a".repeat(64),
      expiresAt: clockNow + 86_400_000,
    });
    return store;
  }

  it("accepts an access token whose live session id is 128 characters", async () => {
    const { tokens, clock } = makeTokens();
    const sid = "s".repeat(128);
    const sessions = createSessions({ tokens, store: await storeWithSession(sid, clock.now()) });
    const token = await tokens.sign({ sub: "user_1", sid });
    expect((await sessions.verify(token)).ok).toBe(true);
  });

  it("refuses an access token whose session id is over 128 characters, even if a store holds it", async () => {
    const { tokens, clock } = makeTokens();
    const sid = "s".repeat(129);
    const sessions = createSessions({ tokens, store: await storeWithSession(sid, clock.now()) });
    const token = await tokens.sign({ sub: "user_1", sid });
    expect(await sessions.verify(token)).toEqual({ ok: false, reason: "revoked" });
  });
});
