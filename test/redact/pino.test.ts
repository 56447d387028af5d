import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createRedactor, pinoRedaction } from "../../src/redact/index.js";
import { redactingPino } from "../../src/redact/pino/index.js";

/** A real stream that collects the lines pino writes. */
function sink(): { stream: Writable; lines: () => Record<string, unknown>[]; raw: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString("utf8");
      callback();
    },
  });
  return {
    stream,
    raw: () => text,
    lines: () =>
      text
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe("redactingPino (moatkit/redact/pino)", () => {
  it("redacts messages, printf arguments, merged objects, errors and child bindings", () => {
    const out = sink();
    const logger = redactingPino({ base: null, timestamp: false }, out.stream);
    logger.info("signup alice@example.com");
    logger.info(
      { user: { email: "bob@example.com", password: "hunter2" }, count: 2 },
      "card %s from %s",
      "4242 4242 4242 4242",
      "+1 415 555 0132",
    );
    logger.warn("split %s@%s", "carol", "example.com");
    logger.error(new Error("no account for dave@example.com"));
    logger.child({ customer: "erin@example.com" }).info("ssn 536-22-4781 on file");
    const lines = out.lines();
    expect(lines[0]).toEqual({ level: 30, msg: "signup [EMAIL]" });
    expect(lines[1]).toEqual({
      level: 30,
      user: { email: "[EMAIL]", password: "[REDACTED]" },
      count: 2,
      msg: "card [CREDIT_CARD] from [PHONE]",
    });
    expect(lines[2]).toEqual({ level: 40, msg: "split [EMAIL]" });
    expect(lines[3]?.msg).toBe("no account for [EMAIL]");
    expect(JSON.stringify(lines[3]?.err)).not.toContain("dave@example.com");
    expect((lines[3]?.err as { type: string }).type).toBe("Error");
    expect(lines[4]).toEqual({ level: 30, customer: "[EMAIL]", msg: "ssn [SSN] on file" });
    for (const pii of ["alice@", "bob@", "hunter2", "4242", "415 555", "carol", "dave@", "erin@", "536-22"])
      expect(out.raw()).not.toContain(pii);
  });

  it("keeps the caller's hooks and formatters, and redacts what they add", () => {
    const out = sink();
    const logger = redactingPino(
      {
        base: { service: "api", owner: "jack@example.com" },
        timestamp: false,
        redactor: createRedactor({ replace: "mask" }),
        mixin: () => ({ operator: "ops@example.com" }),
        hooks: {
          logMethod(args, method) {
            method.apply(this, [...args, "(from hook: frank@example.com)"] as never);
          },
        },
        formatters: {
          log: (o) => ({ ...o, added: "4242424242424242" }),
          bindings: (b) => ({ ...b, tenant: "acme" }),
        },
      },
      out.stream,
    );
    logger.child({ who: "gina@example.com" }).child({ also: "kim@example.com" }).info("hello %s", "harry@example.com");
    const [line] = out.lines();
    expect(line).toEqual({
      level: 30,
      service: "api",
      owner: "****@*******.***",
      tenant: "acme",
      who: "****@*******.***",
      also: "***@*******.***",
      operator: "***@*******.***",
      added: "************4242",
      msg: "hello *****@*******.*** (from hook: *****@*******.***)",
    });
  });

  it("logs through any pino instance built with pinoRedaction() (moatkit/redact, no pino import)", () => {
    const out = sink();
    const logger = pino(
      { base: { host: "lee@example.com" }, timestamp: false, ...pinoRedaction(createRedactor()) },
      out.stream,
    );
    logger.info({ phone: "(415) 555-0132" }, "mail %s", "ivan@example.com");
    expect(out.lines()[0]).toEqual({ level: 30, host: "[EMAIL]", phone: "[PHONE]", msg: "mail [EMAIL]" });
  });
});
