/**
 * createServerSessions edge cases that the main suite leaves open: exact bounds, error messages,
 * store answers a race can produce, and calls that must not reach the store.
 */
import { describe, expect, it } from "vitest";
import { createMemoryServerSessionStore } from "../../src/adapters/memory/index.js";
import { Secret } from "../../src/_internal/secret.js";
import { createServerSessions, type ServerSessionStore, type ServerSessionsOptions } from "../../src/sessions/index.js";
import { fakeClock } from "../../src/testing/index.js";
import { expectMoatError, expectMoatErrorAsync } from "../helpers/assertions.js";

const KEY = new Uint8Array(32).fill(1);
const MINUTE = 60_000;

/** The memory store with some methods replaced, recording every call by name. */
function recordingStore(overrides: Partial<ServerSessionStore> = {}): {
  store: ServerSessionStore;
  calls: string[];
} {
  const inner = createMemoryServerSessionStore();
  const calls: string[] = [];
  const merged: ServerSessionStore = { ...inner, ...overrides };
  const store = Object.fromEntries(
    Object.entries(merged).map(([name, fn]) => [
      name,
      (...args: unknown[]): unknown => {
        calls.push(name);
        return (fn as (...a: unknown[]) => unknown)(...args);
      },
    ]),
  ) as unknown as ServerSessionStore;
  return { store, calls };
}

function setup(store: ServerSessionStore, overrides: Partial<ServerSessionsOptions> = {}) {
  const clock = fakeClock(Date.UTC(2026, 5, 1, 9));
  const sessions = createServerSessions({
    store,
    secrets: [KEY],
    idleTimeout: "30m",
    absoluteTimeout: "12h",
    touchInterval: "1m",
    now: clock.now,
    ...overrides,
  });
  return { clock, sessions };
}

