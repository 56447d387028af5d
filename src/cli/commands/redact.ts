/**
 * `moatkit redact`: stdin to stdout, one line at a time, so it works on endless input
 * (`tail -f app.log | moatkit redact`) and never holds more than one line. A line longer than
 * {@link LONG_LINE} is redacted as a stream of its own (exactly as `redact()` on the whole
 * line would), so a file without newlines cannot exhaust memory either.
 */
import { once } from "node:events";
import type { Readable, Transform, Writable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { createRedactor, type Redactor } from "../../redact/redactor.js";
import { BUILTIN_DETECTOR_TYPES, type BuiltinDetectorType } from "../../redact/types.js";
import { EXIT, UsageError } from "../output.js";

/** Characters of one line held before its redaction switches to streaming. */
const LONG_LINE: number = 64 * 1024;

/** Options of `moatkit redact`. */
export interface RedactCommandOptions {
  readonly types?: string;
  readonly replace: string;
}

/** The environment variable holding the key for `--replace hash`. */
const REDACT_HASH_KEY_VARIABLE: string = "MOATKIT_REDACT_HASH_KEY";

function isBuiltinType(value: string): value is BuiltinDetectorType {
  return (BUILTIN_DETECTOR_TYPES as readonly string[]).includes(value);
}

function parseTypes(list: string | undefined): BuiltinDetectorType[] {
  if (list === undefined) return [...BUILTIN_DETECTOR_TYPES];
  const types = list
    .split(",")
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== "");
  if (types.length === 0)
    throw new UsageError(`--types must list at least one of ${BUILTIN_DETECTOR_TYPES.join(", ")}`);
  for (const t of types) {
    if (!isBuiltinType(t))
      throw new UsageError(`--types: unknown type "${t.slice(0, 40)}" (known: ${BUILTIN_DETECTOR_TYPES.join(", ")})`);
  }
  return [...new Set(types)].filter(isBuiltinType);
}

function buildRedactor(options: RedactCommandOptions): Redactor {
  const detectors = parseTypes(options.types);
  const replace = options.replace;
  if (replace !== "label" && replace !== "mask" && replace !== "hash")
    throw new UsageError("--replace must be label, mask or hash");
  if (replace === "hash") {
    const key = process.env[REDACT_HASH_KEY_VARIABLE];
    if (key === undefined || Buffer.byteLength(key, "utf8") < 16) {
      throw new UsageError(`--replace hash needs ${REDACT_HASH_KEY_VARIABLE} set to a key of at least 16 bytes`);
    }
    return createRedactor({ detectors, replace, hashKey: key });
  }
  return createRedactor({ detectors, replace });
}

async function write(out: Writable, text: string): Promise<void> {
  if (text === "") return;
  if (!out.write(text)) await once(out, "drain");
}

/** Redacts `input` line by line onto `output`; resolves when the input ends. */
async function redactLines(redactor: Redactor, input: Readable, output: Writable): Promise<void> {
  const decoder = new StringDecoder("utf8");
  let pending = "";
  // A line too long to hold: redacted as a stream until its newline comes.
  let long: { readonly stream: Transform; readonly done: Promise<void> } | undefined;

  const startLong = (): void => {
    const stream = redactor.redactStream();
    stream.setEncoding("utf8");
    const done = (async () => {
      for await (const chunk of stream) await write(output, String(chunk));
    })();
    long = { stream, done };
  };
  const feedLong = async (text: string): Promise<void> => {
    if (long === undefined || text === "") return;
    if (!long.stream.write(text)) await once(long.stream, "drain");
  };
  const endLong = async (): Promise<void> => {
    if (long === undefined) return;
    long.stream.end();
    await long.done;
    long = undefined;
  };

  const take = async (text: string): Promise<void> => {
    let from = 0;
    for (;;) {
      const nl = text.indexOf("\n", from);
      if (nl === -1) break;
      const piece = text.slice(from, nl);
      if (long !== undefined) {
        await feedLong(piece);
        await endLong();
        await write(output, "\n");
      } else {
        await write(output, `${redactor.redact(pending + piece)}\n`);
        pending = "";
      }
      from = nl + 1;
    }
    const rest = text.slice(from);
    if (long !== undefined) {
      await feedLong(rest);
    } else {
      pending += rest;
      if (pending.length > LONG_LINE) {
        startLong();
        await feedLong(pending);
        pending = "";
      }
    }
  };

  for await (const chunk of input) {
    await take(typeof chunk === "string" ? chunk : decoder.write(chunk as Buffer));
  }
  await take(decoder.end());
  if (long !== undefined) await endLong();
  else await write(output, redactor.redact(pending));
}

/** Runs `moatkit redact`; resolves to the exit status. */
export async function redactCommand(options: RedactCommandOptions): Promise<number> {
  const redactor = buildRedactor(options);
  await redactLines(redactor, process.stdin, process.stdout);
  return EXIT.ok;
}
