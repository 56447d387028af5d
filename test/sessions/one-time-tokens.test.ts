import { describe, expect, it, vi } from "vitest";
import { createMemoryOneTimeTokenStore } from "../../src/adapters/memory/index.js";
import { sha256Hex } from "../../src/_internal/hash.js";
import { Secret } from "../../src/_internal/secret.js";
import { createOneTimeTokens, type OneTimeTokensOptions, type OneTimeTokenStore } from "../../src/sessions/index.js";
import { fakeClock, raceExactlyOne } from "../../src/testing/index.js";
import { expectMoatError, expectMoatErrorAsync, WRONG_TYPES } from "../helpers/assertions.js";
import { describeEachBackend } from "./backends.js";

function setup(
  overrides: Partial<OneTimeTokensOptions> = {},
  store: OneTimeTokenStore = createMemoryOneTimeTokenStore(),
) {
  const clock = fakeClock();
  return {
    resets: createOneTimeTokens({ store, purpose: "password-reset", now: clock.now, ...overrides }),
    clock,
    store,
  };
}

describe("one-time tokens", () => {
  it("issues 256-bit base64url tokens wrapped in a Secret, expiring after 2 hours by default", async () => {
    const { resets, clock } = setup();
    const { token, expiresAt } = await resets.issue("user_1");
    expect(token).toBeInstanceOf(Secret);
    expect(JSON.stringify({ token })).toBe('{"token":"[secret]"}');
    expect(token.reveal()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token.reveal(), "base64url")).toHaveLength(32);
    expect(expiresAt).toBe(clock.now() + 2 * 3_600_000);
  });

  it("works exactly once", async () => {
    const { resets } = setup();
    const { token } = await resets.issue("user_1");
    expect(await resets.consume(token)).toEqual({ ok: true, subject: "user_1" });
    expect(await resets.consume(token.reveal())).toEqual({ ok: false, reason: "used" });
  });

  it("works until one millisecond before the TTL and is expired from then on", async () => {
    const { resets, clock } = setup();
    const a = await resets.issue("user_1");
    const b = await resets.issue("user_1");
    clock.advance(2 * 3_600_000 - 1);
    expect((await resets.consume(a.token)).ok).toBe(true);
    clock.advance(1);
    expect(await resets.consume(b.token)).toEqual({ ok: false, reason: "expired" });
  });

  it("is bound to its purpose: another purpose's consumer cannot use (or burn) it", async () => {
    const store = createMemoryOneTimeTokenStore();
    const { resets } = setup({}, store);
    const { consume: verifyEmail } = createOneTimeTokens({ store, purpose: "email-verify" });
    const { token } = await resets.issue("user_1");
    expect(await verifyEmail(token)).toEqual({ ok: false, reason: "invalid" });
    expect(await resets.consume(token)).toEqual({ ok: true, subject: "user_1" });
  });

  it("stores only the SHA-256 of the token", async () => {
    const inner = createMemoryOneTimeTokenStore();
    const save = vi.fn(inner.createOneTimeToken);
    const { resets } = setup({}, { ...inner, createOneTimeToken: save });
    const { token } = await resets.issue("user_1");
    const saved = JSON.stringify(save.mock.calls);
    expect(saved).not.toContain(token.reveal());
    expect(saved).toContain(sha256Hex(token.reveal()));
  });

  it("revokeAll invalidates a subject's outstanding tokens of this purpose", async () => {
    const { resets } = setup();
    const a = await resets.issue("user_1");
    const b = await resets.issue("user_1");
    const other = await resets.issue("user_2");
    expect(await resets.revokeAll("user_1")).toBe(2);
    expect(await resets.consume(a.token)).toEqual({ ok: false, reason: "invalid" });
    expect(await resets.consume(b.token)).toEqual({ ok: false, reason: "invalid" });
    expect((await resets.consume(other.token)).ok).toBe(true);
  });

  it("deleteExpired clears expired tokens", async () => {
    const { resets, clock } = setup({ ttl: "1h" });
    await resets.issue("user_1");
    clock.advance(3_600_000);
    expect(await resets.deleteExpired()).toBe(1);
  });

  it("answers invalid for malformed and unknown tokens, and throws for the wrong type", async () => {
    const { resets } = setup();
    for (const bad of [
      "",
      "abc",
      "A".repeat(42),
      "A".repeat(44),
      "=".repeat(43),
      "A".repeat(100_000),
      "A".repeat(43),
    ]) {
      expect(await resets.consume(bad)).toEqual({ ok: false, reason: "invalid" });
    }
    for (const value of WRONG_TYPES) await expectMoatErrorAsync(resets.consume(value as string), "ERR_INVALID_INPUT");
    for (const subject of [...WRONG_TYPES, "", "x".repeat(257)])
      await expectMoatErrorAsync(resets.issue(subject as string), "ERR_INVALID_INPUT");
  });

  it("fails closed with ERR_STORE when the store fails", async () => {
    const { resets } = setup(
      {},
      { ...createMemoryOneTimeTokenStore(), consumeOneTimeToken: () => Promise.reject(new Error("down")) },
    );
    await expectMoatErrorAsync(resets.consume("A".repeat(43)), "ERR_STORE");
  });

  it("rejects invalid options with ERR_CONFIG", () => {
    const store = createMemoryOneTimeTokenStore();
    for (const bad of [
      { store, purpose: "" },
      { store, purpose: "has space" },
      { store, purpose: "a:b" },
      { store: {}, purpose: "x" },
      { store, purpose: "x", ttl: "never" },
      { store: { ...store, deleteExpiredOneTimeTokens: undefined }, purpose: "x" },
    ]) {
      expectMoatError(() => createOneTimeTokens(bad as unknown as OneTimeTokensOptions), "ERR_CONFIG");
    }
  });
});

describeEachBackend("one-time tokens: 50 concurrent consumers", (stores) => {
  it("exactly one of 50 concurrent consumes of a reset token succeeds; the rest see it used", async () => {
    const { resets } = setup({}, stores.oneTimeTokens());
    const { token } = await resets.issue("user_race");
    const { winner, results } = await raceExactlyOne(50, () => resets.consume(token));
    expect(results[winner]).toEqual({ ok: true, subject: "user_race" });
    for (const [i, r] of results.entries()) if (i !== winner) expect(r).toEqual({ ok: false, reason: "used" });
  }, 30_000);
});
