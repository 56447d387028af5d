/**
 * The generated half of the redaction evaluation (issue 19, "Must show"): deterministic log,
 * JSON, support-ticket and signature lines with every value labelled where it is written, in
 * the forms issue 19 lists, mixed with hard negatives that look like values but are not.
 *
 * Values are built from the rules, with code of its own (not src/): Luhn and IIN prefixes
 * (ISO/IEC 7812; the networks moatkit covers today), NANP (NPA/NXX start 2–9, no N11, no N9X
 * area code), E.164 (`+`, `00` or `011`, country code, national number of a valid length),
 * E.123 grouping and extensions, SSA SSN rules (area 001–899 but 666, group and serial not 0),
 * RFC 5322 addresses (atext local parts, quoted local parts, address literals, subdomains).
 *
 * Left out on purpose: local parts with `=`, `/`, `?`, `&`, `|`, `{`, `}` or `` ` `` after a
 * letter (`a&b@x.io`). The email detector reads those as a key or query delimiter
 * (`?to=alice@x.io`) and redacts from after it, as documented in emailDetector (issue 19 item 5).
 */
import { Gen, SpanLine, mulberry32 } from "../../helpers/generate.js";
import type { EvalCase, EvalType } from "./score.js";

// ---- cards (ISO/IEC 7812: IIN prefix, length, Luhn) ---------------------------------------

function luhnDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = body.charCodeAt(body.length - 1 - i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

const NETWORKS: readonly { prefixes: readonly string[]; length: number; groups: readonly number[] }[] = [
  { prefixes: ["4"], length: 16, groups: [4, 4, 4, 4] }, // Visa
  { prefixes: ["4"], length: 19, groups: [4, 4, 4, 4, 3] },
  { prefixes: ["51", "53", "55", "2221", "2500", "2720"], length: 16, groups: [4, 4, 4, 4] }, // Mastercard
  { prefixes: ["34", "37"], length: 15, groups: [4, 6, 5] }, // Amex
  { prefixes: ["6011", "644", "649", "65"], length: 16, groups: [4, 4, 4, 4] }, // Discover
  { prefixes: ["3528", "3589"], length: 16, groups: [4, 4, 4, 4] }, // JCB
  { prefixes: ["300", "305", "36", "38"], length: 14, groups: [4, 6, 4] }, // Diners
  { prefixes: ["62"], length: 16, groups: [4, 4, 4, 4] }, // UnionPay
  { prefixes: ["6759", "6304"], length: 16, groups: [4, 4, 4, 4] }, // Maestro
];

function cardNumber(g: Gen): string {
  const net = g.pick(NETWORKS);
  const prefix = g.pick(net.prefixes);
  const body = prefix + g.digits(net.length - prefix.length - 1);
  const number = body + luhnDigit(body);
  const style = g.int(0, 3);
  if (style === 0) return number;
  const sep = style === 3 ? "-" : " ";
  const parts: string[] = [];
  let at = 0;
  for (const size of net.groups) {
    parts.push(number.slice(at, at + size));
    at += size;
  }
  return parts.join(sep);
}

function notACard(g: Gen): string {
  const body = g.pick(["4", "5", "37", "6011"]) + g.digits(14);
  const good = luhnDigit(body.slice(0, 15));
  return body.slice(0, 15) + String((Number(good) + g.int(1, 9)) % 10); // Luhn fails
}

// ---- SSN (SSA: area 001–899 except 666, group 01–99, serial 0001–9999) --------------------

function ssnDigits(g: Gen): string {
  for (;;) {
    const area = g.int(1, 899);
    if (area === 666 || area === 78 || area === 219 || area === 123) continue;
    const d = `${String(area).padStart(3, "0")}${String(g.int(1, 99)).padStart(2, "0")}${String(g.int(1, 9999)).padStart(4, "0")}`;
    if (/^(\d)\1{8}$/.test(d)) continue;
    return d;
  }
}

function ssn(g: Gen): string {
  const d = ssnDigits(g);
  const sep = g.pick(["-", "-", " ", "."]);
  return `${d.slice(0, 3)}${sep}${d.slice(3, 5)}${sep}${d.slice(5)}`;
}

// ---- phones (NANP; E.164 with +, 00, 011; E.123 groups; extensions) -----------------------

function nanp(g: Gen): [string, string, string] {
  for (;;) {
    const a = `${String(g.int(2, 9))}${String(g.int(0, 8))}${String(g.int(0, 9))}`;
    const e = `${String(g.int(2, 9))}${g.digits(2)}`;
    if (a.slice(1) === "11" || e.slice(1) === "11") continue;
    return [a, e, g.digits(4)];
  }
}

function nanpPhone(g: Gen): string {
  const [a, e, l] = nanp(g);
  return g.pick([
    `(${a}) ${e}-${l}`,
    `(${a})${e}-${l}`,
    `${a}-${e}-${l}`,
    `${a}.${e}.${l}`,
    `${a} ${e} ${l}`,
    `${a}/${e}-${l}`,
    `1-${a}-${e}-${l}`,
    `1 (${a}) ${e}-${l}`,
    `1(${a})${e}-${l}`,
    `+1 ${a} ${e} ${l}`,
    `+1-${a}-${e}-${l}`,
    `+1 (${a}) ${e}-${l}`,
    `+1${a}${e}${l}`,
    `001 ${a} ${e} ${l}`,
  ]);
}

function extension(g: Gen): string {
  const n = g.digits(g.int(2, 5));
  return g.pick([`x${n}`, ` x${n}`, ` ext. ${n}`, `EXT${n}`, ` ext ${n}`, `#${n}`, `;ext=${n}`, `, extension ${n}`]);
}

function internationalPhone(g: Gen): string {
  const d = (n: number): string => g.digits(n);
  const prefix = g.pick(["+", "+", "+", "00", "00 ", "011 "]);
  return (
    prefix +
    g.pick([
      () => `44 20 ${String(g.int(3000, 8999))} ${d(4)}`,
      () => `44 7${String(g.int(100, 999))} ${d(6)}`,
      () => `49 30 ${d(8)}`,
      () => `49 176/${d(8)}`,
      () => `33 ${String(g.int(1, 7))} ${d(2)} ${d(2)} ${d(2)} ${d(2)}`,
      () => `91 ${String(g.int(70000, 99999))} ${d(5)}`,
      () => `81 3-${d(4)}-${d(4)}`,
      () => `55 11 9${d(4)}-${d(4)}`,
      () => `61 4${d(2)} ${d(3)} ${d(3)}`,
      () => `34 6${d(2)} ${d(3)} ${d(3)}`,
      () => `39 06 ${d(4)} ${d(4)}`,
      () => `86 13${String(g.int(0, 9))} ${d(4)} ${d(4)}`,
      () => `7 495 ${d(3)}-${d(2)}-${d(2)}`,
      () => `971 50 ${d(3)} ${d(4)}`,
      () => `353 85 ${d(3)} ${d(4)}`,
      () => `27 82 ${d(3)} ${d(4)}`,
      () => `31 6 ${d(8)}`,
      () => `46 70 ${d(3)} ${d(2)} ${d(2)}`,
    ])()
  );
}

const FULL_WIDTH_OFFSET = 0xfee0;
function fullWidth(s: string): string {
  return s.replace(/[0-9()+\-./]/g, (c) => String.fromCharCode(c.charCodeAt(0) + FULL_WIDTH_OFFSET));
}

/** A phone in some form, with the context word it needs when it needs one (`[word, value]`). */
function phone(g: Gen): [string, string] {
  const r = g.int(0, 9);
  if (r <= 3) return ["", nanpPhone(g) + (g.chance(0.15) ? extension(g) : "")];
  if (r <= 6) return ["", internationalPhone(g) + (g.chance(0.1) ? extension(g) : "")];
  if (r === 7) {
    // Bare runs: only with a context word (NANP ten digits, trunk-0 national, CN mobile).
    const [a, e, l] = nanp(g);
    const value = g.pick([
      `${a}${e}${l}`,
      `0${String(g.int(1, 9))}${g.digits(8)}`,
      `07${g.digits(9)}`,
      `13${String(g.int(0, 9))}${g.digits(8)}`,
    ]);
    return [g.pick(CONTEXT_WORDS), value];
  }
  if (r === 8) return ["", fullWidth(g.chance(0.5) ? `+81 90-${g.digits(4)}-${g.digits(4)}` : nanpPhone(g))];
  // Glued to the word before it; national lengths: GB 10, DE 10–11, FR 9.
  const glued = g.pick([`44${g.digits(10, "12378")}`, `49${g.digits(10, "123456789")}`, `33${g.digits(9, "1234567")}`]);
  return [g.pick(["call", "tel", "Ph", "WhatsApp"]), `+${glued}`];
}

const CONTEXT_WORDS = [
  "Tel: ",
  "Phone: ",
  "Mobile ",
  "Cell: ",
  "mob. ",
  "Direct: ",
  "Fax ",
  "WhatsApp ",
  "Telefon: ",
  "Handy ",
  "Téléphone : ",
  "Teléfono: ",
  "Телефон: ",
  "тел. ",
  "電話: ",
  "电话：",
  "携帯 ",
  "전화 ",
  "هاتف: ",
  "טלפון: ",
  "फ़ोन: ",
  "phone_number=",
  '"mobilePhone":"',
];

// ---- email (RFC 5322 / 5321 / 6531) ---------------------------------------------------------

const NAMES = ["alice", "bob", "carol", "dave", "erin", "zoë", "josé", "lars", "mei", "o'brien", "anne-marie"];
const DOMAINS = [
  "example.com",
  "mail.example.co.uk",
  "eu.billing.example.net",
  "proton.me",
  "bücher.de",
  "xn--80ak6aa92e.com",
  "uni-heidelberg.de",
  "example.museum",
  "x.io",
  "very-long-subdomain-name.department.university.example.edu",
  "example.co.jp",
  "shop.example.cloud",
];

function email(g: Gen): string {
  const n = g.pick(NAMES);
  const local = g.pick([
    n,
    `${n}.${g.pick(NAMES)}`,
    `${n}+${g.pick(["billing", "test", "2024"])}`,
    `${n}_${String(g.int(1, 999))}`,
    n.toUpperCase(),
    `${n}!def`,
    `${n}#team`,
    `${n}~x`,
    `${n}$shop`,
    `${n}%ops`,
    `${n}^x`,
    `${n}'s`,
    `"${n} smith"`,
    `j_${String(g.int(1, 9))}`,
  ]);
  const domain = g.chance(0.05)
    ? `[${String(g.int(1, 223))}.${String(g.int(0, 255))}.${String(g.int(0, 255))}.${String(g.int(1, 254))}]`
    : g.pick(DOMAINS);
  return `${local}@${domain}`;
}

// ---- hard negatives ---------------------------------------------------------------------------

function negative(g: Gen): string {
  const p2 = (n: number): string => String(n).padStart(2, "0");
  return g.pick([
    () => `ts=${String(g.int(1_600_000_000_000, 1_799_999_999_999))}`,
    () => `epoch=${String(g.int(1_600_000_000, 1_799_999_999))}`,
    () =>
      `at=2024-${p2(g.int(1, 12))}-${p2(g.int(1, 28))}T${p2(g.int(0, 23))}:${p2(g.int(0, 59))}:${p2(g.int(0, 59))}.${String(g.int(100, 999))}Z`,
    () => `ip=${String(g.int(1, 254))}.${String(g.int(0, 255))}.${String(g.int(0, 255))}.${String(g.int(1, 254))}`,
    () => `trace=${g.hex(8)}-${g.hex(4)}-4${g.hex(3)}-a${g.hex(3)}-${g.hex(12)}`,
    () => `version=${String(g.int(1, 30))}.${String(g.int(0, 40))}.${String(g.int(0, 20))}`,
    () => `order=ORD-2024-${g.digits(7)}`,
    () => `invoice INV-${g.digits(4)}-${g.digits(6)}`,
    () => `txn=${notACard(g)}`,
    () => `ref=${g.digits(15, "1789")}`,
    () => `id=${g.digits(9, "123456789")}`,
    () => `account=${g.digits(10, "123456789")}`,
    () =>
      `bad_ssn=${g.pick(["000", "666", String(g.int(900, 999))])}-${String(g.int(10, 99))}-${String(g.int(1000, 9999))}`,
    () => `sample=078-05-1120`,
    () => `date=${p2(g.int(1, 12))}/${p2(g.int(1, 28))}/2024`,
    () => `asset=${g.pick(["icon@2x.png", "logo@3x.webp", "@types/node@20.11.5", "lodash@4.17.21"])}`,
    () => `user=@${g.pick(NAMES)}`,
    () => `amount=$${String(g.int(1, 9999))}.${g.digits(2)}`,
    () => `sum ${String(g.int(2, 9))}+${g.digits(11)}`,
    () => `isbn 978-${String(g.int(0, 1))}-${g.digits(3)}-${g.digits(5)}-${String(g.int(0, 9))}`,
    () => `mac=${g.hex(2)}:${g.hex(2)}:${g.hex(2)}:${g.hex(2)}:${g.hex(2)}:${g.hex(2)}`,
    () => `sha=${g.hex(40)}`,
    () => `zip ${g.digits(5)}-${g.digits(4)}`,
    () => `tracking ${g.digits(12, "123456789")}`,
    () => `hotel room ${g.digits(10, "123456789")}`,
    () => `build ${String(g.int(2020, 2025))}.${String(g.int(1, 12))}.${String(g.int(1, 28))}`,
    () => `a..b@example.com`,
  ])();
}

// ---- lines --------------------------------------------------------------------------------

function value(g: Gen, line: SpanLine<EvalType>, type: EvalType): void {
  switch (type) {
    case "email":
      line.v("email", email(g));
      return;
    case "ssn":
      if (g.chance(0.2)) line.t(g.pick(["SSN ", "ssn: ", "social security number "])).v("ssn", ssnDigits(g));
      else line.v("ssn", ssn(g));
      return;
    case "credit_card":
      line.v("credit_card", cardNumber(g));
      return;
    case "phone": {
      const [word, v] = phone(g);
      line.t(word).v("phone", v);
      return;
    }
  }
}

const TYPES: readonly EvalType[] = ["email", "ssn", "phone", "credit_card"];

function logLine(g: Gen, line: SpanLine<EvalType>): void {
  line.t(`2024-06-${String(g.int(10, 28))}T12:${String(g.int(10, 59))}:07.${String(g.int(100, 999))}Z INFO `);
  line.t(g.pick(["user.update", "payment.charge", "kyc.submit", "sms.send", "support.reply"]));
  for (let k = g.int(1, 3); k > 0; k--) {
    const type = g.pick(TYPES);
    line.t(` ${g.pick(["value", "field", "contact", "data"])}=`);
    value(g, line, type);
    line.t(` ${negative(g)}`);
  }
}

function jsonLine(g: Gen, line: SpanLine<EvalType>): void {
  line.t(`{"level":30,"time":${String(g.int(1_700_000_000_000, 1_799_999_999_999))},"msg":"`);
  line.t(g.pick(["profile saved", "checkout", "ticket opened"])).t('","contact":"');
  value(g, line, g.pick(TYPES));
  line.t(`","${negative(g).replace("=", '":"')}"}`);
}

function ticketLine(g: Gen, line: SpanLine<EvalType>): void {
  line.t(g.pick(["Hi team, ", "Hello, ", "Customer wrote: ", ""]));
  const type = g.pick(TYPES);
  line.t(
    g.pick(
      {
        email: ["please send the receipt to ", "my new address is "],
        ssn: ["my SSN is ", "for the tax form: "],
        phone: ["you can reach me on ", "call me back at "],
        credit_card: ["the card ending in the wrong digits is ", "I paid with "],
      }[type],
    ),
  );
  value(g, line, type);
  line.t(`. ${g.pick(["Thanks!", "Order ORD-2024-1234567 is late.", "Sent at 10:42.", ""])}`);
}

function signatureLine(g: Gen, line: SpanLine<EvalType>): void {
  line.t(`-- ${g.pick(NAMES)} | ${g.pick(["Sales", "Support", "Accounts"])} | `);
  const [word, v] = phone(g);
  line.t(word).v("phone", v);
  line.t(" | ");
  line.v("email", email(g));
}

function noiseLine(g: Gen, line: SpanLine<EvalType>): void {
  line.t(`worker-${String(g.int(1, 16))}`);
  for (let k = g.int(2, 5); k > 0; k--) line.t(` ${negative(g)}`);
}

/** The generated evaluation set: `count` lines, the same for the same seed. */
export function generateEvalCases(count = 4000, seed = 19_2026): EvalCase[] {
  const g = new Gen(mulberry32(seed));
  const cases: EvalCase[] = [];
  for (let i = 0; i < count; i++) {
    const line = new SpanLine<EvalType>();
    const r = g.int(0, 9);
    if (r <= 2) logLine(g, line);
    else if (r <= 4) jsonLine(g, line);
    else if (r <= 6) ticketLine(g, line);
    else if (r <= 7) signatureLine(g, line);
    else noiseLine(g, line);
    cases.push({ text: line.text, labels: line.spans });
  }
  return cases;
}
