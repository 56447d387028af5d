/**
 * Phone forms people write that the detector must redact whole (issue 19). Each case names the
 * rule it comes from:
 * - NANP: North American Numbering Plan, NPA-NXX-XXXX (area code and exchange start with 2–9).
 * - E.164: `+` country code and national number.
 * - E.123 / extensions: E.123 writes the number in groups; an extension follows it, written in
 *   practice as `x`, `ext`, `ext.`, `extension`, `#` (keypad) or RFC 3966's `;ext=`.
 */
import { describe, expect, it } from "vitest";
import { phoneDetector } from "../../src/redact/detectors.js";
import { createRedactor } from "../../src/redact/index.js";
import { viaWebStream } from "./stream-helpers.js";

const phone = phoneDetector();
const found = (text: string): string[] => [...phone.find(text)].map((s) => text.slice(s.start, s.end));
const redactor = createRedactor();

describe("phones with an extension (E.123 number + extension; NANP / E.164 body)", () => {
  it.each([
    ["NANP dashes, x glued", "269-541-4584x068"],
    ["NANP dashes, EXT glued", "269-541-4584EXT623"],
    ["NANP dashes, ext. glued", "269-541-4584ext.12"],
    ["NANP dashes, # glued (keypad)", "269-541-4584#12"],
    ["NANP dashes, space x", "269-541-4584 x068"],
    ["NANP dashes, space X space", "269-541-4584 X 068"],
    ["NANP dashes, space ext. space", "269-541-4584 ext. 12"],
    ["NANP dashes, comma ext", "269-541-4584, ext 12"],
    ["NANP dashes, extension word", "269-541-4584 extension 4021"],
    ["NANP dashes, extn", "269-541-4584 extn:77"],
    ["NANP dots, x glued", "269.541.4584x12"],
    ["NANP parenthesised, x glued", "(269) 541-4584x068"],
    ["NANP parenthesised, space ext", "(269) 541-4584 ext 12"],
    ["NANP trunk 1, x glued", "1-269-541-4584x9"],
    ["E.164 NANP, x glued", "+1 269 541 4584x068"],
    ["E.164 UK, ext glued", "+44 20 7946 0958ext123"],
    ["E.164 UK, space x", "+44 20 7946 0958 x123"],
    ["E.164 Germany, #", "+49 30 1234567#89"],
    ["E.164, RFC 3966 ;ext=", "+1-269-541-4584;ext=123"],
  ])("%s: %s", (_rule, number) => {
    expect(found(`call ${number} today`)).toEqual([number]);
    expect(redactor.redact(`call ${number} today`)).toBe("call [PHONE] today");
  });

  it("NANP bare ten digits after a context word, x glued", () => {
    expect(found("phone: 2695414584x12")).toEqual(["2695414584x12"]);
  });

  it("the number is found at the end of the text with its extension", () => {
    expect(found("Tel 269-541-4584x068")).toEqual(["269-541-4584x068"]);
  });

  it.each([
    ["letters that are no marker", "269-541-4584xyz"],
    ["x without digits", "269-541-4584x"],
    ["extension too long (8 digits)", "269-541-4584x12345678"],
    ["extension running into a word", "269-541-4584x12abc"],
    ["extension running into a decimal", "269-541-4584x12.5"],
    ["invalid NANP body (area code 1xx)", "169-541-4584x12"],
  ])("no match: %s (%s)", (_why, text) => {
    expect(found(`see ${text} now`)).toEqual([]);
  });

  it("a spaced # is not taken as an extension (often an item number)", () => {
    expect(found("call 269-541-4584 #12")).toEqual(["269-541-4584"]);
  });

  it("the extension never swallows a second number", () => {
    expect(found("269-541-4584 x 415-555-0132")).toEqual(["269-541-4584", "415-555-0132"]);
  });
});

describe("extension adversarial inputs stay linear", () => {
  const MiB = 1024 * 1024;
  const fill = (unit: string): string => unit.repeat(Math.ceil(MiB / unit.length)).slice(0, MiB);
  it.each([
    ["x after digits", fill("4155550132x")],
    ["numbers with glued x repeated", fill("415-555-0132x")],
    ["ext repeated", fill("415-555-0132 ext ")],
    ["x and digits", fill("x1")],
    ["long digit run after x", `415-555-0132x${fill("1")}`],
    ["# repeated", fill("+44 20 7946 0958#")],
    ["00 repeated", fill("00 ")],
    ["0044 groups", fill("0044 20 ")],
    ["011 repeated", fill("011 ")],
    ["zeros", fill("0")],
    ["word+digits repeated", fill("call+1")],
    ["slashed digits", fill("415/")],
    ["slashed international groups", fill("+49 176/")],
    ["full-width digits", fill("４１５－")],
  ])("%s", (_name, text) => {
    expect(typeof redactor.redact(text)).toBe("string");
  });
});

describe("extensions in a stream", () => {
  const text =
    "a: +44 20 7946 0958, extension 1234567 b: 269-541-4584x068; c: (269) 541-4584 ext. 12 d: 269-541-4584x12345678";

  it("gives what redact gives, for every split into two chunks and every chunk size", async () => {
    const expected = redactor.redact(text);
    expect(expected).toBe("a: [PHONE] b: [PHONE]; c: [PHONE] d: 269-541-4584x12345678");
    for (let cut = 0; cut <= text.length; cut++) {
      expect(await viaWebStream(redactor, [text.slice(0, cut), text.slice(cut)])).toBe(expected);
    }
    for (let size = 1; size <= 8; size++) {
      const chunks: string[] = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
      expect(await viaWebStream(redactor, chunks)).toBe(expected);
    }
  });
});

