/**
 * Labelled address forms from the RFCs. Every positive in the first table is a valid address the
 * scanner used to leave in clear; every negative is not an address (or is left alone on purpose).
 */
import { describe, expect, it } from "vitest";
import { emailDetector } from "../../src/redact/detectors.js";
import { createRedactor } from "../../src/redact/index.js";

const email = emailDetector();
const found = (text: string): string[] => [...email.find(text)].map((s) => text.slice(s.start, s.end));
const long = (label: string, n: number): string => label.repeat(n);

describe("email address forms (RFC 5321 / 5322 / 6531)", () => {
  it.each([
    ["RFC 5322 §3.2.3 atext: every special", "!#$%&'*+-/=?^_`{|}~@example.org"],
    ["RFC 5322 §3.2.3 atext: `'` in a name", "o'brien@example.com"],
    ["RFC 5322 §3.2.3 atext: `~`, `^`, `*`, `$`, `#`, `!`", "~root^*$#!@example.com"],
    ["RFC 5322 §3.2.3 atext: `/`, `=`, `?` after a non-alphanumeric", "x-/=?y@example.com"],
    ["RFC 5322 §3.2.3 atext: `{`, `|`, `}` after a non-alphanumeric", "_{|}_@example.com"],
    ["RFC 5322 §3.2.3 atext: `&` after `+`", "a+&b@example.com"],
    ["RFC 5322 §3.2.4 quoted-string local part", '"john doe"@example.com'],
    ["RFC 5322 §3.2.4 quoted-pair inside quotes", '"a\\"b"@example.com'],
    ["RFC 5322 §3.2.4 quoted local with `@` and specials", '"very.(),:;<>[]\\".unusual@strange"@example.com'],
    ["RFC 6531 §3.3 UTF-8 in a quoted local part", '"jörg müller"@example.de'],
    ["RFC 5321 §4.1.3 IPv4 address literal", "j_9@[129.126.118.1]"],
    ["RFC 5321 §4.1.3 IPv6 address literal", "user@[IPv6:2001:db8::1]"],
    ["RFC 5321 §4.1.3 IPv6 full form", "user@[IPv6:2001:0db8:85a3:0000:0000:8a2e:0370:7334]"],
    ["RFC 5321 §4.1.3 IPv6 with IPv4 tail", "user@[IPv6:::ffff:192.0.2.1]"],
    ["RFC 5321 §4.1.2 Domain: hyphenated top label", "user@example.foo-bar"],
  ])("finds %s", (_rule, address) => {
    expect(found(`to ${address} now`)).toEqual([address]);
    expect(found(`<${address}>`)).toEqual([address]);
  });

  // Already found before this change; kept as a guard at the limit.
  it("RFC 5321 §4.5.3.1.2: a 253-octet domain of 63-octet labels", () => {
    const domain = `${long("b", 61)}.${long("c", 63)}.${long("d", 63)}.${long("e", 63)}`;
    expect(domain).toHaveLength(253);
    expect(found(`to a@${domain} now`)).toEqual([`a@${domain}`]);
  });

  it.each([
    ["RFC 5322 §3.4.1 dot-atom: no `..`", "a..b@example.com"],
    ["RFC 5322 §3.4.1 dot-atom: no leading dot in the domain", "a@.example.com"],
    ["RFC 5322 §3.2.4 empty quoted string is not redacted", '""@example.com'],
    ["RFC 5321 §4.1.3 IPv4 literal part > 255", "a@[256.1.1.1]"],
    ["RFC 5321 §4.1.3 IPv4 literal with 3 parts", "a@[1.2.3]"],
    ["RFC 5321 §4.1.3 unterminated literal", "a@[1.2.3.4"],
    ["RFC 5321 §4.1.3 IPv6 literal without the tag", "a@[2001:db8::1]"],
    ["RFC 5321 §4.1.3 general literals are not matched", "a@[x400:foo]"],
    ["RFC 5321 §4.1.2 single-label domain (default)", "user@localhost"],
    ["not a domain: version range with a hyphenated tail", "lodash@4.x-next"],
    ["not a domain: prerelease version", "react@18.2.x-canary"],
    ["RFC 5321 §4.5.3.1.1 local part over 64 octets", `${long("a", 65)}@example.com`],
    ["RFC 5321 §4.5.3.1.2 domain over 253 octets", `a@${long("b.", 127)}com`],
  ])("does not find %s", (_rule, text) => {
    expect(found(text)).toEqual([]);
  });

  it.each([
    ["key=alice@example.com", "alice@example.com"],
    ["user='alice@example.com'", "alice@example.com"],
    ["https://example.com/users/alice@example.com", "alice@example.com"],
    ["/alice@example.com", "alice@example.com"],
    ["?to=alice@example.com&cc=bob@example.com", "alice@example.com"],
    ["{alice@example.com}", "alice@example.com"],
    ["`alice@example.com`", "alice@example.com"],
    ["a|alice@example.com", "alice@example.com"],
  ])("starts after a delimiter that follows a word: %s", (text, address) => {
    expect(found(text)[0]).toBe(address);
  });

  it.each([
    ["RFC 5322 §3.2.3: `/` after a letter cuts (path or key)", "dept/sales@example.com", "sales@example.com"],
    ["RFC 5322 §3.2.3: `=` after a letter cuts (key=value)", "bounce=tag=x@example.com", "x@example.com"],
    ["RFC 5322 §3.2.3: `|` after a letter cuts", "{user}|ops@example.com", "ops@example.com"],
    ["RFC 5322 §3.2.3: `&` after a letter cuts (query string)", "what?who&me@example.com", "me@example.com"],
    ["RFC 5322 §3.2.4: an unterminated quote is not part of the address", 'x "john doe@example.com', "doe@example.com"],
  ])("documented trade-off, %s", (_rule, text, address) => {
    expect(found(text)).toEqual([address]);
  });

  it("RFC 5322 §3.2.4: a quoted local part inside a JSON string keeps its escaped quotes", () => {
    expect(found('{"to":"\\"john doe\\"@example.com"}')).toEqual(['\\"john doe\\"@example.com']);
    expect(found('{"to":"\\"\\"@example.com"}')).toEqual([]);
  });

  it("redacts the new forms through a redactor too", () => {
    const redactor = createRedactor();
    expect(redactor.redact('from j_9@[129.126.118.1] and "john doe"@example.com')).toBe("from [EMAIL] and [EMAIL]");
    expect(redactor.redact("email=o'brien@example.com")).toBe("email=[EMAIL]");
  });
});
