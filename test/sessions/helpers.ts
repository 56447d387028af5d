/** Shared fixtures for the sessions tests. */
import { generateKeyPairSync } from "node:crypto";
import { createKeySet, createTokens, type KeySet, type Tokens, type TokensOptions } from "../../src/sessions/index.js";
import { fakeClock, type FakeClock } from "../../src/testing/index.js";

export const ISSUER = "https://auth.example.test";
export const AUDIENCE = "api.example.test";

export const hsSecret = (fill = 7): Uint8Array => new Uint8Array(32).fill(fill);

export function rsaPair(bits = 2048) {
  return generateKeyPairSync("rsa", { modulusLength: bits });
}

export function hsKeySet(kid = "hs-1", clock?: FakeClock): KeySet {
  return createKeySet(
    [{ kid, alg: "HS256", use: "sign", key: hsSecret() }],
    clock === undefined ? {} : { now: clock.now },
  );
}

export function makeTokens(overrides: Partial<TokensOptions> & { keys?: KeySet } = {}): {
  tokens: Tokens;
  clock: FakeClock;
  keys: KeySet;
} {
  const clock = fakeClock();
  const keys = overrides.keys ?? hsKeySet("hs-1", clock);
  const tokens = createTokens({ keys, issuer: ISSUER, audience: AUDIENCE, now: clock.now, ...overrides });
  return { tokens, clock, keys };
}

/** base64url of a UTF-8 string or of bytes. */
export function b64u(value: string | Uint8Array): string {
  return Buffer.from(value).toString("base64url");
}

/** Decodes a JWT segment as JSON. */
export function segmentJson(token: string, index: 0 | 1): Record<string, unknown> {
  const part = token.split(".")[index] ?? "";
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
}
