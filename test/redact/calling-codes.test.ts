import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { CALLING_CODES } from "../../src/redact/data/calling-codes.js";
import { isCallingCode } from "../../src/redact/phone.js";
import { callingCodeLengths } from "./generate-calling-codes.js";

const require = createRequire(import.meta.url);

describe("calling-code table", () => {
  it("matches libphonenumber-js's metadata (regenerate with test/redact/generate-calling-codes.ts)", () => {
    const metadata = require("libphonenumber-js/metadata.min.json") as Parameters<typeof callingCodeLengths>[0];
    expect(CALLING_CODES.map(([code, lengths]) => [code, [...lengths]])).toEqual([...callingCodeLengths(metadata)]);
  });

  it("is prefix-free, as ITU assigns it, so the first match is the only match", () => {
    const codes = CALLING_CODES.map(([c]) => String(c));
    for (const a of codes)
      for (const b of codes) if (a !== b) expect(b.startsWith(a), `${a} is a prefix of ${b}`).toBe(false);
  });

  it.each([
    [1, true],
    [7, true],
    [44, true],
    [0, false],
    [2, false],
    [999, false],
    [800, true],
    [979, true],
    [1000, false],
  ])("%i is a calling code: %s", (code, expected) => {
    expect(isCallingCode(code)).toBe(expected);
  });
});
