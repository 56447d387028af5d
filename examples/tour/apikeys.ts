import { createMemoryApiKeyStore } from "moatkit/adapters/memory";
import { apiKeyPattern, createApiKeys, parseApiKey } from "moatkit/apikeys";
import { fakeClock } from "moatkit/testing";
import type { TourSection } from "./section.js";

const section: TourSection = {
  title: "API keys: issue, list, verify, rotate, revoke",
  async run(say) {
    const clock = fakeClock();
    const store = createMemoryApiKeyStore();
    const apiKeys = createApiKeys({ prefix: "acme", store, now: clock.now });

    // Issue: the plaintext comes back once, as a Secret; the store keeps its SHA-256 and a preview.
    const { key, record } = await apiKeys.issue({
      ownerId: "user_1",
      env: "live",
      name: "CI deploys",
      scopes: ["deploy"],
    });
    say(
      `issued ${record.id}: the caller sees the key once (${String(key.reveal().length)} characters); logged, it prints ${String(key)}`,
    );
    const stored = await store.getApiKey(record.id);
    say(
      `stored: preview ${record.preview}, sha256 ${stored?.hash.slice(0, 16) ?? "?"}…, scopes ${record.scopes.join(",")} (hash in the issued record: ${String("hash" in record)})`,
    );

    // List: previews and metadata, never hashes.
    const listed = await apiKeys.list("user_1");
    say(
      `list(user_1) → ${listed.map((k) => `${k.preview} "${k.name ?? ""}"`).join(", ")} (hash in listing: ${String(listed.some((k) => "hash" in k))})`,
    );

    // Verify: typos and made-up keys are rejected by the checksum before any hash or lookup.
    const plaintext = key.reveal();
    const typo = plaintext.slice(0, 20) + (plaintext[20] === "x" ? "y" : "x") + plaintext.slice(21);
    for (const [label, candidate, scopes] of [
      ["the key", plaintext, ["deploy"]],
      ["the key, for an admin route", plaintext, ["admin"]],
      ["a one-character typo", typo, []],
      ["garbage", "acme_live_not-a-key", []],
    ] as const) {
      const result = await apiKeys.verify(candidate, { scopes });
      say(`verify(${label}) → ${result.ok ? `ok, owner ${result.record.ownerId}` : result.reason}`);
    }

    // Secret scanners find leaked keys with the pattern and confirm them offline by checksum.
    const leaked = `config.yml: token: ${plaintext}\nnotes: acme_live_${"x".repeat(38)}`;
    const found = [...leaked.matchAll(apiKeyPattern("acme"))].map((m) => m[0]);
    say(
      `a scanner matches ${String(found.length)} candidates; checksum-valid: ${String(found.filter((m) => parseApiKey(m)?.checksumValid).length)}`,
    );

    // Rotate: a new key; the old one keeps working for the grace period, then is expired.
    const rotated = await apiKeys.rotate(record.id, { graceMs: 10 * 60_000 });
    if (!rotated.ok) throw new Error(`rotation refused: ${rotated.reason}`);
    say(
      `rotated to ${rotated.record.preview}; old key during the 10-minute grace → ${(await apiKeys.verify(plaintext)).ok ? "ok" : "refused"}`,
    );
    clock.advance(10 * 60_000);
    const after = await apiKeys.verify(plaintext);
    const again = await apiKeys.rotate(record.id);
    say(
      `old key after the grace period → ${after.ok ? "ok" : after.reason}; rotating it again → ${again.ok ? "ok" : again.reason}`,
    );

    // Revoke: at once.
    await apiKeys.revoke(rotated.record.id);
    const revoked = await apiKeys.verify(rotated.key.reveal());
    say(`new key after revoke → ${revoked.ok ? "ok" : revoked.reason}`);
  },
};
export default section;
