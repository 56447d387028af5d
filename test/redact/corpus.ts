/**
 * A deterministic, labelled corpus for the redaction accuracy test and benchmark: access and
 * application logs, JSON payloads and chat prompts with emails, SSNs, phones and card numbers
 * in the forms moatkit/redact documents, mixed with decoys that trip weaker detectors:
 * millisecond and second timestamps, dates, times, IPv4/IPv6, UUIDs, version strings, order
 * ids, non-Luhn and issuer-less Luhn digit runs, invalid SSNs, hashes and asset names.
 *
 * Every value is labelled where it is written, so the labels are exact by construction. The
 * generator has its own Luhn and NANP code (independent of src/) so the test does not grade
 * the detector with its own logic.
 */

export type CorpusType = "email" | "ssn" | "phone" | "credit_card";

/** A labelled value: `text.slice(start, end)` is the value. */
import { Gen, SpanLine, mulberry32 } from "../helpers/generate.js";

export interface CorpusSpan {
  readonly type: CorpusType;
  readonly start: number;
  readonly end: number;
}

export interface CorpusLine {
  readonly kind: "access" | "app" | "json" | "chat" | "noise";
  readonly text: string;
  readonly spans: readonly CorpusSpan[];
}

export interface Corpus {
  readonly lines: readonly CorpusLine[];
  /** The lines joined with "\n". */
  readonly text: string;
  /** Every span, with offsets into `text`. */
  readonly spans: readonly CorpusSpan[];
}

// ---- values -------------------------------------------------------------------------------

function luhnCheckDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

const CARD_BRANDS: readonly { prefixes: readonly string[]; length: number; groups: readonly number[] }[] = [
  { prefixes: ["4"], length: 16, groups: [4, 4, 4, 4] },
  { prefixes: ["4"], length: 16, groups: [4, 4, 4, 4] },
  { prefixes: ["4"], length: 13, groups: [4, 4, 5] },
  { prefixes: ["51", "52", "53", "54", "55", "2221", "2300", "2720"], length: 16, groups: [4, 4, 4, 4] },
  { prefixes: ["34", "37"], length: 15, groups: [4, 6, 5] },
  { prefixes: ["6011", "65", "644"], length: 16, groups: [4, 4, 4, 4] },
  { prefixes: ["3528", "3589", "3530"], length: 16, groups: [4, 4, 4, 4] },
  { prefixes: ["36", "38"], length: 14, groups: [4, 6, 4] },
  { prefixes: ["62"], length: 16, groups: [4, 4, 4, 4] },
  { prefixes: ["62"], length: 19, groups: [4, 4, 4, 4, 3] },
  { prefixes: ["6759", "5018", "6304"], length: 16, groups: [4, 4, 4, 4] },
];

function cardNumber(g: Gen): string {
  const brand = g.pick(CARD_BRANDS);
  const prefix = g.pick(brand.prefixes);
  const body = prefix + g.digits(brand.length - prefix.length - 1);
  const number = body + String(luhnCheckDigit(body));
  const style = g.int(0, 9);
  if (style < 5) return number;
  const sep = style < 8 ? " " : "-";
  const parts: string[] = [];
  let at = 0;
  for (const size of brand.groups) {
    parts.push(number.slice(at, at + size));
    at += size;
  }
  return parts.join(sep);
}

/** 16 digits that fail Luhn (and so are never a card, whatever their prefix). */
function nonLuhnRun(g: Gen, length = 16): string {
  const body = g.pick(["4", "5", "3", "6", "1", "9"]) + g.digits(length - 2);
  return body + String((luhnCheckDigit(body) + g.int(1, 9)) % 10);
}

/** Luhn-valid digit runs with no issuer prefix (start with 1, 7, 8 (not 81), 9). */
function issuerlessLuhnRun(g: Gen): string {
  const body = g.pick(["1", "7", "9", "80", "88"]) + g.digits(14 - (g.chance(0.5) ? 0 : 1));
  return body + String(luhnCheckDigit(body));
}

function ssnValue(g: Gen): { digits: string; area: number } {
  for (;;) {
    const area = g.int(1, 899);
    const group = g.int(1, 99);
    const serial = g.int(1, 9999);
    if (area === 666) continue;
    const digits = String(area).padStart(3, "0") + String(group).padStart(2, "0") + String(serial).padStart(4, "0");
    if (/^(\d)\1{8}$/.test(digits) || ["078051120", "219099999", "123456789"].includes(digits)) continue;
    return { digits, area };
  }
}

