import { request as httpRequest, type IncomingMessage } from "node:http";
import express from "express";
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  CREDENTIAL_REASON_STATUS,
  HTTP_ERROR_STATUS,
  credentialError,
  errorHandler,
  isCredentialError,
  type ErrorHandlerOptions,
  type ErrorResponseInfo,
} from "../../src/express/index.js";
import { ERROR_CODES, MoatError, type MoatErrorCode } from "../../src/errors.js";
import { WRONG_TYPES, expectMoatError } from "../helpers/assertions.js";
import { listen, request, type Listening } from "./http.js";

let toThrow: unknown;
let throwAsync = false;
const handled: { error: unknown; info: ErrorResponseInfo }[] = [];

function buildApp(options: ErrorHandlerOptions = {}) {
  const app = express();
  app.use(express.json({ limit: "1kb" }));
  app.all("/throw", async (_req, res) => {
    res.setHeader("content-disposition", 'attachment; filename="report.csv"');
    if (throwAsync) await Promise.resolve();
    throw toThrow;
  });
  app.post("/json", (req, res) => {
    res.json({ body: req.body as unknown });
  });
  app.get("/partial", (_req, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    res.write("half of a ");
    throw new Error("broke mid-stream");
  });
  app.use(
    errorHandler({
      onError: (error, _req, info) => {
        handled.push({ error, info });
      },
      ...options,
    }),
  );
  return app;
}

let server: Listening;
beforeAll(async () => {
  server = await listen(buildApp({ reasons: { step_up_required: 401, captcha_failed: 403 } }));
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  handled.length = 0;
  throwAsync = false;
});

async function answerTo(value: unknown) {
  toThrow = value;
  return request(server.port, { path: "/throw" });
}

