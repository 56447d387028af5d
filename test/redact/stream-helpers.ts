/** Feeding text to a redactor's streams in chunks, for the tests that compare streams with `redact`. */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Redactor } from "../../src/redact/index.js";

/** What the redactor's Node stream writes for `chunks`, as one string. */
export async function viaNodeStream(redactor: Redactor, chunks: readonly (string | Uint8Array)[]): Promise<string> {
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks, { objectMode: false }),
    redactor.redactStream(),
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) out.push(chunk);
      yield* [];
    },
  );
  return Buffer.concat(out).toString("utf8");
}

/** What the redactor's web stream writes for `chunks`, as one string. */
export async function viaWebStream(redactor: Redactor, chunks: readonly (string | Uint8Array)[]): Promise<string> {
  let out = "";
  const source = new ReadableStream<string | Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(c);
      controller.close();
    },
  });
  const reader = source.pipeThrough(redactor.redactWebStream()).getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) out += r.value;
  return out;
}

/** `input` cut at the positions `cuts` name (each taken modulo the length + 1), in order. */
export function splitAt(input: string, cuts: readonly number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let last = 0;
  for (const p of points) {
    chunks.push(input.slice(last, p));
    last = p;
  }
  chunks.push(input.slice(last));
  return chunks;
}
