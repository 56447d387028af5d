/**
 * Hostile inputs that make backtracking regular expressions take quadratic or exponential time.
 * Each must finish within vitest's default 5 s timeout (left unchanged on purpose in
 * vitest.config.ts); the scanners are linear, so each takes well under a second.
 */
import { describe, expect, it } from "vitest";
import { createRedactor } from "../../src/redact/index.js";

const MiB = 1024 * 1024;
const fill = (unit: string): string => unit.repeat(Math.ceil(MiB / unit.length)).slice(0, MiB);
const redactor = createRedactor();

describe("adversarial 1 MiB inputs", () => {
  it.each([
    ["a@", fill("a@")],
    ["@", fill("@")],
    ["local part without end", `${fill("a.")}@example.com`],
    ["domain labels without end", `a@${fill("b.")}`],
    ["digits", fill("4")],
    ["digits with spaces", fill("4 ")],
    ["digits with dashes", fill("41-")],
    ["digit groups", fill("4111 ")],
    ["dotted digits", fill("415.")],
    ["+1 repeats", fill("+1")],
    ["+1 and spaces", fill("+1 ")],
    ["nested brackets", `${"(".repeat(MiB / 2)}${")".repeat(MiB / 2)}`],
    ["brackets and digits", fill("(415)")],
    ["SSN-like chains", fill("123-45-")],
    ["context words and digits", fill("ssn 1")],
    ["placeholders", fill("<EMAIL_1")],
    ["atext run", fill("!#$%&'*+-/=?^_`{|}~")],
    ["atext run then @", `${fill("!#$%&'*+/=?^`{|}~")}@example.com`],
    ["atext and @", fill("a=@")],
    ["many @ after a quote", fill('"@')],
    ["unterminated quotes", fill('"a b@')],
    ["escaped quotes", fill('\\"a@')],
    ["long bracketed literals", fill(`a@[${"1.".repeat(200)}`)],
    ["unterminated literals", fill("a@[1.2.3.4")],
    ["IPv6 literal runs", fill("a@[IPv6:1:2:3")],
  ])("%s", (_name, text) => {
    expect(typeof redactor.redact(text)).toBe("string");
    expect(typeof redactor.pseudonymize(text).text).toBe("string");
  });

  it("a valid value at the end of 1 MiB of junk is still found", () => {
    expect(redactor.redact(`${fill("4 ")} alice@example.com`).endsWith("[EMAIL]")).toBe(true);
  });
});