describe("errorHandler: the status table", () => {
  const expected: Record<MoatErrorCode, [number, string]> = {
    ERR_INVALID_INPUT: [400, "ERR_INVALID_INPUT"],
    ERR_FORBIDDEN: [403, "ERR_FORBIDDEN"],
    ERR_NO_TENANT: [403, "ERR_NO_TENANT"],
    ERR_TENANT_SCOPE: [403, "ERR_TENANT_SCOPE"],
    ERR_ABORTED: [503, "ERR_ABORTED"],
    ERR_CONFIG: [500, "ERR_INTERNAL"],
    ERR_DECRYPT: [500, "ERR_INTERNAL"],
    ERR_KEY_NOT_FOUND: [500, "ERR_INTERNAL"],
    ERR_STORE: [500, "ERR_INTERNAL"],
    ERR_INTEGRITY: [500, "ERR_INTERNAL"],
    ERR_UNSUPPORTED: [500, "ERR_INTERNAL"],
  };

  it("maps every MoatError code", async () => {
    expect(Object.keys(expected).sort()).toEqual(Object.keys(ERROR_CODES).sort());
    for (const code of Object.keys(ERROR_CODES) as MoatErrorCode[]) {
      const reply = await answerTo(new MoatError(code, { message: `internal detail for ${code}` }));
      const [status, body] = expected[code];
      expect([reply.status, reply.json()], code).toEqual([status, { error: body }]);
    }
  });

  it("answers listed credential reasons with the reason, others with ERR_UNAUTHENTICATED", async () => {
    for (const [reason, status] of Object.entries(CREDENTIAL_REASON_STATUS)) {
      const reply = await answerTo(credentialError(reason));
      expect([reply.status, reply.json()]).toEqual([status, { error: reason }]);
    }
    expect(CREDENTIAL_REASON_STATUS).toEqual({ invalid: 401, invalid_credentials: 401, expired: 401, revoked: 401, mfa_required: 401, insufficient_scope: 403, rate_limited: 429 });
    // Reasons that would tell a client which of several checks failed are not passed through.
    for (const reason of ["malformed", "checksum", "not_found", "invalid_signature", "unknown_key", "wrong_audience", "replayed", "reused", "used"]) {
      const reply = await answerTo(credentialError(reason));
      expect([reply.status, reply.json()], reason).toEqual([401, { error: "ERR_UNAUTHENTICATED" }]);
    }
    expect([(await answerTo(credentialError("step_up_required"))).status, (await answerTo(credentialError("captcha_failed"))).status]).toEqual([401, 403]);
    const unlisted = await answerTo(credentialError("user_not_found_in_tenant_42"));
    expect([unlisted.status, unlisted.json()]).toEqual([401, { error: "ERR_UNAUTHENTICATED" }]);
  });

  it("answers rate_limited with 429 and Retry-After in whole seconds, rounded up", async () => {
    const reply = await answerTo(credentialError("rate_limited", { retryAfterMs: 1500 }));
    expect([reply.status, reply.json(), reply.headers["retry-after"]]).toEqual([429, { error: "rate_limited" }, "2"]);
    expect((await answerTo(credentialError("rate_limited", { retryAfterMs: 0 }))).headers["retry-after"]).toBe("1");
    expect((await answerTo(credentialError("rate_limited"))).headers["retry-after"]).toBeUndefined();
    expect((await answerTo(credentialError("rate_limited", { retryAfterMs: Number.NaN }))).headers["retry-after"]).toBeUndefined();
    // Retry-After belongs to 429 only.
    expect((await answerTo(credentialError("expired", { retryAfterMs: 5000 }))).headers["retry-after"]).toBeUndefined();
  });

  it("maps body-parser and http-errors style client errors by status", async () => {
    const bad = await request(server.port, { method: "POST", path: "/json", body: "{oops", headers: { "content-type": "application/json" } });
    expect([bad.status, bad.json()]).toEqual([400, { error: "ERR_INVALID_INPUT" }]);
    const big = await request(server.port, { method: "POST", path: "/json", body: JSON.stringify({ a: "x".repeat(2000) }), headers: { "content-type": "application/json" } });
    expect([big.status, big.json()]).toEqual([413, { error: "ERR_PAYLOAD_TOO_LARGE" }]);
    const charset = await request(server.port, { method: "POST", path: "/json", body: "{}", headers: { "content-type": "application/json; charset=klingon" } });
    expect([charset.status, charset.json()]).toEqual([415, { error: "ERR_UNSUPPORTED_MEDIA_TYPE" }]);
    for (const [status, code] of [
      [401, "ERR_UNAUTHENTICATED"],
      [403, "ERR_FORBIDDEN"],
      [404, "ERR_NOT_FOUND"],
      [409, "ERR_INTERNAL"],
      [502, "ERR_INTERNAL"],
    ] as const) {
      const reply = await answerTo(Object.assign(new Error("no such note 42"), { status, expose: true }));
      expect([reply.status, reply.json()]).toEqual([HTTP_ERROR_STATUS[code], { error: code }]);
    }
    // A plain object's status is not believed: only Errors are http-errors.
    expect((await answerTo({ status: 404 })).status).toBe(500);
  });

  it("answers anything else with 500 ERR_INTERNAL, sync or async", async () => {
    for (const value of [new Error("db password is hunter2"), new TypeError("x is undefined"), "a string", 42, { any: "object" }, [1, 2], Symbol("s")]) {
      for (const async of [false, true]) {
        throwAsync = async;
        const reply = await answerTo(value);
        expect([reply.status, reply.json()]).toEqual([500, { error: "ERR_INTERNAL" }]);
      }
    }
  });

  it("sends JSON that caches nowhere and drops the failed handler's representation headers", async () => {
    const reply = await answerTo(new MoatError("ERR_FORBIDDEN"));
    expect(reply.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(reply.headers["cache-control"]).toBe("no-store");
    expect(reply.headers["x-content-type-options"]).toBe("nosniff");
    expect(reply.headers["content-disposition"]).toBeUndefined();
    expect(Number(reply.headers["content-length"])).toBe(reply.text.length);
  });
});

describe("errorHandler: logging and partial responses", () => {
  it("hands the original error and the answer to onError", async () => {
    const original = new MoatError("ERR_STORE", { message: "store failed", cause: new Error("connection refused") });
    await answerTo(original);
    expect(handled).toEqual([{ error: original, info: { status: 500, code: "ERR_INTERNAL", headersSent: false } }]);
  });

  it("still answers when onError throws", async () => {
    const app = buildApp({
      onError: () => {
        throw new Error("logger down");
      },
    });
    const s = await listen(app);
    toThrow = new MoatError("ERR_FORBIDDEN");
    const reply = await request(s.port, { path: "/throw" });
    await s.close();
    expect([reply.status, reply.json()]).toEqual([403, { error: "ERR_FORBIDDEN" }]);
  });

  it("cuts off a response that had already started instead of appending an error to it", async () => {
    const req = httpRequest({ host: "127.0.0.1", port: server.port, path: "/partial", agent: false });
    req.end();
    let text = "";
    // Depending on whether the first bytes were flushed before the connection was destroyed, the
    // client sees a truncated response or a hang-up; never a completed one.
    const outcome = await new Promise<string>((resolve) => {
      req.on("error", () => { resolve("hang-up"); });
      req.on("response", (res: IncomingMessage) => {
        res.on("data", (d) => (text += String(d)));
        res.on("end", () => { resolve("end"); });
        res.on("aborted", () => { resolve("truncated"); });
        res.on("error", () => { resolve("truncated"); });
      });
    });
    expect(["hang-up", "truncated"]).toContain(outcome);
    expect(text).not.toContain("error");
    expect(handled[0]?.info).toEqual({ status: 500, code: "ERR_INTERNAL", headersSent: true });
  });
});

describe("errorHandler: never leaks what was thrown", () => {
  const ALLOWED_CODES = new Set([...Object.keys(HTTP_ERROR_STATUS), ...Object.keys(CREDENTIAL_REASON_STATUS), "step_up_required", "captcha_failed"]);
  const moatCodes = Object.keys(ERROR_CODES) as MoatErrorCode[];

  const secret = fc.stringMatching(/^[A-Za-z0-9]{16,32}$/).map((s) => `sk_live_${s}`);
  // Factories rather than values: fast-check inspects generated values, which a hostile Proxy
  // would not survive.
  const thrown = (s: string): fc.Arbitrary<() => unknown> =>
    fc.oneof(
      fc.constant(() => new Error(`password=${s}`)),
      fc.constantFrom(...moatCodes).map((code) => () => new MoatError(code, { message: `failed for ${s}`, details: { key: s, nested: [s] }, cause: new Error(s) })),
      fc.constant(() => s),
      fc.constant(() => [s, { s }]),
      fc
        .record({
          message: fc.constant(s),
          stack: fc.constant(s),
          code: fc.constant(s),
          reason: fc.constant(s),
          status: fc.integer({ min: 100, max: 999 }),
          statusCode: fc.integer({ min: 100, max: 999 }),
          expose: fc.boolean(),
          headers: fc.constant({ "x-secret": s }),
        })
        .map((value) => () => value),
      fc.integer({ min: 100, max: 999 }).map((status) => () => Object.assign(new Error(s), { status, expose: true, body: s, headers: { "retry-after": s } })),
      fc.constant(() => credentialError(s)),
      fc
        .tuple(fc.constantFrom(...Object.keys(CREDENTIAL_REASON_STATUS)), fc.option(fc.integer({ min: 0, max: 10 ** 9 }), { nil: undefined }))
        .map(([reason, retryAfterMs]) => () => credentialError(reason, { retryAfterMs })),
      fc.constant(() => Object.assign(new Error(s), { name: s, code: "ERR_FORBIDDEN" })),
      fc.constant(() => ({ toString: () => s, toJSON: () => s, [Symbol.toPrimitive]: () => s })),
      fc.constant(
        () =>
          new Proxy(new Error(s), {
            get() {
              throw new Error(s);
            },
            getPrototypeOf() {
              throw new Error(s);
            },
            has() {
              throw new Error(s);
            },
          }),
      ),
      fc.constant(() =>
        Object.defineProperty(new Error(s), "status", {
          get() {
            throw new Error(s);
          },
        }),
      ),
    );

  it("answers only { error: code } with a known code, whatever is thrown", async () => {
    await fc.assert(
      fc.asyncProperty(
        secret.chain((s) => fc.tuple(fc.constant(s), thrown(s), fc.boolean())),
        async ([s, make, async]) => {
          throwAsync = async;
          const reply = await answerTo(make());
          expect(reply.status).toBeGreaterThanOrEqual(400);
          expect(reply.status).toBeLessThan(600);
          const body = reply.json() as Record<string, unknown>;
          expect(Object.keys(body)).toEqual(["error"]);
          expect(ALLOWED_CODES.has(String(body.error))).toBe(true);
          expect(reply.text).not.toContain(s);
          expect(reply.text).not.toContain("sk_live_");
          expect(JSON.stringify(reply.headers)).not.toContain(s);
        },
      ),
    );
  }, 60_000);
});

describe("errorHandler and credentialError: construction", () => {
  it("rejects bad options", () => {
    expectMoatError(() => errorHandler({ reasons: { "Not-Snake": 401 } }), "ERR_CONFIG");
    expectMoatError(() => errorHandler({ reasons: { fine: 500 } }), "ERR_CONFIG");
    expectMoatError(() => errorHandler({ reasons: { fine: 401.5 } }), "ERR_CONFIG");
    expectMoatError(() => errorHandler({ onError: "log" } as never), "ERR_CONFIG");
    expectMoatError(() => errorHandler({ onerror: () => {} } as never), "ERR_CONFIG");
    for (const bad of WRONG_TYPES) {
      if (bad !== undefined && !(typeof bad === "object" && bad !== null && !Array.isArray(bad))) expectMoatError(() => errorHandler(bad as never), "ERR_CONFIG");
    }
  });

  it("returns a four-parameter function, which is how express recognises error handlers", () => {
    expect(errorHandler()).toHaveLength(4);
  });

  it("makes credential errors with a fixed message that never carries the reason", () => {
    const err = credentialError("expired", { retryAfterMs: 10 });
    expect(isCredentialError(err)).toBe(true);
    expect(err.message).toBe("credential check failed");
    expect(err.name).toBe("CredentialError");
    expect(err.stack).not.toContain("expired");
    expect(err.reason).toBe("expired");
    expect(err.retryAfterMs).toBe(10);
    expect(credentialError("x", { retryAfterMs: -5 }).retryAfterMs).toBeUndefined();
    expect(isCredentialError(new Error("credential check failed"))).toBe(false);
    expect(isCredentialError({ reason: "expired" })).toBe(false);
  });
});