function ssnFormatted(g: Gen): string {
  const { digits } = ssnValue(g);
  const sep = g.pick(["-", "-", "-", " "]);
  return `${digits.slice(0, 3)}${sep}${digits.slice(3, 5)}${sep}${digits.slice(5)}`;
}

function invalidSsn(g: Gen): string {
  const area = g.pick(["000", "666", String(g.int(900, 999))]);
  return `${area}-${String(g.int(10, 99))}-${String(g.int(1000, 9999))}`;
}

function nanpDigits(g: Gen): string {
  for (;;) {
    const a = `${String(g.int(2, 9))}${String(g.int(0, 8))}${String(g.int(0, 9))}`;
    const e = `${String(g.int(2, 9))}${g.digits(2)}`;
    if (a.endsWith("11") || e.endsWith("11")) continue;
    return a + e + g.digits(4);
  }
}

function nanpPhone(g: Gen): string {
  const d = nanpDigits(g);
  const a = d.slice(0, 3);
  const e = d.slice(3, 6);
  const l = d.slice(6);
  return g.pick([
    `(${a}) ${e}-${l}`,
    `(${a}) ${e}-${l}`,
    `(${a})${e}-${l}`,
    `${a}-${e}-${l}`,
    `${a}-${e}-${l}`,
    `${a}.${e}.${l}`,
    `${a} ${e} ${l}`,
    `+1 ${a} ${e} ${l}`,
    `+1-${a}-${e}-${l}`,
    `+1 (${a}) ${e}-${l}`,
    `+1${a}${e}${l}`,
    `1-${a}-${e}-${l}`,
  ]);
}

function internationalPhone(g: Gen): string {
  const d = (n: number): string => g.digits(n);
  return g.pick([
    () => `+44 20 ${String(g.int(3000, 8999))} ${d(4)}`,
    () => `+44 7${String(g.int(100, 999))} ${d(6)}`,
    () => `+44 (0) 20 ${String(g.int(3000, 8999))} ${d(4)}`,
    () => `+49 30 ${d(8)}`,
    () => `+49 151 ${d(8)}`,
    () => `+33 ${String(g.int(1, 7))} ${d(2)} ${d(2)} ${d(2)} ${d(2)}`,
    () => `+91 ${String(g.int(70000, 99999))} ${d(5)}`,
    () => `+81 3-${d(4)}-${d(4)}`,
    () => `+81 90-${d(4)}-${d(4)}`,
    () => `+55 11 9${d(4)} ${d(4)}`,
    () => `+61 4${d(2)} ${d(3)} ${d(3)}`,
    () => `+34 6${d(2)} ${d(2)} ${d(2)} ${d(2)}`,
    () => `+39 06 ${d(3)} ${d(4)}`,
    () => `+52 55 ${d(4)} ${d(4)}`,
    () => `+86 13${String(g.int(0, 9))} ${d(4)} ${d(4)}`,
    () => `+27 82 ${d(3)} ${d(4)}`,
    () => `+353 85 ${d(3)} ${d(4)}`,
    () => `+971 50 ${d(3)} ${d(4)}`,
  ])();
}

const FIRST = [
  "alice",
  "bob",
  "carol",
  "dave",
  "erin",
  "frank",
  "grace",
  "heidi",
  "ivan",
  "judy",
  "mallory",
  "oscar",
  "peggy",
  "trent",
  "victor",
  "wendy",
  "zoë",
  "josé",
  "lars",
  "mei",
];
const LAST = [
  "smith",
  "jones",
  "nguyen",
  "garcia",
  "müller",
  "kowalski",
  "tanaka",
  "okafor",
  "silva",
  "dubois",
  "rossi",
  "kim",
];
const DOMAINS = [
  "example.com",
  "example.org",
  "mail.example.co.uk",
  "corp.acme.io",
  "eu.billing.example.net",
  "gmail.com",
  "outlook.com",
  "proton.me",
  "bücher.de",
  "xn--80ak6aa92e.com",
  "uni-heidelberg.de",
  "sub.dept.example.edu",
];

function emailAddress(g: Gen): string {
  const first = g.pick(FIRST);
  const last = g.pick(LAST);
  const local = g.pick([
    `${first}.${last}`,
    `${first}+${g.pick(["billing", "test", "news", "2024"])}`,
    `${first}_${last}${String(g.int(1, 99))}`,
    `${first[0] ?? "x"}${last}`,
    first,
    `${first}.${last}-${String(g.int(1, 9))}`,
    `${first.toUpperCase()}.${last.toUpperCase()}`,
  ]);
  return `${local}@${g.pick(DOMAINS)}`;
}

// ---- decoys -------------------------------------------------------------------------------

