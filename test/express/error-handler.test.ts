import { request as httpRequest, type IncomingMessage } from "node:http";
import { types } from "node:util";
import express from "express";
import fc from "fast-check";
// http-errors is what express and body-parser throw with; it comes with express (not a dependency of moatkit).
import createError from "http-errors";
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
import { statusName } from "../../src/express/http-errors.js";
import { ERROR_CODES, MoatError, isMoatError, type MoatErrorCode } from "../../src/errors.js";
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
    ERR_OVERLOADED: [503, "ERR_OVERLOADED"],
    ERR_CONFIG: [500, "ERR_INTERNAL"],
    ERR_DECRYPT: [500, "ERR_INTERNAL"],
    ERR_KEY_NOT_FOUND: [500, "ERR_INTERNAL"],
    ERR_STORE: [500, "ERR_INTERNAL"],
    ERR_INTEGRITY: [500, "ERR_INTERNAL"],
    ERR_UNSUPPORTED: [500, "ERR_INTERNAL"],
    ERR_KEY_PROVIDER: [500, "ERR_INTERNAL"],
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
    expect(CREDENTIAL_REASON_STATUS).toEqual({
      invalid: 401,
      invalid_credentials: 401,
      expired: 401,
      revoked: 401,
      mfa_required: 401,
      insufficient_scope: 403,
      rate_limited: 429,
    });
    // Reasons that would tell a client which of several checks failed are not passed through.
    for (const reason of [
      "malformed",
      "checksum",
      "not_found",
      "invalid_signature",
      "unknown_key",
      "wrong_audience",
      "replayed",
      "reused",
      "used",
    ]) {
      const reply = await answerTo(credentialError(reason));
      expect([reply.status, reply.json()], reason).toEqual([401, { error: "ERR_UNAUTHENTICATED" }]);
    }
    expect([
      (await answerTo(credentialError("step_up_required"))).status,
      (await answerTo(credentialError("captcha_failed"))).status,
    ]).toEqual([401, 403]);
    const unlisted = await answerTo(credentialError("user_not_found_in_tenant_42"));
    expect([unlisted.status, unlisted.json()]).toEqual([401, { error: "ERR_UNAUTHENTICATED" }]);
  });

  it("answers ERR_OVERLOADED (the bcrypt queue is full) with 503 and Retry-After in whole seconds", async () => {
    const overloaded = (details?: Record<string, unknown>) =>
      answerTo(new MoatError("ERR_OVERLOADED", details === undefined ? {} : { details }));
    const reply = await overloaded({ retryAfterMs: 1500 });
    expect([reply.status, reply.json(), reply.headers["retry-after"]]).toEqual([503, { error: "ERR_OVERLOADED" }, "2"]);
    // Without a usable estimate the client is still told to come back, after a second.
    for (const details of [undefined, { retryAfterMs: -5 }, { retryAfterMs: Number.NaN }, { retryAfterMs: "9" }]) {
      expect((await overloaded(details)).headers["retry-after"]).toBe("1");
    }
    expect((await overloaded({ retryAfterMs: 1e12 })).headers["retry-after"]).toBe("3600");
  });

  it("answers rate_limited with 429 and Retry-After in whole seconds, rounded up", async () => {
    const reply = await answerTo(credentialError("rate_limited", { retryAfterMs: 1500 }));
    expect([reply.status, reply.json(), reply.headers["retry-after"]]).toEqual([429, { error: "rate_limited" }, "2"]);
    expect((await answerTo(credentialError("rate_limited", { retryAfterMs: 0 }))).headers["retry-after"]).toBe("1");
    expect((await answerTo(credentialError("rate_limited"))).headers["retry-after"]).toBeUndefined();
    expect(
      (await answerTo(credentialError("rate_limited", { retryAfterMs: Number.NaN }))).headers["retry-after"],
    ).toBeUndefined();
    // Retry-After belongs to 429 only.
    expect((await answerTo(credentialError("expired", { retryAfterMs: 5000 }))).headers["retry-after"]).toBeUndefined();
  });

  it("maps body-parser and http-errors style client errors by status", async () => {
    const bad = await request(server.port, {
      method: "POST",
      path: "/json",
      body: "{oops",
      headers: { "content-type": "application/json" },
    });
    expect([bad.status, bad.json()]).toEqual([400, { error: "ERR_INVALID_INPUT" }]);
    const big = await request(server.port, {
      method: "POST",
      path: "/json",
      body: JSON.stringify({ a: "x".repeat(2000) }),
      headers: { "content-type": "application/json" },
    });
    expect([big.status, big.json()]).toEqual([413, { error: "ERR_PAYLOAD_TOO_LARGE" }]);
    const charset = await request(server.port, {
      method: "POST",
      path: "/json",
      body: "{}",
      headers: { "content-type": "application/json; charset=klingon" },
    });
    expect([charset.status, charset.json()]).toEqual([415, { error: "ERR_UNSUPPORTED_MEDIA_TYPE" }]);
    for (const [status, code] of [
      [401, "ERR_UNAUTHENTICATED"],
      [403, "ERR_FORBIDDEN"],
      [404, "ERR_NOT_FOUND"],
      [409, "ERR_CONFLICT"],
      [502, "ERR_BAD_GATEWAY"],
    ] as const) {
      const reply = await answerTo(Object.assign(new Error("no such note 42"), { status, expose: true }));
      expect([reply.status, reply.json()]).toEqual([HTTP_ERROR_STATUS[code], { error: code }]);
    }
    // A plain object's status is not believed: only Errors are http-errors.
    expect((await answerTo({ status: 404 })).status).toBe(500);
  });

  it("answers anything else with 500 ERR_INTERNAL, sync or async", async () => {
    for (const value of [
      new Error("db password is hunter2"),
      new TypeError("x is undefined"),
      "a string",
      42,
      { any: "object" },
      [1, 2],
      Symbol("s"),
    ]) {
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

describe("errorHandler: errors that carry an HTTP status", () => {
  const everyErrorStatus = Array.from({ length: 200 }, (_, i) => 400 + i);
  // The statuses http-errors has a named class for; 418 and 509 are not in the IANA registry.
  const namedByHttpErrors = everyErrorStatus.filter((status) => status in createError);

  it("keeps every 4xx/5xx status http-errors creates, with the code named after it", async () => {
    const answers: [number, number, unknown][] = [];
    for (const status of everyErrorStatus) {
      const reply = await answerTo(createError(status, `row 42 of tenant acme is locked by ${status}`));
      answers.push([status, reply.status, reply.json()]);
      expect(reply.text).not.toContain("tenant acme");
    }
    expect(answers).toEqual(everyErrorStatus.map((status) => [status, status, { error: statusName(status).code }]));
    // The six the issue reported as answered 500 ERR_INTERNAL before 0.2.
    expect(
      answers.filter(([status]) => [405, 409, 410, 422, 429, 503].includes(status)).map(([, , body]) => body),
    ).toEqual(
      [
        "ERR_METHOD_NOT_ALLOWED",
        "ERR_CONFLICT",
        "ERR_GONE",
        "ERR_UNPROCESSABLE_CONTENT",
        "ERR_TOO_MANY_REQUESTS",
        "ERR_SERVICE_UNAVAILABLE",
      ].map((error) => ({ error })),
    );
  });

  it("names every registered status with a code of HTTP_ERROR_STATUS that maps back to it", () => {
    const registered = namedByHttpErrors.filter((status) => status !== 418 && status !== 509);
    for (const status of registered) expect(HTTP_ERROR_STATUS[statusName(status).code], String(status)).toBe(status);
    // Statuses nobody registered read as their class's x00 (RFC 9110 §15).
    expect([418, 420, 499, 509, 599].map((status) => statusName(status).code)).toEqual([
      "ERR_INVALID_INPUT",
      "ERR_INVALID_INPUT",
      "ERR_INVALID_INPUT",
      "ERR_INTERNAL",
      "ERR_INTERNAL",
    ]);
    expect(namedByHttpErrors.length).toBeGreaterThan(35);
  });

  it("reads status, then statusCode, as express's final handler does, and only 400–599 integers", async () => {
    const cases: [unknown, number][] = [
      [Object.assign(new Error("x"), { statusCode: 409 }), 409],
      [Object.assign(new Error("x"), { status: 200, statusCode: 410 }), 410],
      [Object.assign(new Error("x"), { status: 422, statusCode: 410 }), 422],
      [Object.assign(new Error("x"), { status: 302 }), 500],
      [Object.assign(new Error("x"), { status: 600 }), 500],
      [Object.assign(new Error("x"), { status: 404.5 }), 500],
      [Object.assign(new Error("x"), { status: "404" }), 500],
      [{ status: 409 }, 500],
    ];
    // A getter that answers differently each time it is read is read once.
    let reads = 0;
    cases.push([
      Object.defineProperty(new Error("x"), "status", { get: () => (reads++ % 2 === 0 ? 409 : "409; drop table") }),
      409,
    ]);
    for (const [thrown, status] of cases) expect((await answerTo(thrown)).status, JSON.stringify(thrown)).toBe(status);
  });

  it("never sends an error's own message, even a 4xx marked expose", async () => {
    for (const status of [400, 404, 409, 422, 500, 502, 503]) {
      const err = createError(status, "user bob@example.com has no access to invoice 7", { expose: true });
      expect(err.expose).toBe(true);
      const reply = await answerTo(err);
      expect(reply.text).not.toMatch(/bob|invoice/);
    }
  });

  it("keeps a well-formed Retry-After on a 429 or 503 and Allow on a 405, and no other header", async () => {
    const date = new Date(Date.UTC(2030, 0, 2, 3, 4, 5)).toUTCString();
    const retryAfter = async (status: number, value: unknown) =>
      (await answerTo(createError(status, { headers: { "Retry-After": value, "X-Debug": "secret" } }))).headers[
        "retry-after"
      ];
    expect(await retryAfter(429, "120")).toBe("120");
    expect(await retryAfter(503, date)).toBe(date);
    expect(await retryAfter(503, 30)).toBe("30");
    for (const bad of [
      "120; sk_live_x",
      "-1",
      "1.5",
      "Tue, 32 Jan 2030 00:00:00 GMT",
      "tomorrow",
      1.5,
      -3,
      null,
      ["1"],
    ]) {
      expect(await retryAfter(429, bad), JSON.stringify(bad)).toBeUndefined();
    }
    // Retry-After means something on 429 and 503 only.
    expect(await retryAfter(409, "120")).toBeUndefined();
    const lowerCase = await answerTo(createError(429, { headers: { "retry-after": "7" } }));
    expect([lowerCase.status, lowerCase.headers["retry-after"], lowerCase.headers["x-debug"]]).toEqual([
      429,
      "7",
      undefined,
    ]);

    const allow = async (value: string) =>
      (await answerTo(createError(405, { headers: { Allow: value } }))).headers.allow;
    expect(await allow("GET,HEAD")).toBe("GET, HEAD");
    expect(await allow("GET, secret")).toBeUndefined();

    const hostile = Object.defineProperty(createError(503), "headers", {
      get() {
        throw new Error("boom");
      },
    });
    const reply = await answerTo(hostile);
    expect([reply.status, reply.json(), reply.headers["retry-after"]]).toEqual([
      503,
      { error: "ERR_SERVICE_UNAVAILABLE" },
      undefined,
    ]);
  });

  it("keeps the status and never the message, for any status and message (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 400, max: 599 }),
        fc.stringMatching(/^[A-Za-z0-9 ]{8,40}$/).map((s) => `leak:${s}`),
        fc.boolean(),
        fc.constantFrom("http-errors", "status", "statusCode"),
        async (status, message, expose, how) => {
          const thrown =
            how === "http-errors"
              ? createError(status, message, { expose })
              : Object.assign(new Error(message), { [how]: status, expose });
          const reply = await answerTo(thrown);
          expect(reply.status).toBe(status);
          expect(reply.json()).toEqual({ error: statusName(status).code });
          expect(reply.text).not.toContain("leak:");
        },
      ),
      { numRuns: 200 },
    );
  }, 60_000);
});

