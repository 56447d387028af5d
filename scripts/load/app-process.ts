/**
 * The example app (examples/express-saas) in a process of its own, for the load and chaos runs:
 * started with `--expose-gc` by app-control.ts, it listens on a free loopback port and answers
 * its parent over IPC: "memory" forces a GC and reports heap and RSS. An unhandled rejection or
 * uncaught exception is reported to the parent, which fails the run, and ends the process.
 *
 * Configuration (environment): LOAD_DATABASE_URL (the owner connection), LOAD_POOL_MAX (pg pool
 * size, default 10), LOAD_REDIS_URL, LOAD_REDIS_PREFIX, LOAD_APP_ROLE, LOAD_BCRYPT_COST,
 * MOATKIT_MASTER_KEYS.
 */
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { fromPgPool } from "moatkit/adapters/postgres";
import { keyringFromEnv } from "moatkit/crypto";
import { serverTimeouts } from "moatkit/express";
import { createApp } from "../../examples/express-saas/app.js";
import { startFakeTurnstile } from "../../examples/express-saas/fake-turnstile.js";

/** Messages the child sends its parent. */
export type AppMessage =
  | { readonly type: "listening"; readonly port: number; readonly turnstileToken: string }
  | { readonly type: "memory"; readonly heapUsed: number; readonly rss: number }
  | { readonly type: "fatal"; readonly kind: string; readonly message: string };

function send(message: AppMessage): void {
  process.send?.(message);
}

function fatal(kind: string, err: unknown): void {
  const message = err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ""}` : String(err);
  process.stderr.write(`${kind}: ${message}\n`);
  send({ type: "fatal", kind, message });
  // Give the IPC message a moment to leave, then die: the run is already failed.
  setTimeout(() => process.exit(70), 100).unref();
}
process.on("unhandledRejection", (err) => {
  fatal("unhandledRejection", err);
});
process.on("uncaughtException", (err) => {
  fatal("uncaughtException", err);
});

const env = process.env;
const databaseUrl = env["LOAD_DATABASE_URL"];
if (databaseUrl === undefined) throw new Error("LOAD_DATABASE_URL is required");
const pool = new pg.Pool({ connectionString: databaseUrl, max: Number(env["LOAD_POOL_MAX"] ?? 10) });
// An idle connection the server drops (a restart) is an event, not a crash; the next checkout
// connects again. (The example's own openDatabase does the same since the chaos run.)
pool.on("error", () => undefined);

const turnstile = await startFakeTurnstile({ devToken: "XXXX.DUMMY.TOKEN.XXXX" });
const saas = await createApp({
  database: fromPgPool(pool),
  keyring: keyringFromEnv(),
  turnstile: { secret: turnstile.secret, verifyUrl: turnstile.verifyUrl },
  logLevel: "silent",
  appRole: env["LOAD_APP_ROLE"] ?? "saas_app",
  redis: env["LOAD_REDIS_URL"] ?? null,
  redisKeyPrefix: env["LOAD_REDIS_PREFIX"] ?? "saas:",
  // The driver sends X-Forwarded-For to pose as many clients (rate limits count per address).
  trustProxy: "loopback",
  passwordCost: Number(env["LOAD_BCRYPT_COST"] ?? 4),
});
const server = serverTimeouts(saas.app.listen(0, "127.0.0.1"));
await once(server, "listening");
const { port } = server.address() as AddressInfo;

process.on("message", (message: unknown) => {
  if (message === "memory") {
    globalThis.gc?.();
    globalThis.gc?.();
    const usage = process.memoryUsage();
    send({ type: "memory", heapUsed: usage.heapUsed, rss: usage.rss });
  } else if (message === "stop") {
    server.close();
    server.closeAllConnections();
    void once(server, "close")
      .then(() => saas.close())
      .then(() => turnstile.close())
      .then(() => pool.end())
      .finally(() => process.exit(0));
  }
});
send({ type: "listening", port, turnstileToken: "XXXX.DUMMY.TOKEN.XXXX" });
