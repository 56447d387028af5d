/**
 * createServerSessions (OWASP Session Management cheat sheet): opaque ids in signed cookies,
 * idle and absolute timeouts, a new id on login and privilege change, listing and revoking.
 * Every refusal case is the request an attacker would send.
 */
import { describe, expect, it } from "vitest";
import { createMemoryServerSessionStore } from "../../src/adapters/memory/index.js";
import { Secret } from "../../src/_internal/secret.js";
import { createServerSessions, type ServerSessionStore, type ServerSessionsOptions } from "../../src/sessions/index.js";
import { fakeClock, raceExactlyOne } from "../../src/testing/index.js";
import { expectMoatError } from "../helpers/assertions.js";

const KEY = new Uint8Array(32).fill(1);
const OLD_KEY = new Uint8Array(32).fill(2);
const MINUTE = 60_000;

/** The memory store, counting reads, so a test can see that a forged cookie never reached it. */
function countingStore(): { store: ServerSessionStore; reads: () => number } {
  const inner = createMemoryServerSessionStore();
  let reads = 0;
  return {
    store: {
      ...inner,
      getServerSession: (idHash) => {
        reads++;
        return inner.getServerSession(idHash);
      },
    },
    reads: () => reads,
  };
}

function setup(overrides: Partial<ServerSessionsOptions> = {}) {
  const clock = fakeClock(Date.UTC(2026, 5, 1, 9));
  const { store, reads } = countingStore();
  const sessions = createServerSessions({
    store,
    secrets: [KEY],
    idleTimeout: "30m",
    absoluteTimeout: "12h",
    now: clock.now,
    ...overrides,
  });
  return { clock, sessions, store, reads };
}