describe("errorHandler: RFC 9457 problem details", () => {
  let problems: Listening;
  beforeAll(async () => {
    problems = await listen(buildApp({ format: "problem", reasons: { captcha_failed: 403 } }));
  });
  afterAll(async () => {
    await problems.close();
  });
  async function problemFor(value: unknown) {
    toThrow = value;
    return request(problems.port, { path: "/throw" });
  }

  it("answers application/problem+json with type, title, status and the code", async () => {
    const reply = await problemFor(createError(422, "field email of user 7 is taken"));
    expect(reply.status).toBe(422);
    expect(reply.headers["content-type"]).toBe("application/problem+json");
    expect(reply.headers["cache-control"]).toBe("no-store");
    expect(reply.json()).toEqual({
      type: "about:blank",
      title: "Unprocessable Content",
      status: 422,
      code: "ERR_UNPROCESSABLE_CONTENT",
    });
    expect(Number(reply.headers["content-length"])).toBe(Buffer.byteLength(reply.text));
  });

  it("gives every kind of failure the same shape, titled with the status's reason phrase", async () => {
    const cases: [unknown, object][] = [
      [new MoatError("ERR_NO_TENANT"), { title: "Forbidden", status: 403, code: "ERR_NO_TENANT" }],
      [
        new MoatError("ERR_STORE", { message: "db at 10.0.0.5 down" }),
        { title: "Internal Server Error", status: 500, code: "ERR_INTERNAL" },
      ],
      [credentialError("expired"), { title: "Unauthorized", status: 401, code: "expired" }],
      [credentialError("captcha_failed"), { title: "Forbidden", status: 403, code: "captcha_failed" }],
      [createError(413), { title: "Content Too Large", status: 413, code: "ERR_PAYLOAD_TOO_LARGE" }],
      [createError(499), { title: "Bad Request", status: 499, code: "ERR_INVALID_INPUT" }],
      [new Error("db password is hunter2"), { title: "Internal Server Error", status: 500, code: "ERR_INTERNAL" }],
    ];
    for (const [thrown, expected] of cases) {
      const reply = await problemFor(thrown);
      expect([reply.status, reply.json()]).toEqual([
        (expected as { status: number }).status,
        { type: "about:blank", ...expected },
      ]);
    }
    const limited = await problemFor(credentialError("rate_limited", { retryAfterMs: 2500 }));
    expect([limited.status, limited.headers["retry-after"], (limited.json() as { title: string }).title]).toEqual([
      429,
      "3",
      "Too Many Requests",
    ]);
  });

  it("never carries detail or instance, whatever is thrown (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 100, max: 999 }),
        fc.stringMatching(/^[A-Za-z0-9]{8,24}$/),
        async (status, secret) => {
          const reply = await problemFor(
            Object.assign(new Error(`detail ${secret}`), {
              status,
              expose: true,
              detail: secret,
              instance: `/x/${secret}`,
            }),
          );
          const body = reply.json() as Record<string, unknown>;
          expect(Object.keys(body).sort()).toEqual(["code", "status", "title", "type"]);
          expect(body.status).toBe(reply.status);
          expect(reply.text).not.toContain(secret);
        },
      ),
      { numRuns: 100 },
    );
  }, 60_000);
});

