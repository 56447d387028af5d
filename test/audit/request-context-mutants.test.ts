import { describe, expect, it } from "vitest";
import { type AuditRequestLike, auditContextFromRequest } from "../../src/audit/index.js";
import { expectMoatError } from "../helpers/assertions.js";

const req = (headers: AuditRequestLike["headers"], remoteAddress?: string, id?: unknown): AuditRequestLike => ({
  headers,
  socket: remoteAddress === undefined ? null : { remoteAddress },
  ...(id === undefined ? {} : { id }),
});

describe("auditContextFromRequest (mutation survivors)", () => {
  it("trims whitespace around the request id header", () => {
    expect(auditContextFromRequest(req({ "x-request-id": "  req-7 \t" })).id).toBe("req-7");
    expect(auditContextFromRequest(req({ "x-request-id": [" req-8 ", "req-9"] })).id).toBe("req-8");
  });

  it("takes a numeric request id from middleware only when it is a safe integer", () => {
    expect(auditContextFromRequest(req({}, undefined, 42)).id).toBe("42");
    expect(auditContextFromRequest(req({}, undefined, 1.5)).id).toBeNull();
    expect(auditContextFromRequest(req({}, undefined, 2 ** 60)).id).toBeNull();
    expect(auditContextFromRequest(req({}, undefined, Number.NaN)).id).toBeNull();
  });

  it("refuses a request whose headers are null or not an object, saying so", () => {
    for (const headers of [null, "x-request-id: 1", 7]) {
      const err = expectMoatError(
        () => auditContextFromRequest({ headers, socket: { remoteAddress: "10.0.0.1" } } as never),
        "ERR_INVALID_INPUT",
      );
      expect(err.message).toBe("auditContextFromRequest needs a request with headers");
    }
  });

  it("names its options in the message of a configuration error", () => {
    const err = expectMoatError(() => auditContextFromRequest(req({}), { trustProxy: -1 }), "ERR_CONFIG");
    expect(err.message).toBe('invalid auditContextFromRequest options at "trustProxy"');
    const unknown = expectMoatError(() => auditContextFromRequest(req({}), { trustproxy: 1 } as never), "ERR_CONFIG");
    expect(unknown.message).toMatch(/^auditContextFromRequest options: unknown option "trustproxy"/);
  });

  it("keeps a client address of up to 64 characters and drops a longer one, even if valid", () => {
    const at64 = `fe80::1%${"a".repeat(56)}`;
    const at65 = `fe80::1%${"a".repeat(57)}`;
    expect(at64).toHaveLength(64);
    expect(auditContextFromRequest(req({}, at64)).ip).toBe(at64);
    expect(auditContextFromRequest(req({}, at65)).ip).toBeNull();
    expect(auditContextFromRequest(req({}, `fe80::1%${"a".repeat(200)}`)).ip).toBeNull();
    expect(auditContextFromRequest(req({})).ip).toBeNull();
  });
});
