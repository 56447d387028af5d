/**
 * Fuzz: the express middlewares that read untrusted headers (request id, X-Forwarded-For, user
 * agent, Authorization, X-Api-Key, cookies), driven with hand-built requests. Each request must
 * end in `next()`, `next(MoatError)` or an answer, in bounded time (see harness.ts).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createMemoryApiKeyStore } from "../../src/adapters/memory/index.js";
import { createApiKeys } from "../../src/apikeys/index.js";
import { isMoatError } from "../../src/errors.js";
import { apiKeyAuth, authenticate, requestContext } from "../../src/express/index.js";
import { makeTokens } from "../sessions/helpers.js";
import { FUZZ_TIMEOUT, anyString, fuzzRuns, mutated, outcome, segments } from "./harness.js";

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/** Runs `mw` on a hand-built request; resolves when it calls next or answers. */
function drive(mw: Middleware, headers: Record<string, unknown>, url: string): Promise<{ ok: boolean }> {
  return new Promise((resolve, reject) => {
    const res = {
      headersSent: false,
      writableEnded: false,
      statusCode: 200,
      statusMessage: "",
      setHeader: () => res,
      removeHeader: () => undefined,
      getHeader: () => undefined,
      destroy: () => undefined,
      end: () => {
        res.writableEnded = true;
        resolve({ ok: false });
      },
    };
    const req = { headers, url, method: "GET", socket: { remoteAddress: "10.0.0.1" } };
    mw(req as unknown as IncomingMessage, res as unknown as ServerResponse, (err?: unknown) => {
      if (err === undefined) resolve({ ok: true });
      else if (isMoatError(err)) resolve({ ok: false });
      else reject(err instanceof Error ? err : new Error("next() got a non-Error"));
    });
  });
}

const ADDRESSES = ["10.0.0.1", "203.0.113.9", "::1", "::ffff:10.1.2.3", "2001:db8::1", "unknown", "[::1]:80"];
const addressish = fc.oneof(fc.constantFrom(...ADDRESSES), anyString);
const forwardedFor = fc.oneof(
  fc.array(addressish, { maxLength: 40 }).map((hops) => hops.join(", ")),
  fc.array(addressish, { maxLength: 5 }),
  anyString,
);

describe("fuzz: express header parsing", () => {
  it(
    "requestContext accepts any request id, X-Forwarded-For, user agent and url",
    async () => {
      const mws = [
        requestContext(),
        requestContext({ trustProxy: "loopback, uniquelocal" }),
        requestContext({ trustProxy: 3 }),
      ];
      const headers = fc.record(
        { "x-request-id": anyString, "x-forwarded-for": forwardedFor, "user-agent": anyString },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...mws), headers, anyString, async (mw, h, url) => {
          await outcome(async () => {
            const result = await drive(mw, h, url);
            expect(result.ok).toBe(true);
            return result;
          });
        }),
        { numRuns: fuzzRuns() },
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    "apiKeyAuth and authenticate answer any Authorization, X-Api-Key and cookie header",
    async () => {
      const apiKeys = createApiKeys({ prefix: "acme", store: createMemoryApiKeyStore() });
      const { key } = await apiKeys.issue({ ownerId: "user_1", env: "live", scopes: ["read"] });
      const { tokens } = makeTokens();
      const jwt = await tokens.sign({ sub: "user_1", role: "admin" });
      const mws = [
        apiKeyAuth({ apiKeys }),
        apiKeyAuth({ apiKeys, optional: true, scopes: ["read"] }),
        authenticate({ tokens }),
        authenticate({ tokens, cookie: "session", optional: true }),
      ];
      // The harness itself: a valid key and a valid token get through.
      expect(await drive(mws[0]!, { "x-api-key": key.reveal() }, "/")).toEqual({ ok: true });
      expect(await drive(mws[2]!, { authorization: `Bearer ${jwt}` }, "/")).toEqual({ ok: true });
      const credential = fc.oneof(anyString, segments, mutated(key.reveal()), mutated(jwt));
      const authorization = fc.oneof(
        credential.map((c) => `Bearer ${c}`),
        fc.tuple(fc.constantFrom("bearer", "Basic", "BEARER  ", ""), credential).map(([s, c]) => s + c),
        anyString,
      );
      const cookie = fc.oneof(
        credential.map((c) => `session=${c}`),
        fc
          .array(fc.tuple(anyString, credential), { maxLength: 4 })
          .map((ps) => ps.map(([n, v]) => `${n}=${v}`).join("; ")),
        anyString,
      );
      const headers = fc.record(
        { authorization, "x-api-key": fc.oneof(credential, fc.array(credential, { maxLength: 3 })), cookie },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...mws), headers, async (mw, h) => {
          await outcome(() => drive(mw, h, "/"));
        }),
        { numRuns: fuzzRuns() },
      );
    },
    FUZZ_TIMEOUT,
  );
});
