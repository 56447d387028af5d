/**
 * Server-side sessions (OWASP Session Management cheat sheet): the browser holds only an opaque
 * id in a signed cookie; everything else stays on the server. The id is 256 random bits, stored
 * as its SHA-256; the cookie is `id.mac` with an HMAC-SHA-256 under a server key, so a forged or
 * altered cookie is refused without asking the store. Idle and absolute timeouts, a new id on
 * login and on privilege change (no fixation), and a user's sessions listed and revoked.
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { z } from "zod";
import { canonicalJson } from "../_internal/canonical-json.js";
import { constantTimeEqualString } from "../_internal/ct-compare.js";
import { durationSchema, type Duration } from "../_internal/duration.js";
import { base64urlEncode, utf8Encode } from "../_internal/encoding.js";
import { functionSchema } from "../_internal/function-schema.js";
import { sha256Hex } from "../_internal/hash.js";
import { requireIdentifier } from "../_internal/identifier.js";
import { parseOptions } from "../_internal/options.js";
import { type Clock, type RandomSource, randomToken, systemClock, systemRandom } from "../_internal/runtime.js";
import { isSecret, Secret } from "../_internal/secret.js";
import { storeSchema, wrapStore } from "../_internal/store.js";
import { MoatError, type Result } from "../errors.js";
import {
  SERVER_SESSION_STORE_METHODS,
  type ServerSessionRecord,
  type ServerSessionStore,
} from "./server-session-store.js";

/** A session as the application sees it. */
export interface ServerSessionInfo {
  /** A public handle for listing and revoking (the SHA-256 of the id: it cannot be turned back into a cookie). */
  readonly handle: string;
  /** The user. */
  readonly subject: string;
  /** When it started (ms since the epoch). */
  readonly createdAt: number;
  /** When it was last used. */
  readonly lastSeenAt: number;
  /** When it ends unless used. */
  readonly idleExpiresAt: number;
  /** When it ends whatever happens. */
  readonly absoluteExpiresAt: number;
  /** Client address at the last use, if given. */
  readonly ip: string | null;
  /** User agent at the last use, if given. */
  readonly userAgent: string | null;
  /** The application data. */
  readonly data: Readonly<Record<string, unknown>>;
}

/** A session with the cookie value that carries it. */
export interface IssuedServerSession {
  /** The cookie value (`id.mac`); `reveal()` it only to set the cookie. */
  readonly cookie: Secret<string>;
  /** The session. */
  readonly session: ServerSessionInfo;
}

/** Why a cookie was refused. */
export type ServerSessionFailureReason = "invalid" | "expired";

/** Who is using the session, recorded on start and on each use. */
export interface ServerSessionClient {
  /** Client address (from `clientAddress(req)`). */
  readonly ip?: string | undefined;
  /** `User-Agent` header. */
  readonly userAgent?: string | undefined;
}