describe("createServerSessions", () => {
  it("starts a session in a signed opaque cookie and reads it back", async () => {
    const { sessions } = setup();
    const { cookie, session } = await sessions.start("user-1", {
      ip: "203.0.113.9",
      userAgent: "Firefox/140",
      data: { role: "member" },
    });
    expect(cookie).toBeInstanceOf(Secret);
    expect(String(cookie)).toBe("[secret]");
    expect(cookie.reveal()).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
    expect(session.handle).toMatch(/^[0-9a-f]{64}$/);
    expect(cookie.reveal()).not.toContain(session.handle);
    const read = await sessions.read(cookie.reveal());
    expect(read).toEqual({ ok: true, session });
    expect(session).toMatchObject({
      subject: "user-1",
      ip: "203.0.113.9",
      userAgent: "Firefox/140",
      data: { role: "member" },
    });
  });

  it("refuses a forged, altered or malformed cookie without asking the store", async () => {
    const { sessions, reads } = setup();
    const { cookie } = await sessions.start("user-1");
    const value = cookie.reveal();
    const [id = "", tag = ""] = value.split(".");
    const flip = (s: string): string => (s.startsWith("A") ? `B${s.slice(1)}` : `A${s.slice(1)}`);
    const attacks: unknown[] = [
      `${flip(id)}.${tag}`, // another id with the old signature
      `${id}.${flip(tag)}`, // a forged signature
      `${id}.${tag}x`,
      id,
      `${id}.${tag}.${tag}`,
      "",
      "x".repeat(100_000),
      42,
      null,
      undefined,
      { toString: () => value },
    ];
    for (const attack of attacks)
      expect(await sessions.read(attack), String(attack).slice(0, 40)).toEqual({ ok: false, reason: "invalid" });
    expect(reads()).toBe(0);
    // A cookie signed with another server's key is refused the same way.
    const other = createServerSessions({ store: createMemoryServerSessionStore(), secrets: [OLD_KEY] });
    expect(await sessions.read((await other.start("user-1")).cookie)).toEqual({ ok: false, reason: "invalid" });
    expect(reads()).toBe(0);
  });

  it("ends a session after the idle timeout, and after the absolute timeout however active", async () => {
    const { sessions, clock } = setup();
    const idle = await sessions.start("user-1");
    const busy = await sessions.start("user-1");
    clock.advance(29 * MINUTE);
    expect((await sessions.read(idle.cookie)).ok).toBe(true);
    clock.advance(30 * MINUTE);
    expect(await sessions.read(idle.cookie)).toEqual({ ok: false, reason: "expired" });
    expect(await sessions.read(idle.cookie)).toEqual({ ok: false, reason: "invalid" }); // deleted when found expired
    // Used every 20 minutes, it still ends at 12 hours (36 × 20 min).
    const fresh = await sessions.start("user-2");
    for (let t = 0; t < 35; t++) {
      clock.advance(20 * MINUTE);
      expect((await sessions.read(fresh.cookie)).ok).toBe(true);
    }
    clock.advance(20 * MINUTE);
    expect(await sessions.read(fresh.cookie)).toEqual({ ok: false, reason: "expired" });
    expect((await sessions.read(busy.cookie)).ok).toBe(false);
  });

  it("records a use at most once per touchInterval, and at once when the address or agent changes", async () => {
    const { sessions, clock } = setup({ touchInterval: "1m" });
    const { cookie, session } = await sessions.start("user-1", { ip: "198.51.100.1" });
    clock.advance(30_000);
    const soon = await sessions.read(cookie);
    expect(soon.ok && soon.session.lastSeenAt).toBe(session.lastSeenAt);
    const moved = await sessions.read(cookie, { ip: "198.51.100.2" });
    expect(moved.ok && moved.session).toMatchObject({ lastSeenAt: clock.now(), ip: "198.51.100.2" });
    clock.advance(61_000);
    const later = await sessions.read(cookie);
    expect(later.ok && later.session.lastSeenAt).toBe(clock.now());
  });

  it("renew gives a new id and the old cookie stops working (no fixation on privilege change)", async () => {
    const { sessions } = setup();
    const first = await sessions.start("user-1", { data: { mfa: false } });
    const renewed = await sessions.renew(first.cookie, { data: { mfa: true } });
    if (!renewed.ok) throw new Error("renew failed");
    expect(renewed.cookie.reveal()).not.toBe(first.cookie.reveal());
    expect(renewed.session.data).toEqual({ mfa: true });
    expect(renewed.session.createdAt).toBe(first.session.createdAt);
    expect(await sessions.read(first.cookie)).toEqual({ ok: false, reason: "invalid" });
    expect((await sessions.read(renewed.cookie)).ok).toBe(true);
    expect(await sessions.renew(first.cookie)).toEqual({ ok: false, reason: "invalid" });
  });

  it("start with replace ends the pre-login session, so a planted id never becomes a logged-in one", async () => {
    const { sessions } = setup();
    const planted = await sessions.start("anonymous");
    const login = await sessions.start("user-1", { replace: planted.cookie.reveal() });
    expect(await sessions.read(planted.cookie)).toEqual({ ok: false, reason: "invalid" });
    expect((await sessions.read(login.cookie)).ok).toBe(true);
    // A forged replace value is ignored, not an error.
    await expect(sessions.start("user-1", { replace: "garbage" })).resolves.toBeDefined();
  });

  it("lists a user's sessions with address and agent, and revokes one, all, or all others", async () => {
    const { sessions, clock } = setup();
    const a = await sessions.start("user-1", { ip: "203.0.113.1", userAgent: "Phone\r\nX-Forged: 1" });
    clock.advance(1000);
    const b = await sessions.start("user-1", { ip: "203.0.113.2", userAgent: "Laptop" });
    clock.advance(1000);
    const c = await sessions.start("user-1");
    const stranger = await sessions.start("user-2");
    const list = await sessions.list("user-1");
    expect(list.map((s) => s.handle)).toEqual([a.session.handle, b.session.handle, c.session.handle]);
    expect(list[0]?.userAgent).toBe("Phone\uFFFD\uFFFDX-Forged: 1"); // no control characters stored
    // Another user's handle does nothing.
    expect(await sessions.revoke("user-2", a.session.handle)).toBe(false);
    expect(await sessions.revoke("user-1", "not-a-handle")).toBe(false);
    expect(await sessions.revoke("user-1", a.session.handle)).toBe(true);
    expect(await sessions.read(a.cookie)).toEqual({ ok: false, reason: "invalid" });
    expect(await sessions.revokeOthers(b.cookie)).toEqual({ ok: true, revoked: 1 });
    expect((await sessions.list("user-1")).map((s) => s.handle)).toEqual([b.session.handle]);
    expect((await sessions.read(stranger.cookie)).ok).toBe(true);
    expect(await sessions.revokeAll("user-1")).toBe(1);
    expect(await sessions.list("user-1")).toEqual([]);
    expect(await sessions.end(stranger.cookie)).toBe(true);
    expect(await sessions.end(stranger.cookie)).toBe(false);
  });

  it("when every session of a user calls revokeOthers at once, exactly one survives", async () => {
    const { sessions } = setup();
    const all = await Promise.all(Array.from({ length: 20 }, () => sessions.start("user-1")));
    const { winner } = await raceExactlyOne(20, (i) => sessions.revokeOthers(all[i]!.cookie));
    expect((await sessions.list("user-1")).map((s) => s.handle)).toEqual([all[winner]!.session.handle]);
  });

  it("verifies with every configured key and signs with the first (rotation)", async () => {
    const clock = fakeClock(Date.UTC(2026, 5, 1, 9));
    const store = createMemoryServerSessionStore();
    const before = createServerSessions({ store, secrets: [OLD_KEY], now: clock.now });
    const old = await before.start("user-1");
    const during = createServerSessions({ store, secrets: [KEY, new Secret(OLD_KEY)], now: clock.now });
    expect((await during.read(old.cookie)).ok).toBe(true);
    const fresh = await during.start("user-1");
    const after = createServerSessions({ store, secrets: [KEY], now: clock.now });
    expect((await after.read(fresh.cookie)).ok).toBe(true);
    expect(await after.read(old.cookie)).toEqual({ ok: false, reason: "invalid" });
  });

  it("refuses bad arguments with ERR_INVALID_INPUT, and never echoes them", async () => {
    const { sessions } = setup();
    await expect(sessions.start("")).rejects.toMatchObject({ code: "ERR_INVALID_INPUT" });
    await expect(sessions.start("user\n1")).rejects.toMatchObject({ code: "ERR_INVALID_INPUT" });
    await expect(sessions.start("user-1", { data: [] as never })).rejects.toMatchObject({ code: "ERR_INVALID_INPUT" });
    await expect(sessions.start("user-1", { data: { big: "x".repeat(9000) } })).rejects.toMatchObject({
      code: "ERR_INVALID_INPUT",
    });
    await expect(sessions.start("user-1", { ip: 7 as never })).rejects.toMatchObject({ code: "ERR_INVALID_INPUT" });
    await expect(sessions.list(42 as never)).rejects.toMatchObject({ code: "ERR_INVALID_INPUT" });
    try {
      await sessions.start("user-1", { data: { big: "hunter2".repeat(2000) } });
    } catch (err) {
      expect(String(err) + JSON.stringify(err)).not.toContain("hunter2");
    }
  });

  it.each([
    [{ secrets: [] }],
    [{ secrets: [new Uint8Array(16)] }],
    [{ secrets: ["a".repeat(40)] }],
    [{ idleTimeout: "13h" }],
    [{ idleTimeout: "soon" }],
    [{ store: {} }],
    [{ touchInterval: -1 }],
    [{ idle: "1m" }],
  ])("refuses %j with ERR_CONFIG", (bad) => {
    expectMoatError(
      () => createServerSessions({ store: createMemoryServerSessionStore(), secrets: [KEY], ...(bad as object) }),
      "ERR_CONFIG",
    );
  });
});
