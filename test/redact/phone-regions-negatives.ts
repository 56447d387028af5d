/**
 * A deterministic corpus of ordinary log lines whose numbers are not phone numbers: access and
 * application logs with dates, times, timestamps, durations, sizes, IPs and ports, versions,
 * order, invoice and ticket ids (zero-padded too), amounts in the European and US notations,
 * postcodes, IBANs, SKUs, metrics and lists of numbers. It measures what recognising national
 * phone formats costs in precision: every phone match on it is a false one (a random digit
 * string may of course happen to be a valid number somewhere; that is the cost being measured).
 */

import { Gen, mulberry32 } from "../helpers/generate.js";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const CITIES = ["Berlin", "Paris", "Madrid", "Milano", "Amsterdam", "Lyon", "München", "Sevilla", "Utrecht"];

function ip(g: Gen): string {
  return `${String(g.int(1, 223))}.${String(g.int(0, 255))}.${String(g.int(0, 255))}.${String(g.int(1, 254))}`;
}

function isoDate(g: Gen): string {
  return `${String(g.int(2019, 2026))}-${g.pad(g.int(1, 12), 2)}-${g.pad(g.int(1, 28), 2)}`;
}

function time(g: Gen): string {
  return `${g.pad(g.int(0, 23), 2)}:${g.pad(g.int(0, 59), 2)}:${g.pad(g.int(0, 59), 2)}`;
}

/** 1234567.89 as `1.234.567,89` (de, es, it, nl), `1 234 567,89` (fr), `1,234,567.89` (en) or plain. */
function amount(g: Gen): string {
  const whole = g.int(0, 3) === 0 ? g.int(1000, 9_999_999) : g.int(1, 99_999);
  const cents = g.pad(g.int(0, 99), 2);
  const grouped = (sep: string): string => String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, sep);
  switch (g.int(0, 3)) {
    case 0:
      return `${grouped(".")},${cents} €`;
    case 1:
      return `${grouped(" ")},${cents} €`;
    case 2:
      return `$${grouped(",")}.${cents}`;
    default:
      return `${String(whole)}.${cents} EUR`;
  }
}

function europeanDate(g: Gen): string {
  const sep = g.pick([".", "/", "-"]);
  const y = g.int(0, 1) === 0 ? String(g.int(2019, 2026)) : g.pad(g.int(19, 26), 2);
  return `${g.pad(g.int(1, 28), 2)}${sep}${g.pad(g.int(1, 12), 2)}${sep}${y}`;
}

function version(g: Gen): string {
  switch (g.int(0, 2)) {
    case 0:
      return `v${String(g.int(0, 20))}.${String(g.int(0, 40))}.${String(g.int(0, 99))}`;
    case 1:
      return `10.0.${String(g.int(17763, 26100))}.${String(g.int(1, 5000))}`;
    default:
      return `${String(g.int(1, 9))}.${String(g.int(0, 30))}.${String(g.int(0, 300))}`;
  }
}

function iban(g: Gen): string {
  const country = g.pick(["DE", "FR", "ES", "IT", "NL", "GB"]);
  const body = g.digits(country === "DE" ? 18 : 22);
  return `${country}${g.digits(2)} ${body.replace(/(\d{4})(?=\d)/g, "$1 ")}`;
}

const TEMPLATES: readonly ((g: Gen) => string)[] = [
  (g) =>
    `${ip(g)} - - [${g.pad(g.int(1, 28), 2)}/${g.pick(MONTHS)}/${String(g.int(2019, 2026))}:${time(g)} +0000] "GET /api/v${String(g.int(1, 3))}/orders/${g.pad(g.int(0, 99_999_999), g.int(6, 10))} HTTP/1.1" ${String(g.pick([200, 201, 204, 301, 304, 400, 404, 500]))} ${String(g.int(0, 99_999))} ${String(g.int(1, 4000))}ms`,
  (g) =>
    `${isoDate(g)}T${time(g)}.${g.pad(g.int(0, 999), 3)}Z INFO order=${g.pad(g.int(0, 9_999_999), g.int(7, 11))} total=${amount(g)} items=${String(g.int(1, 40))} took ${String(g.int(1, 9999))} ms`,
  (g) =>
    `invoice INV-${String(g.int(2019, 2026))}-${g.pad(g.int(0, 999_999), 6)} due ${europeanDate(g)} amount ${amount(g)}`,
  (g) => `Rechnung Nr. ${g.pad(g.int(0, 99_999_999), 8)} vom ${europeanDate(g)}, Betrag ${amount(g)}`,
  (g) => `facture n° ${g.digits(g.int(6, 10))} du ${europeanDate(g)} : ${amount(g)} TTC`,
  (g) =>
    `upgraded ${g.pick(["node", "nginx", "postgres", "openssl"])} to ${version(g)} (build ${String(g.int(100, 99_999))})`,
  (g) =>
    `connect ${ip(g)}:${String(g.int(1024, 65_535))} -> ${ip(g)}:${String(g.pick([80, 443, 5432, 6379, 8080]))} rtt=${String(g.int(1, 900))}ms`,
  (g) =>
    `ts=${String(g.int(1_500_000_000, 1_800_000_000))}${g.int(0, 1) === 0 ? g.digits(3) : ""} job=${g.digits(g.int(4, 12))} attempt=${String(g.int(1, 5))}`,
  (g) =>
    `shipping to ${g.pad(g.int(1000, 99_999), 5)} ${g.pick(CITIES)}, ${g.pick(["Hauptstr.", "rue de la Paix", "calle Mayor", "via Roma"])} ${String(g.int(1, 250))}`,
  (g) => `payout to ${iban(g)} ref ${g.digits(g.int(8, 12))}`,
  (g) =>
    `SKU ${g.digits(2)}-${g.digits(3)}-${g.digits(3)} qty ${String(g.int(1, 500))} batch ${g.digits(4)} ${g.digits(4)}`,
  (g) =>
    `cpu=${String(g.int(0, 100))}% mem=${String(g.int(100, 64_000))} MB rss=${String(g.int(1000, 9_999_999))} p50=${String(g.int(1, 900))} p99=${String(g.int(100, 9000))}`,
  (g) => `sizes ${Array.from({ length: g.int(3, 8) }, () => String(g.int(1, 99))).join(" ")} in stock`,
  (g) => `ticket #${String(g.int(1, 999_999))} opened ${isoDate(g)} ${time(g)} by user ${g.digits(g.int(5, 9))}`,
  (g) => `session ${g.digits(8)}-${g.digits(4)}-${g.digits(4)} expires ${europeanDate(g)} ${time(g).slice(0, 5)}`,
  (g) =>
    `download ${String(g.int(1, 999))}.${String(g.int(0, 9))} MB of ${String(g.int(1, 99))} ${String(g.int(100, 999))} ${String(g.int(100, 999))} bytes`,
  (g) =>
    `order ${g.pad(g.int(0, 999_999_999), 10)} status=shipped carrier=${g.pick(["DHL", "UPS", "GLS"])} tracking ${g.digits(g.int(10, 14))}`,
  (g) =>
    `exported ${String(g.int(1, 99))} ${g.pad(g.int(0, 999), 3)} ${g.pad(g.int(0, 999), 3)} rows in ${String(g.int(1, 600))} s`,
];

/** `count` log lines with numbers and no phone numbers, the same for the same seed. */
export function generateNegativeLines(options: { lines?: number; seed?: number } = {}): string[] {
  const g = new Gen(mulberry32(options.seed ?? 19_003));
  const count = options.lines ?? 6000;
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(g.pick(TEMPLATES)(g));
  return lines;
}
