import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRedactor } from "../../src/redact/index.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";
import { splitAt, viaNodeStream, viaWebStream } from "./stream-helpers.js";

const SAMPLE = [
  "2024-05-12T08:15:23.481Z INFO user=alice.smith+billing@example.com ip=203.0.113.42",
  'card 4242 4242 4242 4242 and ssn 536-22-4781, phone: 4155550132, {"to":"+44 (0) 20 7946 0958"}',
  "glued a@b.io+c@d.io and (415) 555-0132.",
  "zoë@bücher.de → 用户@例子.广告",
].join("\n");

describe("redactStream / redactWebStream", () => {
  const redactor = createRedactor();
  const expected = redactor.redact(SAMPLE);

  it("gives what redact gives, for EVERY split of the text into two chunks", async () => {
    for (let cut = 0; cut <= SAMPLE.length; cut++) {
      const chunks = [SAMPLE.slice(0, cut), SAMPLE.slice(cut)];
      expect(await viaNodeStream(redactor, chunks), `split at ${String(cut)}`).toBe(expected);
      expect(await viaWebStream(redactor, chunks), `split at ${String(cut)}`).toBe(expected);
    }
  });

  it("gives what redact gives one character at a time, and as UTF-8 bytes split inside characters", async () => {
    expect(await viaNodeStream(redactor, SAMPLE.split(""))).toBe(expected);
    const bytes = new TextEncoder().encode(SAMPLE);
    const byteChunks = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
    expect(await viaNodeStream(redactor, byteChunks)).toBe(expected);
    expect(await viaWebStream(redactor, byteChunks)).toBe(expected);
  });

  it("gives what redact gives for a long text cut into every chunk size from 1 to 64", async () => {
    const long = Array.from({ length: 40 }, () => SAMPLE).join("\n");
    const want = redactor.redact(long);
    for (let size = 1; size <= 64; size++) {
      const chunks: string[] = [];
      for (let i = 0; i < long.length; i += size) chunks.push(long.slice(i, i + size));
      expect(await viaWebStream(redactor, chunks), `chunk size ${String(size)}`).toBe(want);
    }
  });

  it("holds back only a bounded tail: output starts before the input ends", async () => {
    const line = `${"x".repeat(100)} alice@example.com\n`;
    const transform = redactor.redactWebStream();
    const writer = transform.writable.getWriter();
    const reader = transform.readable.getReader();
    void writer.write(line.repeat(200));
    const first = await reader.read();
    expect(first.done).toBe(false);
    expect(first.value?.startsWith(`${"x".repeat(100)} [EMAIL]`)).toBe(true);
    await writer.close();
  });

  it("matches redact for custom detectors and hash tags too", async () => {
    const custom = createRedactor({
      detectors: ["email", { type: "ticket", pattern: /TCK-\d{3,8}/, maxLength: 12 }],
      replace: "hash",
      hashKey: "k".repeat(16),
    });
    const text = "TCK-1234567 by bob@example.com; TCK-42; TCK-99999".repeat(3);
    for (let cut = 0; cut <= text.length; cut++) {
      expect(await viaWebStream(custom, [text.slice(0, cut), text.slice(cut)])).toBe(custom.redact(text));
    }
  });

  it("property: for any text and any chunking, the stream equals redact", async () => {
    const piece = fc.constantFrom(
      "alice@example.com",
      "4242 4242 4242 4242",
      "4111111111111111",
      "536-22-4781",
      "ssn 536224781",
      "(415) 555-0132",
      "+44 20 7946 0958",
      "phone: 4155550132",
      "1715501723481",
      "2024-01-15",
      "10.0.0.1",
      " ",
      "\n",
      "@",
      "-",
      ".",
      "+",
      "(",
    );
    const text = fc.oneof(
      fc.array(fc.oneof(piece, fc.string({ maxLength: 6 })), { maxLength: 25 }).map((p) => p.join("")),
      fc.string({ maxLength: 200 }),
    );
    await fc.assert(
      fc.asyncProperty(text, fc.array(fc.nat(), { maxLength: 8 }), async (input, cuts) => {
        expect(await viaNodeStream(redactor, splitAt(input, cuts))).toBe(redactor.redact(input));
      }),
      { numRuns: 300 },
    );
  });

  it("rejects chunks that are neither strings nor bytes", async () => {
    const web = redactor.redactWebStream();
    const writer = web.writable.getWriter();
    const reading = web.readable.getReader().read();
    await expectMoatErrorAsync(writer.write({ not: "text" } as never), "ERR_INVALID_INPUT");
    await expectMoatErrorAsync(reading, "ERR_INVALID_INPUT");
    // Node's Writable refuses such chunks itself before they reach the transform.
    const node = redactor.redactStream();
    await expect(
      new Promise((resolve, reject) => {
        node.once("error", reject);
        node.write({ not: "text" }, (err) => {
          if (err) reject(err);
          else resolve(undefined);
        });
      }),
    ).rejects.toThrow();
  });
});
