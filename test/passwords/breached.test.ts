import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBreachedPasswordCheck, type BreachFetch } from "../../src/passwords/index.js";
import { MoatError } from "../../src/errors.js";
import { type RangeServer, sha1Hex, startRangeServer } from "./range-server.js";

let server: RangeServer;
beforeAll(async () => {
  server = await startRangeServer({ "P@ssw0rd": 52_000, "correct horse battery staple": 371, "ümlaut-Paß": 3 });
});
afterAll(async () => {
  await server.close();
});

function check(extra: Partial<Parameters<typeof createBreachedPasswordCheck>[0]> = {}) {
  return createBreachedPasswordCheck({ onUnavailable: "allow", endpoint: server.url, timeoutMs: 500, ...extra });
}

describe("createBreachedPasswordCheck against a local range server", () => {
  it("finds breached passwords with their counts and clears unknown ones", async () => {
    server.mode = "normal";
    const c = check();
    expect(await c.check("P@ssw0rd")).toEqual({ ok: true, breached: true, count: 52_000 });
    expect(await c.check("correct horse battery staple")).toEqual({ ok: true, breached: true, count: 371 });
    expect(await c.check("ümlaut-Paß")).toEqual({ ok: true, breached: true, count: 3 });
    expect(await c.check("a password nobody has used 7f3c")).toEqual({ ok: true, breached: false, count: 0 });
  });

  it("sends only the five-character SHA-1 prefix, asks for padding, and ignores padding lines", async () => {
    server.mode = "normal";
    const before = server.requests.length;
    const password = "correct horse battery staple";
    await check({ cacheSize: 0 }).check(password);
    const sent = server.requests.slice(before);
    expect(sent).toHaveLength(1);
    const request = sent[0]!;
    expect(request.url).toBe(`/range/${sha1Hex(password).slice(0, 5)}`);
    expect(request.headers["add-padding"]).toBe("true");
    const everything = JSON.stringify(request);
    expect(everything).not.toContain(sha1Hex(password).slice(5, 12));
    expect(everything.toLowerCase()).not.toContain("horse");
    // Padding lines have count 0: a password whose suffix is a padding line is not breached.
    const noPad = await check({ cacheSize: 0, padding: false }).check("a password nobody has used 7f3c");
    expect(noPad).toEqual({ ok: true, breached: false, count: 0 });
    expect(server.requests.at(-1)?.headers["add-padding"]).toBeUndefined();
  });

  it("makes one request for concurrent lookups of one prefix, and caches the answer", async () => {
    server.mode = "normal";
    const c = check();
    const before = server.requests.length;
    const answers = await Promise.all(Array.from({ length: 20 }, () => c.check("P@ssw0rd")));
    expect(answers.every((a) => a.ok && a.breached)).toBe(true);
    expect(server.requests.length - before).toBe(1);
    await c.check("P@ssw0rd");
    expect(server.requests.length - before).toBe(1);
  });

  it("expires cached answers after cacheTtlMs", async () => {
    server.mode = "normal";
    let now = 1_000_000;
    const c = check({ cacheTtlMs: 1000, now: () => now });
    const before = server.requests.length;
    await c.check("P@ssw0rd");
    now += 999;
    await c.check("P@ssw0rd");
    expect(server.requests.length - before).toBe(1);
    now += 2;
    await c.check("P@ssw0rd");
    expect(server.requests.length - before).toBe(2);
  });

  it.each([
    ["stall", "timeout"],
    ["error", "unavailable"],
    ["garbage", "bad_response"],
    ["huge", "bad_response"],
  ] as const)("a %s server gives { ok: false, reason: %s } in both failure modes", async (mode, reason) => {
    server.mode = mode;
    try {
      expect(await check({ cacheSize: 0, timeoutMs: 100 }).check("P@ssw0rd")).toEqual({
        ok: false,
        reason,
        allow: true,
      });
      expect(await check({ cacheSize: 0, timeoutMs: 100, onUnavailable: "refuse" }).check("P@ssw0rd")).toEqual({
        ok: false,
        reason,
        allow: false,
      });
    } finally {
      server.mode = "normal";
    }
  });

  it("does not cache failures", async () => {
    server.mode = "error";
    const c = check();
    expect((await c.check("P@ssw0rd")).ok).toBe(false);
    server.mode = "normal";
    expect(await c.check("P@ssw0rd")).toEqual({ ok: true, breached: true, count: 52_000 });
  });

  it("a closed port is unavailable, and a fetch that ignores its signal still times out", async () => {
    const closed = createBreachedPasswordCheck({ onUnavailable: "refuse", endpoint: "http://127.0.0.1:9/range/" });
    expect(await closed.check("P@ssw0rd")).toEqual({ ok: false, reason: "unavailable", allow: false });
    const deaf: BreachFetch = () => new Promise(() => undefined);
    const c = createBreachedPasswordCheck({ onUnavailable: "allow", fetch: deaf, timeoutMs: 50 });
    expect(await c.check("P@ssw0rd")).toEqual({ ok: false, reason: "timeout", allow: true });
  });

  it("a caller's signal aborts with ERR_ABORTED, without cancelling the shared request", async () => {
    server.mode = "normal";
    const c = check({ cacheSize: 0 });
    const controller = new AbortController();
    const first = c.check("correct horse battery staple", { signal: controller.signal });
    const second = c.check("correct horse battery staple");
    controller.abort();
    await expect(first).rejects.toMatchObject({ code: "ERR_ABORTED" });
    expect(await second).toEqual({ ok: true, breached: true, count: 371 });
    await expect(c.check("P@ssw0rd", { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: "ERR_ABORTED" });
  });

  it.each([[undefined], [null], [42], [""], ["x".repeat(4097)], [{ toString: () => "pw" }]])(
    "refuses a password of %j with ERR_INVALID_INPUT",
    async (value) => {
      await expect(check().check(value as string)).rejects.toSatisfy(
        (e: unknown) => e instanceof MoatError && e.code === "ERR_INVALID_INPUT",
      );
    },
  );

  it("validates its options: onUnavailable is required, http only on loopback", () => {
    const bad = [
      {},
      { onUnavailable: "maybe" },
      { onUnavailable: "allow", endpoint: "http://example.com/range/" },
      { onUnavailable: "allow", endpoint: "ftp://127.0.0.1/" },
      { onUnavailable: "allow", timeoutMs: 0 },
      { onUnavailable: "allow", cacheSize: -1 },
      { onUnavailable: "allow", fetch: "fetch" },
      { onUnavailable: "allow", timeOut: 10 },
    ];
    for (const options of bad) {
      expect(() => createBreachedPasswordCheck(options as never), JSON.stringify(options)).toThrow(
        expect.objectContaining({ code: "ERR_CONFIG" }),
      );
    }
    expect(() =>
      createBreachedPasswordCheck({ onUnavailable: "allow", endpoint: "https://hibp.internal/range/" }),
    ).not.toThrow();
  });

  it("any answer body or status is a result, never an exception", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 400 }),
        fc.constantFrom(200, 200, 404, 429, 500),
        async (body, status) => {
          const c = createBreachedPasswordCheck({
            onUnavailable: "refuse",
            cacheSize: 0,
            fetch: () => Promise.resolve({ status, text: () => Promise.resolve(body) }),
          });
          const r = await c.check("P@ssw0rd");
          expect(r.ok ? typeof r.breached : r.reason).toMatch(/^(boolean|unavailable|bad_response)$/);
        },
      ),
    );
  });
});
