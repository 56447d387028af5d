/**
 * Chunked redaction that gives exactly what one `redact()` call on the whole text gives, for
 * every way of splitting the input (redact-pii splits "with no intelligence" and leaks values
 * cut by a chunk boundary).
 *
 * The stream keeps back the last `maxLength + 2` characters (the longest possible match plus
 * the two characters a boundary check reads after it): any match that starts earlier is
 * already fully visible. If a match crosses that line, the cut moves to its start. Text already
 * emitted is kept as left context (context words, email local parts) and never re-emitted.
 */
import { Transform } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { MoatError } from "../errors.js";
import { type DetectionEngine, LOOKAHEAD, LOOKBEHIND } from "./engine.js";
import { type Replacer, renderRedacted } from "./render.js";

/** The incremental core shared by the Node and WHATWG streams. */
interface StreamCore {
  /** Adds text; returns the redacted text that is now final (possibly empty). */
  push(text: string): string;
  /** Ends the input; returns the rest. */
  end(): string;
}

/** An incremental redactor over `engine`. */
export function createStreamCore(engine: DetectionEngine, replace: Replacer): StreamCore {
  const holdBack = engine.maxLength + LOOKAHEAD;
  const context = engine.maxLength + LOOKBEHIND;
  // Scanning only once this much text is pending keeps the re-scanned context amortised.
  const minPending = 2 * holdBack;
  let buffer = "";
  let emitted = 0;
  let ended = false;

  const flushUpTo = (finalCut: number | undefined): string => {
    const triples = engine.resolve(buffer, emitted);
    let cut = finalCut ?? buffer.length - holdBack;
    if (finalCut === undefined) {
      for (let k = 0; k < triples.length; k += 3) {
        const start = triples[k] ?? 0;
        const end = triples[k + 1] ?? 0;
        if (start >= cut) break;
        if (end > cut) {
          cut = start;
          break;
        }
      }
    }
    if (cut <= emitted) return "";
    const out = renderRedacted(buffer, triples, engine.types, replace, emitted, cut);
    emitted = cut;
    const keepFrom = Math.max(0, emitted - context);
    if (keepFrom > 0) {
      buffer = buffer.slice(keepFrom);
      emitted -= keepFrom;
    }
    return out;
  };

  return {
    push(text) {
      if (ended) throw new MoatError("ERR_INVALID_INPUT", { message: "the stream has ended" });
      if (text === "") return "";
      buffer += text;
      return buffer.length - emitted - holdBack >= minPending ? flushUpTo(undefined) : "";
    },
    end() {
      if (ended) return "";
      ended = true;
      const out = flushUpTo(buffer.length);
      buffer = "";
      emitted = 0;
      return out;
    },
  };
}

function chunkText(chunk: unknown, decoder: { write(b: Uint8Array): string }): string {
  if (typeof chunk === "string") return chunk;
  if (chunk instanceof Uint8Array) return decoder.write(chunk);
  throw new MoatError("ERR_INVALID_INPUT", { message: "stream chunks must be strings or bytes" });
}

/** A Node Transform: bytes (UTF-8) or strings in, redacted UTF-8 out. */
export function createRedactTransform(core: StreamCore): Transform {
  const decoder = new StringDecoder("utf8");
  return new Transform({
    decodeStrings: false,
    transform(chunk: unknown, _encoding, callback) {
      try {
        const out = core.push(chunkText(chunk, decoder));
        callback(null, out === "" ? undefined : out);
      } catch (err) {
        callback(err instanceof Error ? err : new MoatError("ERR_INVALID_INPUT"));
      }
    },
    flush(callback) {
      try {
        const out = core.push(decoder.end()) + core.end();
        callback(null, out === "" ? undefined : out);
      } catch (err) {
        callback(err instanceof Error ? err : new MoatError("ERR_INVALID_INPUT"));
      }
    },
  });
}

/** A WHATWG TransformStream: strings or UTF-8 bytes in, redacted strings out. */
export function createRedactWebStream(core: StreamCore): TransformStream<string | Uint8Array, string> {
  const decoder = new TextDecoder("utf-8");
  const streamDecoder = { write: (b: Uint8Array) => decoder.decode(b, { stream: true }) };
  return new TransformStream<string | Uint8Array, string>({
    transform(chunk, controller) {
      const out = core.push(chunkText(chunk, streamDecoder));
      if (out !== "") controller.enqueue(out);
    },
    flush(controller) {
      const out = core.push(decoder.decode()) + core.end();
      if (out !== "") controller.enqueue(out);
    },
  });
}
