import { describe, expect, it } from "vitest";
import { emailDetector } from "../../src/redact/detectors.js";
import { expectMoatError, WRONG_TYPES } from "../helpers/assertions.js";

const email = emailDetector();
const found = (text: string): string[] => [...email.find(text)].map((s) => text.slice(s.start, s.end));

describe("email", () => {
  it.each([
    "alice@example.com",
    "alice+billing@example.com",
    "first.last@mail.eu.example.co.uk",
    "x_y-z.99%tag@sub-domain.example.io",
    "ALICE@EXAMPLE.COM",
    "user@xn--80ak6aa92e.com",
    "a@xn--d1acufc.xn--p1ai",
    "zoë@bücher.de",
    "用户@例子.广告",
    "δοκιμή@παράδειγμα.δοκιμή",
  ])("finds %s", (address) => {
    expect(found(`mail ${address} now`)).toEqual([address]);
    expect(found(`<${address}>`)).toEqual([address]);
    expect(found(`"${address}",`)).toEqual([address]);
  });

  it("ends at sentence punctuation", () => {
    expect(found("write to alice@example.com.")).toEqual(["alice@example.com"]);
    expect(found("(alice@example.com)")).toEqual(["alice@example.com"]);
    expect(found("mailto:alice@example.com?subject=hi")).toEqual(["alice@example.com"]);
  });

  it.each([
    ["no dot in the domain", "user@localhost"],
    ["numeric TLD", "user@10.0.0.1"],
    ["one-letter TLD", "user@example.c"],
    ["trailing dot only", "info@presidio."],
    ["no local part", "@example.com"],
    ["scoped package", "@types/node@20.11.5"],
    ["package version", "lodash@4.17.21"],
    ["retina asset", "icon@2x.png"],
    ["asset", "logo@dark.svg"],
    ["mention", "thanks @alice!"],
    ["leading hyphen label", "a@-example.com"],
    ["trailing hyphen label", "a@example-.com"],
    ["empty label", "a@example..com"],
    ["local part ends with a dot", "alice.@example.com"],
    ["cuts a word on the right", "alice@example.com_backup"],
    ["followed by another @", "alice@example.com@evil"],
    ["not an address", "this is not an email: hello-world here"],
  ])("does not find %s: %s", (_why, text) => {
    expect(found(text)).toEqual([]);
  });

  it("drops leading dots and steps over a JSON escape", () => {
    expect(found("...alice@example.com")).toEqual(["alice@example.com"]);
    expect(found("line\\nalice@example.com")).toEqual(["alice@example.com"]);
  });

  it("respects the RFC length limits instead of cutting a token", () => {
    expect(found(`${"a".repeat(64)}@example.com`)).toHaveLength(1);
    expect(found(`${"a".repeat(65)}@example.com`)).toEqual([]);
    expect(found(`a@${"b".repeat(63)}.com`)).toHaveLength(1);
    expect(found(`a@${"b".repeat(64)}.com`)).toEqual([]);
    expect(found(`a@${"b.".repeat(130)}com`)).toEqual([]);
  });

  it("finds every address in a list", () => {
    expect(found("alice@example.com,bob@example.org;carol@example.net")).toEqual([
      "alice@example.com",
      "bob@example.org",
      "carol@example.net",
    ]);
  });

  it("rejects non-string text", () => {
    for (const bad of WRONG_TYPES) expectMoatError(() => email.find(bad as never), "ERR_INVALID_INPUT");
  });
});
