/**
 * What an error may carry of the input that caused it, and how a copy for a log leaves it out.
 *
 * Errors are where request bodies slip into logs: body-parser keeps the raw body in `err.body`,
 * V8's JSON.parse messages quote the start of the input (`Unexpected token 'h', "hunter2" is not
 * valid JSON`), an HTTP client's error keeps the request it sent in `config.data`. Inside an
 * error (its own properties, everything under them, its `cause` chain), values under
 * {@link ERROR_INPUT_KEYS} are withheld like values under sensitive keys, and a parser's message
 * is cut down to the parts that describe the failure rather than the input.
 */
import { stackWithHeader } from "../_internal/error-stack.js";
import { DEFAULT_SENSITIVE_KEYS, compileKeyMatcher } from "./sensitive-keys.js";

/**
 * Keys under which an error (or anything inside one) carries input or payload rather than a
 * description of the failure: `body` (body-parser, `rawBody`, `requestBody`), `data` (axios's
 * `config.data` and `response.data`), `payload`, `input` (zod's issues), `raw` (`rawHeaders`).
 * Matched word by word, like sensitive keys.
 */
export const ERROR_INPUT_KEYS: readonly string[] = Object.freeze(["body", "data", "payload", "input", "raw"]);

/** Whether a key inside an error carries input (see {@link ERROR_INPUT_KEYS}). */
export const isErrorInputKey: (key: string) => boolean = compileKeyMatcher(ERROR_INPUT_KEYS);

/** Inside an error: a default sensitive key or an input key. */
export const isErrorSecretKey: (key: string) => boolean = compileKeyMatcher([
  ...DEFAULT_SENSITIVE_KEYS,
  ...ERROR_INPUT_KEYS,
]);

// V8's JSON.parse messages that name a position and nothing of the input (Node 20 to 24).
const INPUT_FREE_JSON_MESSAGE = new RegExp(
  "^(?:Unexpected end of JSON input|(?:" +
    [
      "Unterminated string",
      "Expected property name or '\\}'",
      "Expected ',' or '\\}' after property value",
      "Expected ',' or '\\]' after array element",
      "Expected ':' after property name",
      "Expected double-quoted property name",
      "Bad control character in string literal",
      "Bad escaped character",
      "Bad Unicode escape",
      "Unexpected non-whitespace character after JSON",
      "No number after minus sign",
      "Exponent part is missing a number",
      "Unterminated fractional number",
    ].join("|") +
    ") in JSON at position \\d{1,12}(?: \\(line \\d{1,12} column \\d{1,12}\\))?)$",
);
const POSITION = /\bat position (\d{1,12})\b/;

/** Messages for body-parser failure types whose own message quotes a request header. */
const TYPE_MESSAGES: Readonly<Record<string, string>> = {
  "charset.unsupported": "unsupported charset",
  "encoding.unsupported": "unsupported content encoding",
};

/** What is left of a JSON.parse message once anything it quotes of the input is removed. */
function jsonMessage(message: string): string {
  if (INPUT_FREE_JSON_MESSAGE.test(message)) return message;
  const position = POSITION.exec(message)?.[1];
  return position === undefined
    ? "not valid JSON (input withheld)"
    : `Unexpected token in JSON at position ${position} (input withheld)`;
}

function stringProperty(error: Error, key: string): string | undefined {
  const value: unknown = Reflect.get(error, key);
  return typeof value === "string" ? value : undefined;
}

function isSyntaxError(error: Error): boolean {
  return error instanceof SyntaxError || stringProperty(error, "name") === "SyntaxError";
}

/**
 * The message to log for `error`: a parser's message without the input it quotes, a fixed text
 * for body-parser failures that quote a header, and any other message as it is.
 */
export function errorMessage(error: Error, message: string): string {
  const type = stringProperty(error, "type");
  if (type !== undefined && Object.hasOwn(TYPE_MESSAGES, type)) return TYPE_MESSAGES[type] ?? message;
  if (isSyntaxError(error) && /\bJSON\b/.test(message)) return jsonMessage(message);
  // body-parser's type for any parser's failure (urlencoded, a custom one): its message may quote input.
  if (type === "entity.parse.failed") return "request body could not be parsed (input withheld)";
  return message;
}

/**
 * The stack to log when the message was changed: the header rebuilt with the new message, then
 * only the frames (a stack's first lines repeat the message, in whatever form the thrower gave it).
 */
export function errorStack(error: Error, stack: string, message: string): string {
  return stackWithHeader(stringProperty(error, "name") ?? "Error", message, stack);
}
