/**
 * Errors in redacted values: inside an error, input keys (`body`, `data`, …) are withheld and a
 * JSON.parse message loses the input it quotes; outside errors nothing changes.
 */
import { types } from "node:util";
import { describe, expect, it } from "vitest";
import { REDACTED, createRedactor } from "../../src/redact/index.js";
import { ERROR_INPUT_KEYS, errorMessage } from "../../src/redact/error-input.js";
import { withoutErrorInput } from "../../src/redact/redact-deep.js";

const SECRET = "s3cr3t-Passw0rd";

function parseError(text: string): SyntaxError {
  try {
    JSON.parse(text);
  } catch (err) {
    return err as SyntaxError;
  }
  throw new Error("parsed");
}

describe("JSON.parse messages", () => {
  it("keep a message that names only a position, and withhold one that quotes the input", () => {
    const unterminated = parseError(`{"password":"${SECRET}`);
    expect(errorMessage(unterminated, unterminated.message)).toBe(unterminated.message);
    for (const text of [SECRET, `"${SECRET}"x`, `{"a":1}${SECRET}`, `[${SECRET}]`, `{"a":${SECRET}}`]) {
      const error = parseError(text);
      const logged = errorMessage(error, error.message);
      expect(logged).not.toContain(SECRET.slice(0, 4));
      expect(logged).toMatch(/JSON/);
    }
    // The forms older and newer V8 versions use.
    const legacy = new SyntaxError(`Unexpected token ${SECRET[0] ?? ""} in JSON at position 7`);
    expect(errorMessage(legacy, legacy.message)).toBe("Unexpected token in JSON at position 7 (input withheld)");
    const withLine = new SyntaxError("Unterminated string in JSON at position 12 (line 1 column 13)");
    expect(errorMessage(withLine, withLine.message)).toBe(withLine.message);
  });

  it("leave other SyntaxErrors and other errors alone", () => {
    const regex = new SyntaxError("Invalid regular expression: /(/: Unterminated group");
    expect(errorMessage(regex, regex.message)).toBe(regex.message);
    const plain = new Error("Unexpected token 'x', \"x\" is not valid JSON");
    expect(errorMessage(plain, plain.message)).toBe(plain.message);
  });
});

describe("redactValue and withoutErrorInput on errors", () => {
  const redactor = createRedactor({ sensitiveKeys: ["ssn"] });

  it("withhold input keys inside errors, at any depth and in causes, but not outside errors", () => {
    const inner = Object.assign(new Error("upstream"), {
      rawBody: SECRET,
      response: { data: { echo: SECRET }, status: 502 },
      details: [{ input: SECRET, path: ["password"] }],
    });
    const value = { body: "kept: not inside an error", err: new Error("outer", { cause: inner }) };
    for (const copy of [redactor.redactValue(value), withoutErrorInput(value)] as { body: string; err: Error }[]) {
      expect(copy.body).toBe("kept: not inside an error");
      expect(copy.err.cause).toMatchObject({
        rawBody: REDACTED,
        response: { data: REDACTED, status: 502 },
        details: [{ input: REDACTED, path: ["password"] }],
      });
      expect(JSON.stringify(copy.err.cause)).not.toContain(SECRET);
    }
    expect(ERROR_INPUT_KEYS).toContain("body");
  });

  it("withoutErrorInput redacts default sensitive keys inside errors only and leaves text alone", () => {
    const error = Object.assign(new Error("for alice@example.com"), { password: SECRET, user: "alice@example.com" });
    const copy = withoutErrorInput({ password: "outside", error }) as { password: string; error: Error };
    expect(copy.password).toBe("outside");
    expect(copy.error).toMatchObject({
      password: REDACTED,
      user: "alice@example.com",
      message: "for alice@example.com",
    });
  });

  it("copies errors as real errors, AggregateError's errors included, without touching the original", () => {
    const body = parseError(`{"password":"${SECRET}" x}`);
    Object.assign(body, { body: `{"password":"${SECRET}" x}`, type: "entity.parse.failed" });
    const aggregate = new AggregateError([body], "several failed");
    const copy = redactor.redactValue(aggregate) as AggregateError;
    expect(types.isNativeError(copy)).toBe(true);
    expect(copy).toBeInstanceOf(AggregateError);
    expect(copy.errors[0]).toMatchObject({ body: REDACTED, type: "entity.parse.failed" });
    expect(JSON.stringify(copy.errors[0])).not.toContain(SECRET);
    expect((body as unknown as { body: string }).body).toContain(SECRET);
  });

  it("a non-JSON parse failure from body-parser gets a fixed message, and its stack the same header", () => {
    const error = Object.assign(new RangeError(`bad input ${SECRET}`), { type: "entity.parse.failed" });
    const copy = withoutErrorInput(error) as Error;
    expect(copy.message).toBe("request body could not be parsed (input withheld)");
    expect(copy.stack?.split("\n")[0]).toBe("RangeError: request body could not be parsed (input withheld)");
    expect(copy.stack).not.toContain(SECRET);
    expect(copy.stack).toContain("    at ");
  });
});
