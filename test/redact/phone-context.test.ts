/**
 * Bare national numbers after a context word, and context words in every script (issue 19
 * item 2). Each case names the rule it comes from:
 * - Trunk prefix: ITU-T E.164 §3.3 / E.123 §2: a national number is dialled with a national
 *   (trunk) prefix, `0` in most plans outside the NANP (GB, FR, DE, AU, JP, KR, IN, IL, AE …).
 *   GB mobiles are 07xxx xxxxxx (Ofcom national numbering plan, 11 digits with the 0); FR
 *   numbers are 0 + 9 digits (ARCEP plan); AU mobiles 04xx xxx xxx (ACMA, 10 digits).
 * - CN mobile: MIIT numbering plan, 11 digits starting 13–19.
 * - NANP: NPA-NXX-XXXX, area code and exchange starting 2–9.
 * - Word boundary: Unicode letters (UAX #29 word characters: \p{L}, \p{M}); case folding is
 *   Unicode simple case folding (`Телефон` = `телефон`). Scripts without case (Han, kana,
 *   Hangul, Arabic, Hebrew, Devanagari) write words glued together or with attached prefixes
 *   (`電話番号`, `الهاتف`, `הטלפון`), so there a context word counts wherever it stands.
 */
import { describe, expect, it } from "vitest";
import { phoneDetector } from "../../src/redact/detectors.js";
import { createRedactor } from "../../src/redact/index.js";
import { viaWebStream } from "./stream-helpers.js";

const phone = phoneDetector();
const found = (text: string): string[] => [...phone.find(text)].map((s) => text.slice(s.start, s.end));
const redactor = createRedactor();

describe("bare 10–11 digit national numbers after a context word (trunk prefix 0, E.164 §3.3)", () => {
  it.each([
    ["FR, Tel:", "Tel: ", "0612345678"],
    ["GB mobile, Mobile", "Mobile ", "07911123456"],
    ["GB landline, Phone:", "Phone: ", "02079460958"],
    ["AU mobile, Mob:", "Mob: ", "0412345678"],
    ["JP mobile, TEL", "TEL ", "09012345678"],
    ["KR mobile, cell", "cell ", "01012345678"],
    ["DE, Telefon:", "Telefon: ", "03012345678"],
    ["IN with trunk 0, WhatsApp", "WhatsApp ", "09812345678"],
    ["JSON key phone_number", '"phone_number":"', "0612345678"],
    ["camelCase key mobilePhone=", "mobilePhone=", "07911123456"],
    ["CN mobile (MIIT plan), 手机", "手机：", "13912345678"],
    ["NANP bare, unchanged rule", "phone ", "4155550132"],
    ["NANP with trunk 1, unchanged rule", "phone ", "14155550132"],
  ])("%s", (_name, before, number) => {
    expect(found(`${before}${number}`)).toEqual([number]);
  });

  it.each([
    ["no context word", "ref 0612345678"],
    ["a word that only contains one (hotel)", "hotel 0612345678"],
    ["00 is an international prefix, not a trunk prefix", "Tel: 0012345678"],
    ["12 digits is not a bare national number", "Tel: 061234567890"],
    ["9 digits is too short", "Tel: 061234567"],
    ["another number between the word and the run", "phone 1 account 0612345678"],
    ["a unix timestamp after a context word (not NANP, no trunk 0)", "phone_verified_at 1712345678"],
    ["11 digits starting 12 (neither NANP with trunk nor CN mobile)", "phone 12112345678"],
  ])("not a phone: %s", (_name, text) => {
    expect(found(text)).toEqual([]);
  });
});

describe("context words in non-Latin scripts (Unicode word boundary and case folding)", () => {
  it.each([
    ["ru, Телефон:", "Телефон: 0612345678"],
    ["ru, upper case ТЕЛЕФОН", "ТЕЛЕФОН 0612345678"],
    ["ru, abbreviation тел.", "тел. 4155550132"],
    ["ru, inflected телефону", "звоните по телефону 0612345678"],
    ["uk, мобільний", "мобільний: 0671234567"],
    ["el, τηλ. (before a NANP number)", "τηλ. 4155550132"],
    ["ja, 電話 glued to 番号", "電話番号：09012345678"],
    ["ja, 携帯", "携帯 09012345678"],
    ["zh (simplified), 电话", "电话 02012345678"],
    ["zh (traditional), 電話", "電話: 0212345678"],
    ["ko, 전화 glued to 번호", "전화번호 01012345678"],
    ["ar, هاتف", "هاتف: 0501234567"],
    ["ar, with the article, الهاتف", "الهاتف 0501234567"],
    ["he, טלפון", "טלפון: 0521234567"],
    ["he, with the article, הטלפון", "הטלפון 0521234567"],
    ["hi, फ़ोन (nukta as a combining mark)", "फ़ोन 09812345678"],
    ["hi, फ़ोन (precomposed letter)", "\u095E\u094B\u0928 09812345678"],
    ["hi, फोन (without nukta)", "फोन: 09812345678"],
    ["fa, تلفن", "تلفن 09121234567"],
    ["th, โทร", "โทร 0812345678"],
    ["vi, điện thoại", "Điện thoại: 0912345678"],
    ["fr, accented upper case TÉLÉPHONE", "TÉLÉPHONE 0612345678"],
  ])("%s", (_name, text) => {
    expect(redactor.redact(text)).toMatch(/\[PHONE\]$/);
    expect(redactor.redact(text)).not.toMatch(/\d{6}/);
  });

  it.each([
    ["ru, тел inside телевизор (a cased script: the word may not run on)", "телевизор 0612345678"],
    ["ru, a cased word glued after a letter (Xтелефон)", "штелефон 0612345678"],
    ["fr, tel inside hôtel (boundary after a non-ASCII letter)", "hôtel 0612345678"],
  ])("not a context word: %s", (_name, text) => {
    expect(redactor.redact(text)).toBe(text);
  });

  it("a stream gives what redact gives for every split, non-Latin context included", async () => {
    const text = "Телефон: 0612345678; 電話番号：09012345678; الهاتف 0501234567; ok";
    const expected = redactor.redact(text);
    expect(expected).toBe("Телефон: [PHONE]; 電話番号：[PHONE]; الهاتف [PHONE]; ok");
    for (let cut = 0; cut <= text.length; cut++) {
      expect(await viaWebStream(redactor, [text.slice(0, cut), text.slice(cut)])).toBe(expected);
    }
  });
});
