/**
 * Keeping PII out of logs: redact a log stream line by line (what `moatkit redact` does), and
 * show the three replacement modes. Runs on built-in sample lines; no environment needed.
 *
 *   npx tsx examples/redact-logs.ts
 */
import { Readable } from "node:stream";
import { createInterface } from "node:readline";
import { createRedactor, redact } from "moatkit/redact";

const logLines = [
  '{"level":"info","msg":"signup","email":"alice@example.com","ip":"203.0.113.7"}',
  "payment by card 4111 1111 1111 1111 for order 2024-06-01-7731",
  "support call from (415) 555-0132 about SSN 536-22-1934",
  "build 1718000000123 finished in 12.5s", // a 13-digit timestamp: not a card
];

// 1. Line by line, as the logs arrive: one line in memory at a time.
const lines = createInterface({ input: Readable.from(logLines.map((l) => `${l}\n`)), crlfDelay: Infinity });
const out: string[] = [];
for await (const line of lines) out.push(redact(line));
console.log(out.join("\n"));
if (out.some((l) => /alice@|4111 1111|555-0132|536-22/.test(l))) throw new Error("PII leaked");
if (out[3] !== logLines[3]) throw new Error("a timestamp was redacted as a card");

// 2. Other replacements: masks keep a hint, keyed hashes keep lines joinable without the value.
const masked = createRedactor({ replace: "mask" });
const hashed = createRedactor({ replace: "hash", hashKey: "example-key-not-for-production" });
console.log(masked.redact("alice@example.com"));
console.log(hashed.redact("alice@example.com and again alice@example.com"));

// 3. Only some types (e.g. e-mail addresses are fine in this log, phone numbers are not).
console.log(createRedactor({ detectors: ["phone"] }).redact("alice@example.com called from +1 415 555 0132"));