describe("errorHandler: logging and partial responses", () => {
  it("hands a copy of the error and the answer to onError", async () => {
    const original = new MoatError("ERR_STORE", { message: "store failed", cause: new Error("connection refused") });
    await answerTo(original);
    expect(handled).toEqual([{ error: original, info: { status: 500, code: "ERR_INTERNAL", headersSent: false } }]);
    const copy = handled[0]?.error;
    // A copy (what the error carries of its input is left out of it), still a real MoatError.
    expect(copy).not.toBe(original);
    expect(copy).toBeInstanceOf(MoatError);
    expect(isMoatError(copy, "ERR_STORE")).toBe(true);
    expect(types.isNativeError(copy)).toBe(true);
    expect((copy as Error).stack).toBe(original.stack);
    expect((copy as Error).cause).toEqual(original.cause);
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
      req.on("error", () => {
        resolve("hang-up");
      });
      req.on("response", (res: IncomingMessage) => {
        res.on("data", (d) => (text += String(d)));
        res.on("end", () => {
          resolve("end");
        });
        res.on("aborted", () => {
          resolve("truncated");
        });
        res.on("error", () => {
          resolve("truncated");
        });
      });
    });
    expect(["hang-up", "truncated"]).toContain(outcome);
    expect(text).not.toContain("error");
    expect(handled[0]?.info).toEqual({ status: 500, code: "ERR_INTERNAL", headersSent: true });
  });
});

