/**
 * The access-token verifier's revalidate cache and its refusals, at the places a mutation run
 * (docs/quality.md) showed no test held: tokens without a `jti` are never cached, an answer that
 * raced a `forget` or an outage of the invalidation channel is not stored, a channel's "drop
 * everything" empties the cache, a validly signed token over the length bound is refused, and
 * what each claim or input error says.
 */
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { createMemoryInvalidationChannel } from "../../src/adapters/memory/index.js";
import type { InvalidationChannel } from "../../src/_internal/invalidation-channel.js";
import { createOneTimeTokens } from "../../src/sessions/index.js";
import { createMemoryOneTimeTokenStore } from "../../src/adapters/memory/index.js";
import { AUDIENCE, ISSUER, hsSecret, makeTokens } from "./helpers.js";

/** A memory channel that can be taken down, and can announce "drop everything" (null). */
function controllableChannel(): InvalidationChannel & { live: boolean; dropAll(): void } {
  const inner = createMemoryInvalidationChannel();
  const listeners: ((key: string | null) => void)[] = [];
  const channel = {
    live: true,
    publish: (topic: string, key: string) => inner.publish(topic, key),
    subscribe: (topic: string, listener: (key: string | null) => void) => {
      listeners.push(listener);
      return inner.subscribe(topic, listener);
    },
    isLive: () => channel.live,
    dropAll: () => {
      for (const l of listeners) l(null);
    },
  };
  return channel;
}

function counting(answer: () => boolean | Promise<boolean> = () => true) {
  const state = { checks: 0 };
  return {
    state,
    revalidate: async () => {
      state.checks += 1;
      return answer();
    },
  };
}

/** A token signed with the test key set's HS256 secret, but not by moatkit (no jti unless given). */
async function foreignToken(claims: Record<string, unknown>, now: number): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", kid: "hs-1", typ: "JWT" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(Math.floor(now / 1000) + 600)
    .sign(hsSecret());
}

describe("the revalidate cache", () => {
  it("never caches a token without a jti: two such tokens of one subject are revalidated each time", async () => {
    const { state, revalidate } = counting();
    const { tokens, clock } = makeTokens({ revalidate, revalidateCache: "5m" });
    const jwt = await foreignToken({ sub: "user_1" }, clock.now());
    expect((await tokens.verify(jwt)).ok).toBe(true);
    expect((await tokens.verify(jwt)).ok).toBe(true);
    expect(state.checks).toBe(2);
  });

  it("does not store an answer that was in flight while a forget ran", async () => {
    let release: () => void = () => undefined;
    let entered: () => void = () => undefined;
    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let first = true;
    const { state, revalidate } = counting(async () => {
      if (first) {
        first = false;
        entered();
        await gate;
      }
      return true;
    });
    const { tokens } = makeTokens({ revalidate, revalidateCache: "5m" });
    const jwt = await tokens.sign({ sub: "user_1", sid: "sess_1" });
    const pending = tokens.verify(jwt);
    await inside;
    await tokens.forget({ subject: "user_1" });
    release();
    expect((await pending).ok).toBe(true);
    await tokens.verify(jwt);
    expect(state.checks).toBe(2);
  });

  it("does not store an answer when the channel went down while it was computed", async () => {
    const channel = controllableChannel();
    const { state, revalidate } = counting(() => {
      channel.live = false;
      return true;
    });
    const { tokens } = makeTokens({ revalidate, revalidateCache: "5m", invalidation: channel });
    const jwt = await tokens.sign({ sub: "user_1" });
    await tokens.verify(jwt);
    channel.live = true;
    await tokens.verify(jwt);
    expect(state.checks).toBe(2);
  });

  it("empties the cache when the channel says to drop everything", async () => {
    const channel = controllableChannel();
    const { state, revalidate } = counting();
    const { tokens } = makeTokens({ revalidate, revalidateCache: "5m", invalidation: channel });
    const jwt = await tokens.sign({ sub: "user_1" });
    await tokens.verify(jwt);
    await tokens.verify(jwt);
    expect(state.checks).toBe(1);
    channel.dropAll();
    await tokens.verify(jwt);
    expect(state.checks).toBe(2);
  });
});

describe("verify and sign refusals", () => {
  it("refuses a validly signed token longer than 16 KB as malformed", async () => {
    const { tokens, clock } = makeTokens();
    const jwt = await foreignToken({ sub: "user_1", pad: "x".repeat(13_000) }, clock.now());
    expect(jwt.length).toBeGreaterThan(16_384);
    expect(await tokens.verify(jwt)).toEqual({ ok: false, reason: "malformed" });
  });

  it("signs claims without a prototype, and refuses a non-string sid and a sub that is no identifier", async () => {
    const { tokens } = makeTokens();
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { role: "admin" });
    const verified = await tokens.verify(await tokens.sign(bare));
    expect(verified.ok && verified.claims.role).toBe("admin");
    await expect(tokens.sign({ sid: 42 })).rejects.toMatchObject({
      code: "ERR_INVALID_INPUT",
      message: 'claim "sid" must be a non-empty string',
    });
    await expect(tokens.sign({ sub: "user\u0007" })).rejects.toMatchObject({
      code: "ERR_INVALID_INPUT",
      message: 'claim "sub" must not contain control characters',
    });
  });

  it("says what is wrong with claims, a token, a forget target or the options", async () => {
    const { tokens } = makeTokens();
    const cases: [Promise<unknown>, string][] = [
      [tokens.sign([] as never), "claims must be a plain object"],
      [tokens.sign({ exp: 1 }), 'claim "exp" is set by moatkit and cannot be given'],
      [tokens.sign({ sub: 7 }), 'claim "sub" must be a non-empty string'],
      [tokens.sign({ big: "x".repeat(9000) }), "claims must serialise to at most 8 KB of JSON"],
      [tokens.verify(42 as unknown as string), "a token must be a string"],
      [tokens.forget({}), "tokens.forget needs { subject } or { sessionId }"],
    ];
    for (const [promise, message] of cases) {
      const err = await promise.catch((e: unknown) => e);
      expect(err, message).toMatchObject({
        code: "ERR_INVALID_INPUT",
        message: expect.stringContaining(message) as unknown,
      });
    }
    expect(() => makeTokens({ accessTtl: 500 })).toThrow("accessTtl must be at least one second");
    expect(() => makeTokens({ issuer: "" })).toThrow("createTokens options");
  });

  it("one-time tokens say which input or option is wrong", async () => {
    const resets = createOneTimeTokens({ store: createMemoryOneTimeTokenStore(), purpose: "reset" });
    await expect(resets.consume(42 as never)).rejects.toThrow("one-time token must be a string");
    await expect(resets.issue("")).rejects.toThrow("subject must not be empty");
    expect(() => createOneTimeTokens({ store: createMemoryOneTimeTokenStore(), purpose: "" })).toThrow(
      "createOneTimeTokens options",
    );
  });
});