/** Server-side sessions. Create with {@link createServerSessions}. */
export interface ServerSessions {
  /**
   * Starts a session. Pass the cookie the browser already had as `replace` (a pre-login
   * session): it is ended, so an id planted before login never becomes a logged-in one.
   *
   * @throws MoatError ERR_INVALID_INPUT for a bad subject or data; ERR_STORE when the store fails.
   */
  start(
    subject: string,
    options?: ServerSessionClient & { data?: Record<string, unknown>; replace?: string | undefined },
  ): Promise<IssuedServerSession>;
  /**
   * Reads the session a cookie carries, recording the use (at most once per `touchInterval`).
   * A bad signature is `invalid` without a store lookup; an unknown or ended session is
   * `invalid`, a timed-out one `expired`.
   */
  read(
    cookie: unknown,
    client?: ServerSessionClient,
  ): Promise<
    Result<
      {
        /** The session, with this use recorded. */
        readonly session: ServerSessionInfo;
      },
      ServerSessionFailureReason
    >
  >;
  /**
   * Gives the session a new id (and optionally new data) after a privilege change (MFA passed,
   * role raised): the old cookie stops working at once.
   */
  renew(
    cookie: unknown,
    options?: { data?: Record<string, unknown> },
  ): Promise<Result<IssuedServerSession, ServerSessionFailureReason>>;
  /** Ends the cookie's session; whether it was live. */
  end(cookie: unknown): Promise<boolean>;
  /** The user's live sessions, oldest first. */
  list(subject: string): Promise<ServerSessionInfo[]>;
  /** Ends one of the user's sessions by its handle (from {@link list}); whether it existed. */
  revoke(subject: string, handle: string): Promise<boolean>;
  /** Ends every session of the user; how many. */
  revokeAll(subject: string): Promise<number>;
  /**
   * Ends every other session of the cookie's user (after a password change). Of several
   * sessions calling it at once, exactly one survives; the others get `invalid`.
   */
  revokeOthers(cookie: unknown): Promise<
    Result<
      {
        /** How many other sessions were ended. */
        readonly revoked: number;
      },
      ServerSessionFailureReason
    >
  >;
  /** Removes sessions past their timeouts from the store; how many. */
  deleteExpired(): Promise<number>;
}

/** Options for {@link createServerSessions}. */
export interface ServerSessionsOptions {
  /** Where sessions live. */
  readonly store: ServerSessionStore;
  /**
   * Cookie signing keys, each at least 32 bytes: the first signs, all verify (rotate by putting
   * the new key first and dropping the old one after the absolute timeout).
   */
  readonly secrets: readonly (Uint8Array | Secret<Uint8Array>)[];
  /** Ends a session unused this long; default `"30m"`. */
  readonly idleTimeout?: Duration;
  /** Ends a session this long after it started, however active; default `"12h"`. */
  readonly absoluteTimeout?: Duration;
  /** Record a use at most this often (each record is a store write); default `"1m"`. */
  readonly touchInterval?: Duration;
  /** Clock; default `Date.now`. */
  readonly now?: Clock;
  /** Randomness; default `crypto.getRandomValues`. */
  readonly random?: RandomSource;
}

const MIN_SECRET_BYTES = 32;
const COOKIE_RE = /^([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/;
const HANDLE_RE = /^[0-9a-f]{64}$/;
const MAC_LABEL = "moatkit/server-session/v1\0";
const MAX_DATA_JSON = 8192;
const MAX_CLIENT_TEXT = 512;

const secretSchema = z.union([
  z.instanceof(Uint8Array).refine((k) => k.length >= MIN_SECRET_BYTES, "at least 32 bytes"),
  z.custom<Secret<Uint8Array>>((v) => {
    const inner: unknown = isSecret(v) ? v.reveal() : undefined;
    return inner instanceof Uint8Array && inner.length >= MIN_SECRET_BYTES;
  }, "a Secret holding at least 32 bytes"),
]);

const optionsSchema = z
  .strictObject({
    store: storeSchema<ServerSessionStore>(SERVER_SESSION_STORE_METHODS),
    secrets: z.array(secretSchema).min(1).max(16),
    idleTimeout: durationSchema.default(30 * 60_000),
    absoluteTimeout: durationSchema.default(12 * 3_600_000),
    touchInterval: z.union([z.literal(0), durationSchema]).default(60_000),
    now: functionSchema<Clock>().default(() => systemClock),
    random: functionSchema<RandomSource>().default(() => systemRandom),
  })
  .refine((o) => o.idleTimeout <= o.absoluteTimeout, {
    message: "idleTimeout must not exceed absoluteTimeout",
    path: ["idleTimeout"],
  });

function clientText(value: unknown, what: string): string | null {
  if (value === undefined) return null;
  if (typeof value !== "string") throw new MoatError("ERR_INVALID_INPUT", { message: `${what} must be a string` });
  // Stored and later shown in a session list: bounded, and no control characters to forge lines.
  // eslint-disable-next-line no-control-regex
  return value.slice(0, MAX_CLIENT_TEXT).replace(/[\u0000-\u001f\u007f]/g, "\uFFFD");
}

function dataJson(data: unknown): string {
  if (data === undefined) return "{}";
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new MoatError("ERR_INVALID_INPUT", { message: "session data must be a plain object" });
  }
  let json: string;
  try {
    json = canonicalJson(data);
  } catch {
    throw new MoatError("ERR_INVALID_INPUT", { message: "session data must be JSON" });
  }
  if (json.length > MAX_DATA_JSON)
    throw new MoatError("ERR_INVALID_INPUT", { message: "session data is over 8 KiB as JSON" });
  return json;
}

function parseData(json: string): Readonly<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new MoatError("ERR_INTEGRITY", { message: "a stored session has corrupt data" });
  }
  return Object.freeze({ ...parsed });
}

