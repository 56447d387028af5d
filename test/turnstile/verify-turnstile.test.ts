import { randomUUID } from "node:crypto";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Secret } from "../../src/_internal/secret.js";
import {
  TURNSTILE_VERIFY_URL,
  verifyTurnstile,
  type TurnstileFetch,
  type TurnstileOptions,
} from "../../src/turnstile/index.js";
import { expectMoatErrorAsync, WRONG_TYPES } from "../helpers/assertions.js";
import { ACTION, HOSTNAME, SECRET, startSiteverifyServer, type SiteverifyServer } from "./siteverify-server.js";

let server: SiteverifyServer;
beforeAll(async () => {
  server = await startSiteverifyServer();
});
afterAll(async () => server.close());

const options = (extra: Partial<TurnstileOptions> = {}): TurnstileOptions => ({
  secret: SECRET,
  endpoint: server.url,
  ...extra,
});
let counter = 0;
const fresh = (): string => `valid-${String(++counter)}-${"x".repeat(100)}`;

describe("verifyTurnstile against a local siteverify", () => {
  it("accepts a solved challenge and returns what Cloudflare said about it", async () => {
    const result = await verifyTurnstile(fresh(), options({ expectedHostname: HOSTNAME, expectedAction: ACTION }));
    expect(result).toEqual({
      ok: true,
      hostname: HOSTNAME,
      action: ACTION,
      challengeTs: "2026-01-01T00:00:00.000Z",
      cdata: "session-42",
    });
  });

  it("posts the secret, token, remote IP and idempotency key form-encoded", async () => {
    const token = fresh();
    const key = randomUUID();
    await verifyTurnstile(token, options({ remoteIp: "203.0.113.7", idempotencyKey: key }));
    expect(server.requests.at(-1)).toEqual({
      method: "POST",
      contentType: "application/x-www-form-urlencoded",
      params: { secret: SECRET, response: token, remoteip: "203.0.113.7", idempotency_key: key },
    });
  });

  it("refuses a replayed token as expired (timeout-or-duplicate), unless retried with the same idempotency key", async () => {
    const token = fresh();
    const key = randomUUID();
    expect((await verifyTurnstile(token, options({ idempotencyKey: key }))).ok).toBe(true);
    expect((await verifyTurnstile(token, options({ idempotencyKey: key }))).ok).toBe(true);
    expect(await verifyTurnstile(token, options())).toEqual({
      ok: false,
      reason: "expired",
      errorCodes: ["timeout-or-duplicate"],
    });
    expect(await verifyTurnstile(token, options({ idempotencyKey: randomUUID() }))).toMatchObject({
      ok: false,
      reason: "expired",
    });
  });

  it.each([
    ["an invalid token", "forged", { ok: false, reason: "invalid", errorCodes: ["invalid-input-response"] }],
    ["Cloudflare's internal error", "internal", { ok: false, reason: "unavailable", errorCodes: ["internal-error"] }],
    ["a bad request", "bad-request", { ok: false, reason: "unavailable", errorCodes: ["bad-request"] }],
    ["a failure without codes", "no-codes", { ok: false, reason: "invalid", errorCodes: [] }],
    ["HTTP 500 (even with success in the body)", "http-500", { ok: false, reason: "unavailable" }],
    ["a body that is not JSON", "not-json", { ok: false, reason: "unavailable" }],
    ["JSON without a success field", "no-success-field", { ok: false, reason: "unavailable" }],
    ['success as the string "true"', "success-as-string", { ok: false, reason: "unavailable" }],
  ])("fails closed on %s", async (_name, token, expected) => {
    expect(await verifyTurnstile(token, options())).toEqual(expected);
  });

  it("checks the hostname and the action when asked to", async () => {
    expect(await verifyTurnstile("other-host", options({ expectedHostname: HOSTNAME }))).toEqual({
      ok: false,
      reason: "hostname_mismatch",
    });
    expect(await verifyTurnstile("other-action", options({ expectedAction: ACTION }))).toEqual({
      ok: false,
      reason: "action_mismatch",
    });
    expect(await verifyTurnstile("no-action", options({ expectedAction: ACTION }))).toEqual({
      ok: false,
      reason: "action_mismatch",
    });
    expect(
      (await verifyTurnstile(fresh(), options({ expectedHostname: ["other.example", HOSTNAME.toUpperCase()] }))).ok,
    ).toBe(true);
    expect((await verifyTurnstile("other-host", options())).ok).toBe(true);
  });

  it("gives up after timeoutMs on a server that hangs", async () => {
    const started = Date.now();
    expect(await verifyTurnstile("hang", options({ timeoutMs: 200 }))).toEqual({ ok: false, reason: "timeout" });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("answers missing without a request for an absent, empty or non-string token, and invalid for one over 2048 characters", async () => {
    const before = server.requests.length;
    for (const token of [...WRONG_TYPES, ""])
      expect(await verifyTurnstile(token, options())).toEqual({ ok: false, reason: "missing" });
    expect(await verifyTurnstile("x".repeat(2049), options())).toEqual({ ok: false, reason: "invalid" });
    expect(server.requests.length).toBe(before);
    expect(await verifyTurnstile(`valid-${"y".repeat(2042)}`, options())).toMatchObject({ ok: true });
  });

  it("throws ERR_CONFIG when Cloudflare rejects the secret, without revealing it", async () => {
    const err = await expectMoatErrorAsync(
      verifyTurnstile(fresh(), options({ secret: "0x-wrong-secret" })),
      "ERR_CONFIG",
    );
    expect(`${err.message} ${inspect(err)}`).not.toContain("0x-wrong-secret");
  });

  it("accepts the secret as a Secret", async () => {
    expect((await verifyTurnstile(fresh(), options({ secret: new Secret(SECRET) }))).ok).toBe(true);
  });

  it("never logs, and never puts the secret in a result or an error", async () => {
    const spies = (["log", "info", "warn", "error", "debug"] as const).map((m) => vi.spyOn(console, m));
    const outputs: unknown[] = [];
    for (const token of [fresh(), "forged", "http-500", "not-json", "other-host"])
      outputs.push(await verifyTurnstile(token, options({ expectedHostname: HOSTNAME })));
    outputs.push(await verifyTurnstile("hang", options({ timeoutMs: 50 })));
    outputs.push(await verifyTurnstile(fresh(), { secret: SECRET, endpoint: "http://127.0.0.1:1/unreachable" }));
    outputs.push(await expectMoatErrorAsync(verifyTurnstile(fresh(), options({ timeoutMs: -1 })), "ERR_CONFIG"));
    for (const spy of spies) {
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
    }
    for (const out of outputs) expect(`${JSON.stringify(out)} ${inspect(out, { depth: 5 })}`).not.toContain(SECRET);
  });
});

describe("verifyTurnstile with an injected fetch", () => {
  it("posts to Cloudflare's endpoint by default", async () => {
    const calls: string[] = [];
    const fake: TurnstileFetch = async (url) => {
      calls.push(url);
      return { status: 200, text: async () => JSON.stringify({ success: true }) };
    };
    expect(await verifyTurnstile("token", { secret: SECRET, fetch: fake })).toEqual({ ok: true });
    expect(calls).toEqual([TURNSTILE_VERIFY_URL]);
  });

  it("fails closed when fetch rejects, when reading the body fails, and when fetch ignores the abort signal", async () => {
    const rejecting: TurnstileFetch = () => Promise.reject(new TypeError("fetch failed"));
    expect(await verifyTurnstile("t", { secret: SECRET, fetch: rejecting })).toEqual({
      ok: false,
      reason: "unavailable",
    });
    const badBody: TurnstileFetch = async () => ({
      status: 200,
      text: () => Promise.reject(new Error("socket hang up")),
    });
    expect(await verifyTurnstile("t", { secret: SECRET, fetch: badBody })).toEqual({
      ok: false,
      reason: "unavailable",
    });
    const throwing: TurnstileFetch = () => {
      throw new Error("synchronous failure");
    };
    expect(await verifyTurnstile("t", { secret: SECRET, fetch: throwing })).toEqual({
      ok: false,
      reason: "unavailable",
    });
    const deaf: TurnstileFetch = () => new Promise(() => {});
    expect(await verifyTurnstile("t", { secret: SECRET, fetch: deaf, timeoutMs: 50 })).toEqual({
      ok: false,
      reason: "timeout",
    });
    const huge: TurnstileFetch = async () => ({
      status: 200,
      text: async () => `{"success":true,"pad":"${"x".repeat(70_000)}"}`,
    });
    expect(await verifyTurnstile("t", { secret: SECRET, fetch: huge })).toEqual({ ok: false, reason: "unavailable" });
  });
});

describe("verifyTurnstile options", () => {
  it("rejects invalid options with ERR_CONFIG", async () => {
    const bad: unknown[] = [
      {},
      { secret: "" },
      { secret: 42 },
      { secret: SECRET, timeoutMs: 0 },
      { secret: SECRET, timeoutMs: 1.5 },
      { secret: SECRET, idempotencyKey: "not-a-uuid" },
      { secret: SECRET, endpoint: "ftp://127.0.0.1/" },
      { secret: SECRET, endpoint: "not a url" },
      { secret: SECRET, expectedHostname: [] },
      { secret: SECRET, fetch: "fetch" },
      undefined,
    ];
    for (const o of bad) await expectMoatErrorAsync(verifyTurnstile("token", o as TurnstileOptions), "ERR_CONFIG");
  });
});