describe("NANP trunk 1 glued to the area code's parenthesis", () => {
  it.each([["1(516)733-3989"], ["1(516) 733-3989"], ["1(516)733-3989x12"]])("%s", (number) => {
    expect(found(`call ${number} today`)).toEqual([number]);
  });

  it.each([["1(116)733-3989"], ["21(516)733-3989"], ["x1(516)733-3989"]])("no match: %s", (text) => {
    expect(found(`see ${text} now`)).toEqual([]);
  });
});

describe("international prefix 00 / 011 instead of + (E.164 with an international prefix)", () => {
  it.each([
    ["00 glued, UK", "0044 20 7946 0958"],
    ["00 spaced, UK", "00 44 20 7946 0958"],
    ["00, Germany", "0049 30 1234567"],
    ["00, NANP country code 1", "001 415 555 0132"],
    ["011 (NANP international prefix), UK", "011 44 20 7946 0958"],
    ["011 glued, Germany", "01149 30 1234567"],
    ["00 with extension", "0044 20 7946 0958 x12"],
  ])("%s: %s", (_rule, number) => {
    expect(found(`call ${number} today`)).toEqual([number]);
  });

  it("an unbroken 00 run counts after a context word", () => {
    expect(found("Tel: 00442079460958")).toEqual(["00442079460958"]);
  });

  it.each([
    ["unbroken run without context", "00442079460958"],
    ["unassigned country code", "00 80 1234 5678"],
    ["national length does not fit", "0044 20 79"],
    ["010 is no prefix", "010 44 20 7946 0958"],
    ["part of a longer token", "id-0044 20 7946 0958"],
  ])("no match: %s (%s)", (_why, text) => {
    expect(found(`see ${text} now`)).toEqual([]);
  });
});

describe("an E.164 number glued to the word before it", () => {
  it.each([
    ["call+64 21 123 4567", "+64 21 123 4567"],
    ["Tel+442079460958", "+442079460958"],
    ["WhatsApp+1 415 555 0132", "+1 415 555 0132"],
  ])("%s", (text, number) => {
    expect(found(text)).toEqual([number]);
  });

  it.each([["2+442079460958"], ["1.5+442079460958"], ["_+442079460958"]])("no match after a digit or _: %s", (text) => {
    expect(found(text)).toEqual([]);
  });
});

describe("slash separators", () => {
  it.each([
    ["NANP area code / exchange-line", "415/666-7777"],
    ["E.164 Germany, area code / subscriber (DIN 5008 style)", "+49 176/12345678"],
    ["E.164 Germany, glued", "+49176/12345678"],
  ])("%s: %s", (_rule, number) => {
    expect(found(`call ${number} today`)).toEqual([number]);
  });

  it.each([
    ["a path", "/api/415/666/7777"],
    ["slashes throughout", "415/666/7777"],
    ["a date", "12/31/2024"],
    ["two slashes after +", "+49 176/123/45678"],
    ["a slash right after the country code", "+49/17612345678"],
  ])("no match: %s (%s)", (_why, text) => {
    expect(found(`see ${text} now`)).toEqual([]);
  });
});

describe("bare NANP ten-digit runs after context words from signatures and other languages", () => {
  it.each([
    ["Mob: 4155550132"],
    ["Cel 4155550132"],
    ["Desk: 4155550132"],
    ["Direct 4155550132"],
    ["Ph. 4155550132"],
    ["Signal 4155550132"],
    ["Telefon: 4155550132"],
    ["Handy 4155550132"],
    ["Mobil: 4155550132"],
    ["Telefoon 4155550132"],
    ["GSM 4155550132"],
    ["Rufnummer: 4155550132"],
    ["portable 4155550132"],
    ["Komórka 4155550132"],
    ["Móvil 4155550132"],
    ["Celular 14155550132"],
    ["Telefone 4155550132"],
    ["Cellulare 4155550132"],
    ["Tlf 4155550132"],
    ["Puhelin 4155550132"],
  ])("%s", (text) => {
    expect(found(text)).toEqual([text.replace(/^\D+/u, "")]);
  });

  it.each([["graph 4155550132"], ["helpdesk 4155550132"], ["directory 4155550132"], ["order 4155550132"]])(
    "no context inside or beside other words: %s",
    (text) => {
      expect(found(text)).toEqual([]);
    },
  );
});

describe("full-width digits (East Asian input methods; same NANP / E.164 rules)", () => {
  it.each([
    ["E.164 Japan, full-width", "＋８１ ９０ １２３４ ５６７８"],
    ["E.164 UK, full-width digits, ASCII +", "+４４ ２０ ７９４６ ０９５８"],
    ["NANP, full-width", "（４１５）５５５－０１３２"],
    ["NANP dashes, full-width", "４１５－５５５－０１３２"],
  ])("%s: %s", (_rule, number) => {
    expect(found(`call ${number} today`)).toEqual([number]);
    expect(redactor.redact(`電話 ${number}。`)).toBe("電話 [PHONE]。");
  });

  it.each([["２０２４－０１－１５"], ["１０．０．０．１"], ["（１１５）５５５－０１３２"]])("no match: %s", (text) => {
    expect(found(`see ${text} now`)).toEqual([]);
  });
});
