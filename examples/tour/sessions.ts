import { createMemoryOneTimeTokenStore, createMemoryRefreshSessionStore } from "moatkit/adapters/memory";
import { loginLimiter } from "moatkit/ratelimit";
import { createKeySet, createOneTimeTokens, createSessions, createTokens, generateSigningKey } from "moatkit/sessions";
import { fakeClock } from "moatkit/testing";
import type { TourSection } from "./section.js";

const section: TourSection = {
  title: "Sessions: key rotation, refresh-token reuse detection, reset tokens, login limits",
  async run(say) {
    const clock = fakeClock();
    const issuer = "https://auth.example.com";

    // 1. Sign with one key, then rotate: the old key keeps verifying for one access-token lifetime.
    const january = await generateSigningKey("EdDSA", { kid: "2026-01" });
    const before = createTokens({ keys: createKeySet([january]), issuer, audience: "api", now: clock.now });
    const oldToken = await before.sign({ sub: "user_42" });
    const february = await generateSigningKey("EdDSA", { kid: "2026-02" });
    const keys = createKeySet([february, { ...january, use: "verify", verifyUntil: clock.now() + 15 * 60_000 }], {
      now: clock.now,
    });
    const tokens = createTokens({ keys, issuer, audience: "api", now: clock.now });
    const newToken = await tokens.sign({ sub: "user_42" });
    say(
      `new tokens carry kid ${keys.signingKey.kid}; JWKS publishes ${keys
        .exportJwks()
        .keys.map((k) => k.kid)
        .join(" + ")}`,
    );
    const verifiedNew = await tokens.verify(newToken);
    say(`new token verifies with kid ${verifiedNew.ok ? verifiedNew.kid : verifiedNew.reason}`);
    say(`old token during the rotation window: ok=${String((await tokens.verify(oldToken)).ok)}`);
    clock.advance(15 * 60_000);
    say(`old token after verifyUntil: ${JSON.stringify(await tokens.verify(oldToken))}`);

    // 2. Refresh sessions: rotation on every refresh, overlap for concurrent tabs, reuse revokes.
    const sessions = createSessions({
      tokens,
      store: createMemoryRefreshSessionStore(),
      onReuse: ({ subject }) => {
        say(`⚠ reuse detected for ${subject}: session revoked`);
      },
    });
    const first = await sessions.start("user_42", { org: "org_7" });
    say(`session ${first.sessionId.slice(0, 8)}… started; refresh token prints as ${String(first.refreshToken)}`);
    const [tabA, tabB] = await Promise.all([
      sessions.refresh(first.refreshToken),
      sessions.refresh(first.refreshToken),
    ]);
    const same = tabA.ok && tabB.ok && tabA.refreshToken.reveal() === tabB.refreshToken.reveal();
    say(`two tabs refresh at once: both ok, same successor → ${String(same)}`);
    clock.advance(10_000);
    say(`a stolen, already-used refresh token later: ${JSON.stringify(await sessions.refresh(first.refreshToken))}`);
    if (tabA.ok) {
      say(`the newest refresh token now: ${JSON.stringify(await sessions.refresh(tabA.refreshToken))}`);
      say(`the newest access token now: ${JSON.stringify(await sessions.verify(tabA.accessToken))}`);
    }

    // 3. A password-reset token: 256 bits, stored hashed, 2 hours, exactly once.
    const resets = createOneTimeTokens({
      store: createMemoryOneTimeTokenStore(),
      purpose: "password-reset",
      now: clock.now,
    });
    const { token } = await resets.issue("user_42");
    say(`reset link token: ${String(token.reveal().length)} base64url characters`);
    say(
      `first use: ${JSON.stringify(await resets.consume(token))}; second use: ${JSON.stringify(await resets.consume(token))}`,
    );

    // 4. Login attempts: 50 per IP per 15 minutes; the 51st is rate_limited (429), not invalid (401).
    const limiter = loginLimiter({ now: clock.now });
    let last = await limiter.consume("203.0.113.7");
    for (let i = 1; i < 51; i++) last = await limiter.consume("203.0.113.7");
    say(`51st login attempt: ${JSON.stringify({ ok: last.ok, retryAfterMs: last.retryAfterMs })}`);
  },
};
export default section;
