import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type AuditRequestLike, auditContextFromRequest, buildAuditEvent } from "../../src/audit/index.js";
import { WRONG_TYPES, expectMoatError } from "../helpers/assertions.js";

const req = (headers: AuditRequestLike["headers"], remoteAddress?: string, id?: unknown): AuditRequestLike => ({
  headers,
  socket: remoteAddress === undefined ? null : { remoteAddress },
  ...(id === undefined ? {} : { id }),
});

describe("auditContextFromRequest", () => {
  it("reads the socket address, user agent and request id header", () => {
    expect(
      auditContextFromRequest(req({ "user-agent": "curl/8", "x-request-id": "req-1" }, "::ffff:10.1.2.3")),
    ).toEqual({
      id: "req-1",
      ip: "10.1.2.3",
      userAgent: "curl/8",
    });
  });

  it("ignores X-Forwarded-For unless told to trust proxies", () => {
    const r = req({ "x-forwarded-for": "198.51.100.1, 203.0.113.5" }, "10.0.0.2");
    expect(auditContextFromRequest(r).ip).toBe("10.0.0.2");
    expect(auditContextFromRequest(r, { trustProxy: false }).ip).toBe("10.0.0.2");
    expect(auditContextFromRequest(r, { trustProxy: 0 }).ip).toBe("10.0.0.2");
  });

  it("takes the n-th address from the right when n proxies are trusted", () => {
    const r = req({ "x-forwarded-for": "192.0.2.66, 198.51.100.1, 203.0.113.5" }, "10.0.0.2");
    expect(auditContextFromRequest(r, { trustProxy: 1 }).ip).toBe("203.0.113.5");
    expect(auditContextFromRequest(r, { trustProxy: 2 }).ip).toBe("198.51.100.1");
    expect(auditContextFromRequest(r, { trustProxy: 3 }).ip).toBe("192.0.2.66");
    expect(auditContextFromRequest(r, { trustProxy: 9 }).ip).toBe("192.0.2.66");
    expect(auditContextFromRequest(r, { trustProxy: true }).ip).toBe("192.0.2.66");
  });

  it("believes only hops from trusted addresses or ranges", () => {
    const r = req({ "x-forwarded-for": "198.51.100.1, 10.1.2.3" }, "10.0.0.2");
    expect(auditContextFromRequest(r, { trustProxy: "10.0.0.0/8" }).ip).toBe("198.51.100.1");
    expect(auditContextFromRequest(r, { trustProxy: ["10.0.0.2"] }).ip).toBe("10.1.2.3");
    expect(auditContextFromRequest(r, { trustProxy: "loopback" }).ip).toBe("10.0.0.2");
  });

  it("joins repeated X-Forwarded-For headers and strips ports and brackets", () => {
    const r = req({ "x-forwarded-for": ["192.0.2.1:5555", "[2001:DB8::1]:443"] }, "10.0.0.2");
    expect(auditContextFromRequest(r, { trustProxy: 1 }).ip).toBe("2001:db8::1");
    expect(auditContextFromRequest(r, { trustProxy: 2 }).ip).toBe("192.0.2.1");
  });

  it("falls back to the socket address when the trusted entry is not an address", () => {
    const r = req({ "x-forwarded-for": "<script>, unknown" }, "10.0.0.2");
    expect(auditContextFromRequest(r, { trustProxy: 1 }).ip).toBe("10.0.0.2");
    expect(auditContextFromRequest(req({ "x-forwarded-for": "nope" }), { trustProxy: true }).ip).toBeNull();
  });

  it("drops a request id that is too long or not printable ASCII, then tries req.id", () => {
    expect(auditContextFromRequest(req({ "x-request-id": "r".repeat(129) })).id).toBeNull();
    expect(auditContextFromRequest(req({ "x-request-id": "a b" }, undefined, 42)).id).toBe("42");
    expect(auditContextFromRequest(req({}, undefined, "pino-7")).id).toBe("pino-7");
    expect(auditContextFromRequest(req({}, undefined, { weird: true })).id).toBeNull();
    expect(
      auditContextFromRequest(req({ "x-correlation-id": "c-1" }), { requestIdHeader: "X-Correlation-Id" }).id,
    ).toBe("c-1");
  });

  it("cleans the user agent and cuts it to 512 characters", () => {
    expect(auditContextFromRequest(req({ "user-agent": "a\r\nb\u0000c" })).userAgent).toBe("abc");
    expect(auditContextFromRequest(req({ "user-agent": "u".repeat(5000) })).userAgent).toHaveLength(512);
    expect(auditContextFromRequest(req({ "user-agent": "\u0001\u0002" })).userAgent).toBeNull();
  });

  it("never throws on hostile headers, and its output always builds an event", () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom("x-forwarded-for", "user-agent", "x-request-id", "other"),
          fc.oneof(fc.string(), fc.array(fc.string())),
        ),
        fc.option(fc.string(), { nil: undefined }),
        fc.oneof(fc.boolean(), fc.integer({ min: 0, max: 32 })),
        (headers, remote, trustProxy) => {
          const ctx = auditContextFromRequest(req(headers, remote), { trustProxy });
          buildAuditEvent({
            orgId: "o",
            actor: { userId: "u" },
            action: "a",
            target: { type: "t", id: "i" },
            request: ctx,
          });
        },
      ),
    );
  });

  it("rejects a request without headers and bad options", () => {
    for (const bad of WRONG_TYPES)
      expectMoatError(
        () => auditContextFromRequest(bad as AuditRequestLike),
        bad === undefined || bad === null || typeof bad !== "object" || !("headers" in bad)
          ? "ERR_INVALID_INPUT"
          : "ERR_CONFIG",
      );
    expectMoatError(() => auditContextFromRequest(req({}), { trustProxy: -1 }), "ERR_CONFIG");
    expectMoatError(() => auditContextFromRequest(req({}), { trustProxy: "yes" }), "ERR_CONFIG");
    expectMoatError(() => auditContextFromRequest(req({}), { requestIdHeader: "bad header" }), "ERR_CONFIG");
  });
});