function iso(g: Gen): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, "0");
  return `2024-${p(g.int(1, 12))}-${p(g.int(1, 28))}T${p(g.int(0, 23))}:${p(g.int(0, 59))}:${p(g.int(0, 59))}.${p(g.int(0, 999), 3)}Z`;
}
const msTimestamp = (g: Gen): string => String(g.int(1_600_000_000_000, 1_799_999_999_999));
const unixSeconds = (g: Gen): string => String(g.int(1_600_000_000, 1_799_999_999));
const ipv4 = (g: Gen): string =>
  `${String(g.int(1, 254))}.${String(g.int(0, 255))}.${String(g.int(0, 255))}.${String(g.int(1, 254))}`;
const ipv6 = (g: Gen): string => `2001:db8:${g.hex(4)}:${g.hex(4)}::${g.hex(3)}`;
const uuid = (g: Gen): string =>
  `${g.hex(8)}-${g.hex(4)}-4${g.hex(3)}-${g.pick(["8", "9", "a", "b"])}${g.hex(3)}-${g.hex(12)}`;
const version = (g: Gen): string =>
  g.pick([
    `v${String(g.int(1, 30))}.${String(g.int(0, 40))}.${String(g.int(0, 20))}`,
    `${String(g.int(1, 5))}.${String(g.int(0, 99))}.${String(g.int(0, 999))}`,
    `${String(g.int(100, 130))}.0.${String(g.int(1000, 6999))}.${String(g.int(10, 200))}`,
  ]);
const orderId = (g: Gen): string =>
  g.pick([
    `ORD-2024-${g.digits(7)}`,
    `#A${g.digits(9)}`,
    `INV-${g.digits(4)}-${g.digits(6)}`,
    `${g.digits(3)}-${g.digits(7)}-${g.digits(7)}`,
  ]);
const date = (g: Gen): string =>
  g.pick([
    `2024-${String(g.int(1, 12)).padStart(2, "0")}-${String(g.int(1, 28)).padStart(2, "0")}`,
    `${String(g.int(1, 12)).padStart(2, "0")}/${String(g.int(1, 28)).padStart(2, "0")}/2024`,
  ]);
const time = (g: Gen): string =>
  `${String(g.int(0, 23)).padStart(2, "0")}:${String(g.int(0, 59)).padStart(2, "0")}:${String(g.int(0, 59)).padStart(2, "0")}`;
const path = (g: Gen): string =>
  g.pick([
    "/api/v2/orders",
    "/api/v1/users/me",
    "/healthz",
    "/api/v2/payments/charge",
    "/static/app.9f3a1c.js",
    "/login",
    "/api/v1/items",
  ]);
const ua = (g: Gen): string =>
  g.pick([
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/124.0.6367.91",
    "curl/8.5.0",
    "okhttp/4.12.0",
    "node-fetch/3.3.2",
    "Go-http-client/2.0",
  ]);
const level = (g: Gen): string => g.pick(["INFO", "INFO", "INFO", "WARN", "DEBUG", "ERROR"]);
const asset = (g: Gen): string =>
  g.pick([
    "icon@2x.png",
    "logo@3x.webp",
    "hero@2x.jpg",
    "@types/node@20.11.5",
    "@alice",
    "lodash@4.17.21",
    "sprite@1.5x.svg",
  ]);

function decoy(g: Gen): string {
  return g.pick([
    () => `ts=${msTimestamp(g)}`,
    () => `epoch=${unixSeconds(g)}`,
    () => `ip=${ipv4(g)}`,
    () => `ipv6=${ipv6(g)}`,
    () => `trace=${uuid(g)}`,
    () => `version=${version(g)}`,
    () => `order=${orderId(g)}`,
    () => `txn=${nonLuhnRun(g)}`,
    () => `ref=${issuerlessLuhnRun(g)}`,
    () => `id=${g.digits(9)}`,
    () => `account=${g.digits(10)}`,
    () => `date=${date(g)}`,
    () => `at ${time(g)}`,
    () => `sha=${g.hex(40)}`,
    () => `asset=${asset(g)}`,
    () => `amount=$${String(g.int(1, 9999))}.${g.digits(2)}`,
    () => `latency=${String(g.int(1, 999))}ms`,
    () => `bad_ssn=${invalidSsn(g)}`,
    () => `sample=078-05-1120`,
    () => `span=${g.hex(16)}`,
    () => `build=${String(g.int(2020, 2025))}.${String(g.int(1, 12))}.${String(g.int(1, 28))}`,
  ])();
}

// ---- lines --------------------------------------------------------------------------------

