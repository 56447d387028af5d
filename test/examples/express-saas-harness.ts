/**
 * Runs the example app (examples/express-saas) on a listening port for a describe block, on the
 * backend describePostgres gives (PGlite, or a schema of its own on the real server), with a
 * local fake siteverify, a fake clock, captured log lines and a role name of its own.
 */
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { afterAll, beforeAll } from "vitest";
import { createApp, type SaasApp, type SaasStores } from "../../examples/express-saas/app.js";
import { type FakeTurnstile, startFakeTurnstile } from "../../examples/express-saas/fake-turnstile.js";
import { type FakeClock, fakeClock, testKeyring, totpCode } from "../../src/testing/index.js";
import { type Listening, type Reply, listen, request } from "../express/http.js";
import type { PostgresHandle, PostgresTarget } from "../helpers/postgres.js";

/** Real bcrypt and database work on a shared, loaded machine: never the 5 s default. */
export const APP_TIMEOUT = 60_000;

export interface CallOptions {
  readonly token?: string;
  readonly apiKey?: string;
  readonly body?: unknown;
  /** Sent as X-Forwarded-For (the app trusts loopback proxies in tests). */
  readonly ip?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Harness {
  readonly db: PostgresHandle;
  /** The running app (its `db` holds the clients its queries and audit writes run on). */
  readonly saas: SaasApp;
  /** The role the app's queries run as. */
  readonly appRole: string;
  readonly clock: FakeClock;
  readonly turnstile: FakeTurnstile;
  readonly logs: string[];
  /** The port the app listens on, at 127.0.0.1. */
  readonly port: number;
  call(method: string, path: string, options?: CallOptions): Promise<Reply>;
  /** Signs an owner and their org up and verifies the email through the outbox; returns their session. */
  signup(email: string, orgName: string): Promise<Session>;
  /** The newest mail to `email` in the outbox, if any. */
  lastMail(email: string): Promise<Mail | undefined>;
  /** The token of the newest `#name=` link mailed to `email` (polls: some mails are queued after the answer). */
  mailedToken(email: string, name: "verify" | "reset"): Promise<string>;
  login(email: string, password: string, ip?: string): Promise<Reply>;
  /** Enrols TOTP for the session's user and returns a stepped-up session, the secret and the recovery codes. */
  enrollMfa(session: Session): Promise<{ session: Session; secret: string; recoveryCodes: string[] }>;
  /** The current TOTP code for `secret`, after moving the clock to the next 30 s step (codes are single use). */
  nextCode(secret: string): string;
}

export interface Mail {
  readonly id: number;
  readonly recipient: string;
  readonly subject: string;
  readonly body: string;
}

/** The token of the `#name=` link in a mail's body. */
export function linkToken(body: string, name: "verify" | "reset"): string | undefined {
  return new RegExp(`#${name}=([A-Za-z0-9_-]+)`).exec(body)?.[1];
}

/** The newest mail to `email` in the app's outbox (read as the owner). */
export async function lastMailIn(db: PostgresHandle, email: string): Promise<Mail | undefined> {
  const { rows } = await db.client.query<{ id: string; recipient: string; subject: string; body: string }>(
    "SELECT id::text, recipient, subject, body FROM saas_mail_outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1",
    [email.toLowerCase()],
  );
  const row = rows[0];
  return row === undefined ? undefined : { ...row, id: Number(row.id) };
}

export interface Session {
  readonly token: string;
  readonly orgId: string;
  readonly userId: string;
}

export const PASSWORD = "correct horse battery staple";

let ipCounter = 0;
/** A client address of its own, so one test's logins do not count against another's limit. */
export function freshIp(): string {
  ipCounter += 1;
  return `198.51.100.${String(ipCounter % 250)}`;
}

export function json(reply: Reply): Record<string, unknown> {
  return reply.json() as Record<string, unknown>;
}

/**
 * @param stores made in the app's beforeAll (after the caller's own beforeAll hooks ran): moatkit
 *   stores to use instead of the Postgres ones.
 */
export function useSaasApp(target: PostgresTarget, stores?: () => SaasStores): () => Harness {
  let harness: Harness | undefined;
  let db: PostgresHandle | undefined;
  let turnstile: FakeTurnstile | undefined;
  let saas: SaasApp | undefined;
  let listening: Listening | undefined;
  const appRole = `saas_app_${randomBytes(5).toString("hex")}`;

  beforeAll(async () => {
    db = await target.connect();
    turnstile = await startFakeTurnstile();
    const clock = fakeClock(Date.UTC(2026, 5, 1, 12));
    const logs: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString("utf8").split("\n")) if (line !== "") logs.push(line);
        done();
      },
    });
    saas = await createApp({
      database: db.client,
      keyring: testKeyring(),
      turnstile: { secret: turnstile.secret, verifyUrl: turnstile.verifyUrl },
      logDestination: destination,
      appRole,
      redis: null, // counters in memory: the Redis limits have a test of their own
      trustProxy: "loopback",
      passwordCost: 4,
      now: clock.now,
      ...(stores === undefined ? {} : { stores: stores() }),
    });
    listening = await listen(saas.app);
    const port = listening.port;
    const fake = turnstile;
    const handle = db;
    const running = saas;

    const call = (method: string, path: string, options: CallOptions = {}): Promise<Reply> => {
      const headers: Record<string, string> = { ...options.headers };
      if (options.token !== undefined) headers["authorization"] = `Bearer ${options.token}`;
      if (options.apiKey !== undefined) headers["x-api-key"] = options.apiKey;
      headers["x-forwarded-for"] = options.ip ?? "192.0.2.10";
      let body: string | undefined;
      if (options.body !== undefined) {
        body = JSON.stringify(options.body);
        headers["content-type"] = "application/json";
        // node:http frames a GET or DELETE body only with an explicit length.
        headers["content-length"] = String(Buffer.byteLength(body));
      }
      return request(port, { method, path, headers, ...(body === undefined ? {} : { body }) });
    };

    const nextCode = (secret: string): string => {
      clock.advance(30_000);
      return totpCode(secret, clock.now());
    };

    harness = {
      db: handle,
      saas: running,
      appRole,
      clock,
      turnstile: fake,
      logs,
      port,
      call,
      async signup(email, orgName) {
        const reply = await call("POST", "/auth/signup", {
          body: { email, password: PASSWORD, orgName, "cf-turnstile-response": fake.issue() },
        });
        if (reply.status !== 201) throw new Error(`signup answered ${String(reply.status)} ${reply.text}`);
        const body = json(reply);
        const token = linkToken((await lastMailIn(handle, email))?.body ?? "", "verify");
        const verified = await call("POST", "/auth/verify-email", { body: { token } });
        if (verified.status !== 204) throw new Error(`verify-email answered ${String(verified.status)}`);
        return { token: String(body["accessToken"]), orgId: String(body["orgId"]), userId: String(body["userId"]) };
      },
      lastMail: (email) => lastMailIn(handle, email),
      async mailedToken(email, name) {
        for (let i = 0; i < 200; i++) {
          const token = linkToken((await lastMailIn(handle, email))?.body ?? "", name);
          if (token !== undefined) return token;
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        throw new Error(`no ${name} link mailed to ${email}`);
      },
      login(email, password, ip = freshIp()) {
        return call("POST", "/auth/login", { body: { email, password }, ip });
      },
      async enrollMfa(session) {
        const enrolled = await call("POST", "/mfa/totp/enroll", { token: session.token });
        if (enrolled.status !== 201) throw new Error(`enroll answered ${String(enrolled.status)} ${enrolled.text}`);
        const secret = String(json(enrolled)["secret"]);
        const confirmed = await call("POST", "/mfa/totp/confirm", {
          token: session.token,
          body: { code: nextCode(secret) },
        });
        if (confirmed.status !== 200) throw new Error(`confirm answered ${String(confirmed.status)} ${confirmed.text}`);
        const body = json(confirmed);
        return {
          session: { ...session, token: String(body["accessToken"]) },
          secret,
          recoveryCodes: body["recoveryCodes"] as string[],
        };
      },
      nextCode,
    };
  }, APP_TIMEOUT);

  afterAll(async () => {
    await listening?.close();
    await saas?.close();
    await turnstile?.close();
    if (db !== undefined) {
      await db.client.exec(`DROP OWNED BY ${appRole} CASCADE; DROP ROLE IF EXISTS ${appRole};`);
      await db.close();
    }
  }, APP_TIMEOUT);

  return () => {
    if (harness === undefined) throw new Error("the app is used before beforeAll started it");
    return harness;
  };
}