describe("errorHandler: never leaks what was thrown", () => {
  const ALLOWED_CODES = new Set([
    ...Object.keys(HTTP_ERROR_STATUS),
    ...Object.keys(CREDENTIAL_REASON_STATUS),
    "step_up_required",
    "captcha_failed",
  ]);
  const moatCodes = Object.keys(ERROR_CODES) as MoatErrorCode[];

  const secret = fc.stringMatching(/^[A-Za-z0-9]{16,32}$/).map((s) => `sk_live_${s}`);
  // Factories rather than values: fast-check inspects generated values, which a hostile Proxy
  // would not survive.
  const thrown = (s: string): fc.Arbitrary<() => unknown> =>
    fc.oneof(
      fc.constant(() => new Error(`password=${s}`)),
      fc
        .constantFrom(...moatCodes)
        .map(
          (code) => () =>
            new MoatError(code, { message: `failed for ${s}`, details: { key: s, nested: [s] }, cause: new Error(s) }),
        ),
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
      fc
        .integer({ min: 100, max: 999 })
        .map(
          (status) => () =>
            Object.assign(new Error(s), { status, expose: true, body: s, headers: { "retry-after": s } }),
        ),
      fc.constant(() => credentialError(s)),
      fc
        .tuple(
          fc.constantFrom(...Object.keys(CREDENTIAL_REASON_STATUS)),
          fc.option(fc.integer({ min: 0, max: 10 ** 9 }), { nil: undefined }),
        )
        .map(
          ([reason, retryAfterMs]) =>
            () =>
              credentialError(reason, { retryAfterMs }),
        ),
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
    expectMoatError(() => errorHandler({ format: "xml" } as never), "ERR_CONFIG");
    for (const bad of WRONG_TYPES) {
      if (bad !== undefined && !(typeof bad === "object" && bad !== null && !Array.isArray(bad)))
        expectMoatError(() => errorHandler(bad as never), "ERR_CONFIG");
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