function piiValue(g: Gen, type: CorpusType): string {
  switch (type) {
    case "email":
      return emailAddress(g);
    case "ssn":
      return ssnFormatted(g);
    case "phone":
      return g.chance(0.7) ? nanpPhone(g) : internationalPhone(g);
    case "credit_card":
      return cardNumber(g);
  }
}

const TYPES: readonly CorpusType[] = ["email", "ssn", "phone", "credit_card"];
const FIELD: Record<CorpusType, readonly string[]> = {
  email: ["user", "email", "customer", "to", "from"],
  ssn: ["ssn", "tax_id", "national_id"],
  phone: ["phone", "mobile", "callback", "contact"],
  credit_card: ["card", "pan", "cc", "payment_card"],
};

function accessLine(g: Gen, b: SpanLine<CorpusType>): void {
  b.t(
    `${iso(g)} ${level(g)} [req-${g.hex(6)}] ${g.pick(["GET", "POST", "PUT", "DELETE"])} ${path(g)} ${String(g.pick([200, 201, 204, 302, 400, 401, 404, 500]))} in ${String(g.int(1, 900))}ms ip=${ipv4(g)} ua="${ua(g)}"`,
  );
  if (g.chance(0.5)) b.t(" user=").v("email", emailAddress(g));
  if (g.chance(0.3)) b.t(` ${decoy(g)}`);
}

function appLine(g: Gen, b: SpanLine<CorpusType>): void {
  b.t(`${iso(g)} ${level(g)} ${g.pick(["payment.charge", "user.update", "kyc.submit", "sms.send", "order.create"])}`);
  const count = g.int(1, 3);
  for (let i = 0; i < count; i++) {
    const type = g.pick(TYPES);
    b.t(` ${g.pick(FIELD[type])}=`).v(type, piiValue(g, type));
    b.t(` ${decoy(g)}`);
  }
  if (g.chance(0.3)) {
    // Bare values are PII only with a context word right before them.
    if (g.chance(0.5)) b.t(" ssn ").v("ssn", ssnValue(g).digits);
    else b.t(" phone: ").v("phone", nanpDigits(g));
  }
}

function jsonLine(g: Gen, b: SpanLine<CorpusType>): void {
  b.t(
    `{"ts":${msTimestamp(g)},"event":"${g.pick(["signup", "profile.updated", "checkout", "support.ticket"])}","id":"${uuid(g)}","user":{`,
  );
  b.t('"email":"').v("email", emailAddress(g)).t('"');
  if (g.chance(0.6)) b.t(',"phone":"').v("phone", piiValue(g, "phone")).t('"');
  if (g.chance(0.3)) b.t(',"ssn":"').v("ssn", ssnFormatted(g)).t('"');
  b.t(`},"client":{"ip":"${ipv4(g)}","version":"${version(g)}"}`);
  if (g.chance(0.4))
    b.t(',"payment":{"card":"')
      .v("credit_card", cardNumber(g))
      .t(`","amount":${String(g.int(100, 99999))},"order":"${orderId(g)}"}`);
  if (g.chance(0.4)) b.t(`,"meta":{"retry_at":"${iso(g)}","account":"${g.digits(10)}","txn":"${nonLuhnRun(g)}"}`);
  b.t("}");
}

function chatLine(g: Gen, b: SpanLine<CorpusType>): void {
  const who = g.pick(["User", "user", "Customer", "Human"]);
  b.t(`${who}: `);
  const openers = ["Hi, ", "Hello! ", "Please help. ", "Quick question: ", ""];
  b.t(g.pick(openers));
  const sentences = g.int(1, 3);
  for (let i = 0; i < sentences; i++) {
    switch (g.int(0, 7)) {
      case 0:
        b.t("my email is ").v("email", emailAddress(g)).t(", can you update it? ");
        break;
      case 1:
        b.t("I was charged twice on my card ")
          .v("credit_card", cardNumber(g))
          .t(` on ${date(g)}. `);
        break;
      case 2:
        b.t("you can reach me at ")
          .v("phone", piiValue(g, "phone"))
          .t(` after ${time(g)}. `);
        break;
      case 3:
        b.t("my social security number is ").v("ssn", ssnFormatted(g)).t(". ");
        break;
      case 4:
        b.t(`order ${orderId(g)} (tracking ${g.digits(12)}) still says pending since version ${version(g)}. `);
        break;
      case 5:
        b.t("call me on ").v("phone", nanpPhone(g)).t(" or write to ").v("email", emailAddress(g)).t(". ");
        break;
      case 6:
        b.t(`the app at ${ipv4(g)} crashed at ${iso(g)} with id ${uuid(g)}. `);
        break;
      default:
        b.t(`refund ${nonLuhnRun(g)} was for $${String(g.int(5, 500))}.${g.digits(2)}; my SSN `)
          .v("ssn", ssnValue(g).digits)
          .t(" is on file. ");
    }
  }
}

