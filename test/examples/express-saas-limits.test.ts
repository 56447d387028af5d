/**
 * The example app's TOTP attempt limit holds across instances: with Redis, a user's guesses on
 * one instance count on every other one (and after a restart), so spreading them over a load
 * balancer's instances buys no extra attempts.
 */
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApp, type SaasApp } from "../../examples/express-saas/app.js";
import { type FakeTurnstile, startFakeTurnstile } from "../../examples/express-saas/fake-turnstile.js";
import { generateSigningKey } from "../../src/sessions/index.js";
import { fakeClock, testKeyring, totpCode } from "../../src/testing/index.js";
import { type Listening, type Reply, listen, request } from "../express/http.js";
import { type PostgresHandle, describePostgres } from "../helpers/postgres.js";
import { describeRedis } from "../helpers/redis.js";
import { APP_TIMEOUT, PASSWORD, lastMailIn, linkToken } from "./express-saas-harness.js";

interface Instance {
  readonly saas: SaasApp;
  readonly listening: Listening;
}

function post(instance: Instance, path: string, body: unknown, token?: string): Promise<Reply> {
  const text = JSON.stringify(body);
  return request(instance.listening.port, {
    method: "POST",
    path,
    headers: {
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(text)),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: text,
  });
}

describeRedis("example app express-saas: TOTP attempts limited in Redis", (redisCtx) => {
  describePostgres("two instances", (target) => {
    const clock = fakeClock(Date.UTC(2026, 5, 1, 12));
    const appRole = `saas_app_${randomBytes(5).toString("hex")}`;
    let db: PostgresHandle | undefined;
    let turnstile: FakeTurnstile | undefined;
    const instances: Instance[] = [];

    beforeAll(async () => {
      db = await target.connect();
      turnstile = await startFakeTurnstile();
      const shared = {
        database: db.client,
        appRole,
        keyring: testKeyring(),
        turnstile: { secret: turnstile.secret, verifyUrl: turnstile.verifyUrl },
        signingKey: await generateSigningKey("EdDSA"),
        recoverySelectorKey: randomBytes(32),
        apiKeyPepper: randomBytes(32),
        redis: redisCtx.redis(),
        redisKeyPrefix: redisCtx.prefix,
        passwordCost: 4,
        now: clock.now,
      };
      // Instances start one after the other, as a rolling deploy does.
      for (let i = 0; i < 2; i++) {
        const sink = new Writable({
          write(_chunk, _enc, done) {
            done();
          },
        });
        const saas = await createApp({ ...shared, logDestination: sink });
        instances.push({ saas, listening: await listen(saas.app) });
      }
    }, APP_TIMEOUT);

    afterAll(async () => {
      for (const { saas, listening } of instances) {
        await listening.close();
        await saas.close();
      }
      await turnstile?.close();
      if (db !== undefined) {
        await db.client.exec(`DROP OWNED BY ${appRole} CASCADE; DROP ROLE IF EXISTS ${appRole};`);
        await db.close();
      }
    }, APP_TIMEOUT);

    async function enrolling(instance: Instance, email: string): Promise<{ token: string; secret: string }> {
      const signup = await post(instance, "/auth/signup", {
        email,
        password: PASSWORD,
        orgName: "Limits",
        "cf-turnstile-response": turnstile!.issue(),
      });
      expect(signup.status).toBe(201);
      const token = String((signup.json() as Record<string, unknown>)["accessToken"]);
      // Enrolment needs a verified email: follow the mailed link.
      const link = linkToken((await lastMailIn(db!, email))?.body ?? "", "verify");
      expect((await post(instance, "/auth/verify-email", { token: link })).status).toBe(204);
      const enrolled = await post(instance, "/mfa/totp/enroll", {}, token);
      expect(enrolled.status).toBe(201);
      return { token, secret: String((enrolled.json() as Record<string, unknown>)["secret"]) };
    }

    it(
      "counts a user's guesses on one instance on the other, per user",
      async () => {
        const [a, b] = instances as [Instance, Instance];
        const victim = await enrolling(a, "limits-victim@example.com");
        const right = totpCode(victim.secret, clock.now());
        const wrong = right === "000000" ? "111111" : "000000";
        for (let i = 0; i < 10; i++) {
          expect((await post(a, "/mfa/totp/confirm", { code: wrong }, victim.token)).status).toBe(401);
        }
        expect((await post(a, "/mfa/totp/confirm", { code: wrong }, victim.token)).status).toBe(429);
        // The attacker moves to the other instance: the count follows the user there.
        const elsewhere = await post(b, "/mfa/totp/confirm", { code: wrong }, victim.token);
        expect(elsewhere.status).toBe(429);
        expect(elsewhere.headers["retry-after"]).toBeDefined();

        // Another user of the same instances has attempts of their own.
        const other = await enrolling(b, "limits-other@example.com");
        const code = totpCode(other.secret, clock.now());
        expect((await post(b, "/mfa/totp/confirm", { code }, other.token)).status).toBe(200);
        expect([a.saas.rateLimits, b.saas.rateLimits]).toEqual(["redis", "redis"]);
      },
      APP_TIMEOUT,
    );
  });
});