describe("createServerSessions (mutation survivors)", () => {
  it("refuses a Secret key shorter than 32 bytes and accepts one of 32", () => {
    const store = createMemoryServerSessionStore();
    expectMoatError(() => createServerSessions({ store, secrets: [new Secret(new Uint8Array(31))] }), "ERR_CONFIG");
    expect(() => createServerSessions({ store, secrets: [new Secret(new Uint8Array(32))] })).not.toThrow();
  });

  it("accepts an idle timeout equal to the absolute timeout", async () => {
    const clock = fakeClock(Date.UTC(2026, 5, 1, 9));
    const sessions = createServerSessions({
      store: createMemoryServerSessionStore(),
      secrets: [KEY],
      idleTimeout: "1h",
      absoluteTimeout: "1h",
      now: clock.now,
    });
    const { session } = await sessions.start("user-1");
    expect(session.idleExpiresAt).toBe(session.absoluteExpiresAt);
  });

  it("names the options in a configuration error", () => {
    const err = expectMoatError(
      () => createServerSessions({ store: createMemoryServerSessionStore(), secrets: [] }),
      "ERR_CONFIG",
    );
    expect(err.message).toContain("createServerSessions options");
  });

  it("names the serverSessions store when the store fails", async () => {
    const { store } = recordingStore({
      getServerSession: () => Promise.reject(new Error("connection reset")),
    });
    const { sessions } = setup(store);
    const { cookie } = await sessions.start("user-1");
    const err = await expectMoatErrorAsync(sessions.read(cookie), "ERR_STORE");
    expect(err.message).toBe("serverSessions store failed during getServerSession");
  });

  it("refuses a non-string ip or user agent, naming it, on start and on read", async () => {
    const { store } = recordingStore();
    const { sessions } = setup(store);
    let err = await expectMoatErrorAsync(sessions.start("user-1", { ip: 7 as never }), "ERR_INVALID_INPUT");
    expect(err.message).toBe("ip must be a string");
    err = await expectMoatErrorAsync(sessions.start("user-1", { userAgent: 7 as never }), "ERR_INVALID_INPUT");
    expect(err.message).toBe("userAgent must be a string");
    const { cookie } = await sessions.start("user-1");
    err = await expectMoatErrorAsync(sessions.read(cookie, { ip: 7 as never }), "ERR_INVALID_INPUT");
    expect(err.message).toBe("ip must be a string");
    err = await expectMoatErrorAsync(sessions.read(cookie, { userAgent: 7 as never }), "ERR_INVALID_INPUT");
    expect(err.message).toBe("userAgent must be a string");
  });

  it("keeps at most 512 characters of the user agent", async () => {
    const { store } = recordingStore();
    const { sessions } = setup(store);
    const { session } = await sessions.start("user-1", { userAgent: "a".repeat(600) });
    expect(session.userAgent).toBe("a".repeat(512));
  });

  it.each([null, "text", 5, []])("refuses session data %j that is not a plain object", async (data) => {
    const { store } = recordingStore();
    const { sessions } = setup(store);
    const err = await expectMoatErrorAsync(sessions.start("user-1", { data: data as never }), "ERR_INVALID_INPUT");
    expect(err.message).toBe("session data must be a plain object");
  });

  it("refuses session data that is not JSON", async () => {
    const { store, calls } = recordingStore();
    const { sessions } = setup(store);
    const err = await expectMoatErrorAsync(sessions.start("user-1", { data: { n: 10n } }), "ERR_INVALID_INPUT");
    expect(err.message).toBe("session data must be JSON");
    expect(calls).not.toContain("createServerSession");
  });

  it("accepts session data of exactly 8192 JSON characters and refuses one more", async () => {
    const { store } = recordingStore();
    const { sessions } = setup(store);
    // {"a":"…"} is 8 characters around the text.
    const { session } = await sessions.start("user-1", { data: { a: "x".repeat(8184) } });
    expect(session.data).toEqual({ a: "x".repeat(8184) });
    const err = await expectMoatErrorAsync(
      sessions.start("user-1", { data: { a: "x".repeat(8185) } }),
      "ERR_INVALID_INPUT",
    );
    expect(err.message).toBe("session data is over 8 KiB as JSON");
  });

  it.each(["not json", "null", "5", "[]", '"text"'])(
    "reports stored session data %j that is not an object as ERR_INTEGRITY",
    async (dataJson) => {
      const inner = createMemoryServerSessionStore();
      const { store } = recordingStore({
        getServerSession: async (idHash) => {
          const record = await inner.getServerSession(idHash);
          return record === null ? null : { ...record, dataJson };
        },
        createServerSession: (record) => inner.createServerSession(record),
      });
      const { sessions } = setup(store);
      const { cookie } = await sessions.start("user-1");
      const err = await expectMoatErrorAsync(sessions.read(cookie), "ERR_INTEGRITY");
      expect(err.message).toBe("a stored session has corrupt data");
    },
  );

  it("treats a stored session past its absolute timeout as expired even when its idle time is later", async () => {
    const inner = createMemoryServerSessionStore();
    const { store } = recordingStore({
      // A row whose idle expiry was never capped at the absolute one.
      getServerSession: async (idHash) => {
        const record = await inner.getServerSession(idHash);
        return record === null ? null : { ...record, idleExpiresAt: record.absoluteExpiresAt + 60 * MINUTE };
      },
      createServerSession: (record) => inner.createServerSession(record),
      deleteServerSession: (idHash) => inner.deleteServerSession(idHash),
    });
    const { sessions, clock } = setup(store, { idleTimeout: "12h" });
    const { cookie, session } = await sessions.start("user-1");
    clock.set(session.absoluteExpiresAt);
    expect(await sessions.read(cookie)).toEqual({ ok: false, reason: "expired" });
  });

  it("names the subject in an identifier error from start, list, revoke and revokeAll", async () => {
    const { store } = recordingStore();
    const { sessions } = setup(store);
    const calls: (() => Promise<unknown>)[] = [
      () => sessions.start(""),
      () => sessions.list(""),
      () => sessions.revoke("", "0".repeat(64)),
      () => sessions.revokeAll(""),
    ];
    for (const call of calls) {
      const err = await expectMoatErrorAsync(call, "ERR_INVALID_INPUT");
      expect(err.message).toBe("subject must not be empty");
    }
  });

  it("start with a replace value that is not a valid cookie deletes nothing", async () => {
    const { store, calls } = recordingStore();
    const { sessions } = setup(store);
    await sessions.start("user-1", { replace: "garbage" });
    expect(calls).not.toContain("deleteServerSession");
  });

  it("records a use at once when only the user agent changes", async () => {
    const { store } = recordingStore();
    const { sessions, clock } = setup(store);
    const { cookie, session } = await sessions.start("user-1", { userAgent: "Firefox/140" });
    clock.advance(10_000);
    const read = await sessions.read(cookie, { userAgent: "Chrome/150" });
    expect(read.ok && read.session).toMatchObject({ userAgent: "Chrome/150", lastSeenAt: clock.now() });
    expect(clock.now()).not.toBe(session.lastSeenAt);
  });

  it("records a use once exactly touchInterval has passed", async () => {
    const { store } = recordingStore();
    const { sessions, clock } = setup(store);
    const { cookie } = await sessions.start("user-1");
    clock.advance(MINUTE);
    const read = await sessions.read(cookie);
    expect(read.ok && read.session.lastSeenAt).toBe(clock.now());
  });

  it("read is invalid when the session disappears before its use is recorded", async () => {
    const { store } = recordingStore({ touchServerSession: () => Promise.resolve(false) });
    const { sessions, clock } = setup(store);
    const { cookie } = await sessions.start("user-1");
    clock.advance(2 * MINUTE);
    expect(await sessions.read(cookie)).toEqual({ ok: false, reason: "invalid" });
  });

  it("renew and revokeOthers report an expired cookie as expired", async () => {
    const { store } = recordingStore();
    const { sessions, clock } = setup(store);
    const a = await sessions.start("user-1");
    const b = await sessions.start("user-1");
    clock.advance(31 * MINUTE);
    expect(await sessions.renew(a.cookie)).toEqual({ ok: false, reason: "expired" });
    expect(await sessions.revokeOthers(b.cookie)).toEqual({ ok: false, reason: "expired" });
    expect(await sessions.revokeOthers("garbage")).toEqual({ ok: false, reason: "invalid" });
  });

  it("renew without data keeps the session data", async () => {
    const { store } = recordingStore();
    const { sessions } = setup(store);
    const first = await sessions.start("user-1", { data: { role: "admin" } });
    const renewed = await sessions.renew(first.cookie);
    expect(renewed.ok && renewed.session.data).toEqual({ role: "admin" });
  });

  it("renew is invalid when the store could not move the session", async () => {
    const { store } = recordingStore({ rekeyServerSession: () => Promise.resolve(null) });
    const { sessions } = setup(store);
    const { cookie } = await sessions.start("user-1");
    expect(await sessions.renew(cookie)).toEqual({ ok: false, reason: "invalid" });
  });

  it("end with a forged cookie is false and does not ask the store", async () => {
    const { store, calls } = recordingStore();
    const { sessions } = setup(store);
    expect(await sessions.end("garbage")).toBe(false);
    expect(calls).not.toContain("deleteServerSession");
  });

  it("revoke with a malformed handle does not ask the store; with an unknown one it is false", async () => {
    const { store, calls } = recordingStore();
    const { sessions } = setup(store);
    const { session } = await sessions.start("user-1");
    expect(await sessions.revoke("user-1", "not-a-handle")).toBe(false);
    expect(await sessions.revoke("user-1", { toString: () => session.handle } as never)).toBe(false);
    expect(calls).not.toContain("getServerSession");
    expect(await sessions.revoke("user-1", "0".repeat(64))).toBe(false);
    expect((await sessions.list("user-1")).length).toBe(1);
  });

  it("revokeOthers is invalid when the store refuses (the session was ended meanwhile)", async () => {
    const { store } = recordingStore({ deleteOtherServerSessions: () => Promise.resolve(null) });
    const { sessions } = setup(store);
    const { cookie } = await sessions.start("user-1");
    expect(await sessions.revokeOthers(cookie)).toEqual({ ok: false, reason: "invalid" });
  });

  it("deleteExpired removes the timed-out sessions and counts them", async () => {
    const { store } = recordingStore();
    const { sessions, clock } = setup(store);
    await sessions.start("user-1");
    await sessions.start("user-2");
    clock.advance(20 * MINUTE);
    const live = await sessions.start("user-3");
    clock.advance(15 * MINUTE);
    expect(await sessions.deleteExpired()).toBe(2);
    expect((await sessions.read(live.cookie)).ok).toBe(true);
  });
});