function info(record: ServerSessionRecord): ServerSessionInfo {
  return {
    handle: record.idHash,
    subject: record.subject,
    createdAt: record.createdAt,
    lastSeenAt: record.lastSeenAt,
    idleExpiresAt: record.idleExpiresAt,
    absoluteExpiresAt: record.absoluteExpiresAt,
    ip: record.ip,
    userAgent: record.userAgent,
    data: parseData(record.dataJson),
  };
}

/**
 * Creates server-side sessions over a store.
 *
 * @throws MoatError ERR_CONFIG for invalid options.
 * @example
 * ```ts
 * const sessions = createServerSessions({ store, secrets: [cookieKey], idleTimeout: "30m", absoluteTimeout: "12h" });
 * const { cookie } = await sessions.start(user.id, { ip: clientAddress(req), userAgent: req.get("user-agent") });
 * const r = await sessions.read(cookieFromRequest);
 * if (!r.ok) return res.status(401).end();
 * ```
 */
export function createServerSessions(options: ServerSessionsOptions): ServerSessions {
  const opts = parseOptions(optionsSchema, options, "createServerSessions options");
  const store = wrapStore("serverSessions", opts.store, SERVER_SESSION_STORE_METHODS);
  const keys = opts.secrets.map((k) => (isSecret(k) ? k.reveal() : k));
  const { idleTimeout, absoluteTimeout, touchInterval, now, random } = opts;

  const mac = (key: Uint8Array, id: string): string => base64urlEncode(hmac(sha256, key, utf8Encode(MAC_LABEL + id)));

  /** The id hash a cookie names, or null when its form or signature is wrong (no store lookup). */
  function idHashOf(cookie: unknown): string | null {
    const value = isSecret(cookie) ? cookie.reveal() : cookie;
    if (typeof value !== "string") return null;
    const match = COOKIE_RE.exec(value);
    if (match === null) return null;
    const [, id = "", tag = ""] = match;
    // Every key is tried, so the time taken does not tell which one matched.
    let ok = false;
    for (const key of keys) ok = constantTimeEqualString(tag, mac(key, id)) || ok;
    return ok ? sha256Hex(id) : null;
  }

  function newId(): { id: string; cookie: Secret<string>; idHash: string } {
    const id = randomToken(random, 32);
    return { id, cookie: new Secret(`${id}.${mac(keys[0] as Uint8Array, id)}`), idHash: sha256Hex(id) };
  }

  const idleUntil = (at: number, absolute: number): number => Math.min(at + idleTimeout, absolute);

  const live = (record: ServerSessionRecord, at: number): boolean =>
    record.idleExpiresAt > at && record.absoluteExpiresAt > at;

  /** The live session a cookie names, or why there is none; a timed-out one is deleted. */
  async function lookup(cookie: unknown, at: number): Promise<ServerSessionRecord | ServerSessionFailureReason> {
    const idHash = idHashOf(cookie);
    if (idHash === null) return "invalid";
    const record = await store.getServerSession(idHash);
    if (record === null) return "invalid";
    if (!live(record, at)) {
      await store.deleteServerSession(idHash);
      return "expired";
    }
    return record;
  }

  return Object.freeze({
    async start(subject, startOptions = {}) {
      const sub = requireIdentifier(subject, "subject");
      const json = dataJson(startOptions.data);
      const ip = clientText(startOptions.ip, "ip");
      const userAgent = clientText(startOptions.userAgent, "userAgent");
      if (startOptions.replace !== undefined) {
        const old = idHashOf(startOptions.replace);
        if (old !== null) await store.deleteServerSession(old);
      }
      const at = now();
      const absolute = at + absoluteTimeout;
      const fresh = newId();
      const record: ServerSessionRecord = {
        idHash: fresh.idHash,
        subject: sub,
        createdAt: at,
        lastSeenAt: at,
        idleExpiresAt: idleUntil(at, absolute),
        absoluteExpiresAt: absolute,
        ip,
        userAgent,
        dataJson: json,
      };
      await store.createServerSession(record);
      return { cookie: fresh.cookie, session: info(record) };
    },

    async read(cookie, client = {}) {
      const at = now();
      const record = await lookup(cookie, at);
      if (typeof record === "string") return { ok: false, reason: record };
      const { idHash } = record;
      const ip = clientText(client.ip, "ip") ?? record.ip;
      const userAgent = clientText(client.userAgent, "userAgent") ?? record.userAgent;
      const moved = ip !== record.ip || userAgent !== record.userAgent;
      if (at - record.lastSeenAt < touchInterval && !moved) return { ok: true, session: info(record) };
      const idleExpiresAt = idleUntil(at, record.absoluteExpiresAt);
      if (!(await store.touchServerSession({ idHash, now: at, idleExpiresAt, ip, userAgent }))) {
        return { ok: false, reason: "invalid" };
      }
      return { ok: true, session: info({ ...record, lastSeenAt: at, idleExpiresAt, ip, userAgent }) };
    },

    async renew(cookie, renewOptions = {}) {
      const at = now();
      const current = await lookup(cookie, at);
      if (typeof current === "string") return { ok: false, reason: current };
      const { idHash } = current;
      const json = renewOptions.data === undefined ? current.dataJson : dataJson(renewOptions.data);
      const fresh = newId();
      const moved = await store.rekeyServerSession({
        idHash,
        newIdHash: fresh.idHash,
        now: at,
        idleExpiresAt: idleUntil(at, current.absoluteExpiresAt),
        dataJson: json,
      });
      if (moved === null) return { ok: false, reason: "invalid" };
      return { ok: true, cookie: fresh.cookie, session: info(moved) };
    },

    async end(cookie) {
      const idHash = idHashOf(cookie);
      return idHash === null ? false : store.deleteServerSession(idHash);
    },

    async list(subject) {
      const sub = requireIdentifier(subject, "subject");
      return (await store.listSubjectServerSessions(sub, now())).map(info);
    },

    async revoke(subject, handle) {
      const sub = requireIdentifier(subject, "subject");
      if (typeof handle !== "string" || !HANDLE_RE.test(handle)) return false;
      // Only the user's own session: a handle from someone else's list does nothing.
      const record = await store.getServerSession(handle);
      if (record?.subject !== sub) return false;
      return store.deleteServerSession(handle);
    },

    async revokeAll(subject) {
      return store.deleteSubjectServerSessions(requireIdentifier(subject, "subject"));
    },

    async revokeOthers(cookie) {
      const at = now();
      const record = await lookup(cookie, at);
      if (typeof record === "string") return { ok: false, reason: record };
      const idHash = record.idHash;
      const revoked = await store.deleteOtherServerSessions({ subject: record.subject, keepIdHash: idHash, now: at });
      return revoked === null ? { ok: false, reason: "invalid" } : { ok: true, revoked };
    },

    async deleteExpired() {
      return store.deleteExpiredServerSessions(now());
    },
  } satisfies ServerSessions);
}
