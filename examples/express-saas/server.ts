/**
 * Runs the example app: `npx tsx examples/express-saas/server.ts`.
 *
 * - DATABASE_URL: Postgres to use, as the role that owns the schema (it runs the migrations and
 *   grants); without it an in-memory PGlite (gone on exit).
 * - APP_DATABASE_URL: the connection the app then runs on, as a login role that is a member of
 *   `saas_app` and `moatkit_audit_writer` and holds nothing itself. Without it the app uses
 *   DATABASE_URL's connection and switches each statement to those roles (`SET LOCAL ROLE`).
 * - MOATKIT_MASTER_KEYS: master keys (`id:base64,…`); required with DATABASE_URL, otherwise a
 *   throwaway key is made.
 * - SAAS_RECOVERY_SELECTOR_KEY, SAAS_API_KEY_PEPPER: base64 of ≥ 32 random bytes each; required
 *   with DATABASE_URL (recovery codes and API keys must outlive the process).
 * - TURNSTILE_SECRET (+ TURNSTILE_VERIFY_URL): without them a local fake siteverify is started
 *   that accepts the token `XXXX.DUMMY.TOKEN.XXXX` (as Cloudflare's test keys do).
 * - REDIS_URL: where rate-limit counters live, shared by every instance; without it process memory.
 * - PORT (default 3000), TRUST_PROXY (a hop count, e.g. 1 behind one load balancer).
 */
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { createKeyring, generateMasterKey, keyringFromEnv } from "moatkit/crypto";
import { serverTimeouts } from "moatkit/express";
import { createApp } from "./app.js";
import { startFakeTurnstile } from "./fake-turnstile.js";

const DEV_TOKEN = "XXXX.DUMMY.TOKEN.XXXX";

const env = process.env;
const persistent = env["DATABASE_URL"] !== undefined && env["DATABASE_URL"] !== "";

function secretBytes(name: string): Uint8Array | undefined {
  const value = env[name];
  if (value === undefined || value === "") {
    if (persistent) throw new Error(`${name} is required with DATABASE_URL`);
    return undefined;
  }
  const bytes = Buffer.from(value, "base64");
  if (bytes.length < 32) throw new Error(`${name} must be base64 of at least 32 bytes`);
  return bytes;
}

let keyring;
if (env["MOATKIT_MASTER_KEYS"] !== undefined) keyring = keyringFromEnv();
else if (persistent) throw new Error("MOATKIT_MASTER_KEYS is required with DATABASE_URL");
else keyring = createKeyring([generateMasterKey()]);

const fake = env["TURNSTILE_SECRET"] === undefined ? await startFakeTurnstile({ devToken: DEV_TOKEN }) : undefined;
const recoverySelectorKey = secretBytes("SAAS_RECOVERY_SELECTOR_KEY");
const apiKeyPepper = secretBytes("SAAS_API_KEY_PEPPER");
const { app, rateLimits, close } = await createApp({
  keyring,
  turnstile:
    fake === undefined
      ? {
          secret: env["TURNSTILE_SECRET"] ?? "",
          ...(env["TURNSTILE_VERIFY_URL"] === undefined ? {} : { verifyUrl: env["TURNSTILE_VERIFY_URL"] }),
        }
      : { secret: fake.secret, verifyUrl: fake.verifyUrl },
  ...(env["APP_DATABASE_URL"] === undefined || env["APP_DATABASE_URL"] === ""
    ? {}
    : { appDatabase: env["APP_DATABASE_URL"] }),
  ...(env["TRUST_PROXY"] === undefined ? {} : { trustProxy: Number(env["TRUST_PROXY"]) }),
  ...(recoverySelectorKey === undefined ? {} : { recoverySelectorKey }),
  ...(apiKeyPepper === undefined ? {} : { apiKeyPepper }),
});

// Node's connection deadlines: 408 and a closed socket for a client trickling headers (10 s) or its body (30 s).
const server = serverTimeouts(app.listen(Number(env["PORT"] ?? 3000), "127.0.0.1"));
await once(server, "listening");
const { port } = server.address() as AddressInfo;
console.log(`express-saas listening on http://127.0.0.1:${String(port)}${persistent ? "" : " (in-memory PGlite)"}`);
console.log(
  `rate limits (TOTP attempts per user, logins per address): ${rateLimits === "redis" ? "Redis" : "process memory"}`,
);
if (fake !== undefined) console.log(`Turnstile: local fake; send "cf-turnstile-response": "${DEV_TOKEN}" with signups`);

async function shutdown(): Promise<void> {
  server.close();
  await once(server, "close");
  await close();
  await fake?.close();
}
process.once("SIGINT", () => void shutdown());
process.once("SIGTERM", () => void shutdown());
