/**
 * verify's order of checks: type and length, then format, then checksum, and only then one hash
 * and one store lookup. A spy store counts store calls, and the hash module is wrapped (the real
 * functions, counted) to prove nothing is hashed for input rejected offline.
 */
import { beforeEach, describe, expect, it, vi } from "vitest";
import { createMemoryApiKeyStore } from "../../src/adapters/memory/index.js";
import { type ApiKeyStore, createApiKeys } from "../../src/apikeys/index.js";
import { formatApiKey } from "../../src/apikeys/format.js";
import * as hash from "../../src/_internal/hash.js";
import { WRONG_TYPES } from "../helpers/assertions.js";

vi.mock("../../src/_internal/hash.js", async (importOriginal) => {
  const real = await importOriginal<typeof hash>();
  return { ...real, sha256Hex: vi.fn(real.sha256Hex), hmacSha256Hex: vi.fn(real.hmacSha256Hex) };
});

const PEPPER = "pepper-of-at-least-thirty-two-bytes!";

function spyStore() {
  const inner = createMemoryApiKeyStore();
  const calls: string[] = [];
  const store: ApiKeyStore = {
    createApiKey: (r) => (calls.push("createApiKey"), inner.createApiKey(r)),
    findApiKeyByHash: (h) => (calls.push("findApiKeyByHash"), inner.findApiKeyByHash(h)),
    getApiKey: (id) => (calls.push("getApiKey"), inner.getApiKey(id)),
    listApiKeysByOwner: (o) => (calls.push("listApiKeysByOwner"), inner.listApiKeysByOwner(o)),
    revokeApiKey: (id, at) => (calls.push("revokeApiKey"), inner.revokeApiKey(id, at)),
    rotateApiKey: (id, s, g, at) => (calls.push("rotateApiKey"), inner.rotateApiKey(id, s, g, at)),
    touchApiKey: (id, at, i) => (calls.push("touchApiKey"), inner.touchApiKey(id, at, i)),
  };
  return { store, calls };
}

function hashCalls(): number {
  return vi.mocked(hash.sha256Hex).mock.calls.length + vi.mocked(hash.hmacSha256Hex).mock.calls.length;
}

async function issuedKey() {
  const { store, calls } = spyStore();
  const apiKeys = createApiKeys({ prefix: "acme", store });
  const { key } = await apiKeys.issue({ ownerId: "u1", env: "live" });
  calls.length = 0;
  vi.mocked(hash.sha256Hex).mockClear();
  vi.mocked(hash.hmacSha256Hex).mockClear();
  return { apiKeys, calls, key: key.reveal() };
}

/** The same key with its last checksum character changed: well-formed, wrong checksum. */
function withBadChecksum(key: string): string {
  return key.slice(0, -1) + (key.endsWith("0") ? "1" : "0");
}

describe("verify's order of checks", () => {
  beforeEach(() => {
    vi.mocked(hash.sha256Hex).mockClear();
    vi.mocked(hash.hmacSha256Hex).mockClear();
  });

  it("rejects malformed input with no hash and no store call", async () => {
    const { apiKeys, calls, key } = await issuedKey();
    const body = key.slice("acme_live_".length);
    const malformed: unknown[] = [
      ...WRONG_TYPES,
      "",
      key.toUpperCase(),
      `beta_live_${body}`,
      `acme_prod_${body}`,
      `acme_live_${body.slice(0, 37)}`,
      `acme_live_${body.slice(0, -1)}!`,
      `${key} `,
      `Bearer ${key}`,
      [key],
      new String(key),
    ];
    for (const input of malformed) expect(await apiKeys.verify(input)).toEqual({ ok: false, reason: "malformed" });
    expect(calls).toEqual([]);
    expect(hashCalls()).toBe(0);
  });

  it("rejects over-long input (> 256 characters) before parsing or hashing, even with a valid checksum", async () => {
    const { apiKeys, calls } = await issuedKey();
    const overLong = formatApiKey("acme", "live", "x".repeat(241));
    expect(overLong).toHaveLength(257);
    const huge = `acme_live_${"x".repeat(20_000_000)}`;
    for (const input of [overLong, huge])
      expect(await apiKeys.verify(input)).toEqual({ ok: false, reason: "malformed" });
    expect(calls).toEqual([]);
    expect(hashCalls()).toBe(0);
  });

  it("rejects a bad checksum with no hash and no store call", async () => {
    const { apiKeys, calls, key } = await issuedKey();
    expect(await apiKeys.verify(withBadChecksum(key))).toEqual({ ok: false, reason: "checksum" });
    const swapped = key.slice(0, 10) + key.charAt(11) + key.charAt(10) + key.slice(12);
    if (swapped !== key) expect(await apiKeys.verify(swapped)).toEqual({ ok: false, reason: "checksum" });
    expect(calls).toEqual([]);
    expect(hashCalls()).toBe(0);
  });

  it("makes exactly one hash and one lookup for a valid key (plus the throttled lastUsedAt write)", async () => {
    const { apiKeys, calls, key } = await issuedKey();
    expect((await apiKeys.verify(key)).ok).toBe(true);
    expect(calls).toEqual(["findApiKeyByHash", "touchApiKey"]);
    expect(hashCalls()).toBe(1);
    calls.length = 0;
    expect((await apiKeys.verify(key)).ok).toBe(true);
    expect(calls).toEqual(["findApiKeyByHash"]);
    expect(hashCalls()).toBe(2);
  });

  it("makes exactly one lookup for a well-formed key that is not in the store", async () => {
    const { apiKeys, calls } = await issuedKey();
    const stranger = formatApiKey("acme", "live", "Z".repeat(32));
    expect(await apiKeys.verify(stranger)).toEqual({ ok: false, reason: "not_found" });
    expect(calls).toEqual(["findApiKeyByHash"]);
    expect(hashCalls()).toBe(1);
  });

  it("uses HMAC-SHA-256, not SHA-256, when peppered", async () => {
    const { store } = spyStore();
    const apiKeys = createApiKeys({ prefix: "acme", store, pepper: PEPPER });
    const { key } = await apiKeys.issue({ ownerId: "u1", env: "live" });
    vi.mocked(hash.sha256Hex).mockClear();
    vi.mocked(hash.hmacSha256Hex).mockClear();
    expect((await apiKeys.verify(key.reveal())).ok).toBe(true);
    expect(vi.mocked(hash.hmacSha256Hex).mock.calls).toHaveLength(1);
    expect(vi.mocked(hash.sha256Hex).mock.calls).toHaveLength(0);
  });
});