function noiseLine(g: Gen, b: SpanLine<CorpusType>): void {
  b.t(`${iso(g)} ${level(g)} worker-${String(g.int(1, 16))}`);
  const count = g.int(2, 5);
  for (let i = 0; i < count; i++) b.t(` ${decoy(g)}`);
}

/** Generates the corpus. The same options always give the same corpus. */
export function generateCorpus(options: { lines?: number; seed?: number } = {}): Corpus {
  const g = new Gen(mulberry32(options.seed ?? 20_240_607));
  const count = options.lines ?? 6000;
  const lines: CorpusLine[] = [];
  for (let i = 0; i < count; i++) {
    const b = new SpanLine<CorpusType>();
    const r = g.rand();
    let kind: CorpusLine["kind"];
    if (r < 0.25) {
      kind = "access";
      accessLine(g, b);
    } else if (r < 0.45) {
      kind = "app";
      appLine(g, b);
    } else if (r < 0.7) {
      kind = "json";
      jsonLine(g, b);
    } else if (r < 0.9) {
      kind = "chat";
      chatLine(g, b);
    } else {
      kind = "noise";
      noiseLine(g, b);
    }
    lines.push({ kind, text: b.text, spans: b.spans });
  }
  const spans: CorpusSpan[] = [];
  let offset = 0;
  for (const line of lines) {
    for (const s of line.spans) spans.push({ type: s.type, start: s.start + offset, end: s.end + offset });
    offset += line.text.length + 1;
  }
  return { lines, text: lines.map((l) => l.text).join("\n"), spans };
}

/** Per-type precision and recall of predicted spans against the labels (exact or overlapping). */
export function scoreSpans(
  gold: readonly CorpusSpan[],
  predicted: readonly { type: string; start: number; end: number }[],
  match: "exact" | "overlap" = "exact",
): Record<CorpusType, { tp: number; fp: number; fn: number; precision: number; recall: number }> {
  const out = {} as Record<CorpusType, { tp: number; fp: number; fn: number; precision: number; recall: number }>;
  for (const type of TYPES) {
    const g = gold.filter((s) => s.type === type);
    const p = predicted.filter((s) => s.type === type);
    const hits = (a: { start: number; end: number }, b: { start: number; end: number }): boolean =>
      match === "exact" ? a.start === b.start && a.end === b.end : a.start < b.end && b.start < a.end;
    const goldKeys = new Set(g.map((s) => `${String(s.start)}:${String(s.end)}`));
    let tp = 0;
    let fp = 0;
    if (match === "exact") {
      for (const s of p) if (goldKeys.has(`${String(s.start)}:${String(s.end)}`)) tp++;
      fp = p.length - tp;
    } else {
      // Both lists are sorted by start: a sweep keeps this linear.
      const sortedGold = [...g].sort((a, b) => a.start - b.start);
      let j = 0;
      const matched = new Set<number>();
      for (const s of [...p].sort((a, b) => a.start - b.start)) {
        while (j < sortedGold.length && sortedGold[j]!.end <= s.start) j++;
        let hit = false;
        for (let k = j; k < sortedGold.length && sortedGold[k]!.start < s.end; k++) {
          if (hits(s, sortedGold[k]!)) {
            hit = true;
            matched.add(k);
          }
        }
        if (!hit) fp++;
      }
      tp = matched.size;
    }
    const fn = g.length - tp;
    out[type] = {
      tp,
      fp,
      fn,
      precision: p.length === 0 ? 1 : (p.length - fp) / p.length,
      recall: g.length === 0 ? 1 : tp / g.length,
    };
  }
  return out;
}

/** The score table as printable text. */
export function formatScores(title: string, scores: ReturnType<typeof scoreSpans>): string {
  const rows = TYPES.map((t) => {
    const s = scores[t];
    return `${t.padEnd(12)} ${String(s.tp + s.fn).padStart(6)} ${String(s.tp).padStart(6)} ${String(s.fp).padStart(6)} ${String(s.fn).padStart(6)} ${s.precision.toFixed(4).padStart(9)} ${s.recall.toFixed(4).padStart(8)}`;
  });
  return [
    title,
    `${"type".padEnd(12)} ${"gold".padStart(6)} ${"tp".padStart(6)} ${"fp".padStart(6)} ${"fn".padStart(6)} ${"precision".padStart(9)} ${"recall".padStart(8)}`,
    ...rows,
  ].join("\n");
}
