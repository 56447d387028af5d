/**
 * What the `moatkit` command prints, and with which exit status. Every line a command prints
 * goes through {@link writeLines} (or {@link describeFailure} for errors), which escapes control
 * characters: a table, role or organisation name holding a newline or an ANSI escape prints as
 * `\n` / `\x1b` on its own line instead of faking one. Nothing here ever prints a stack, a
 * connection string's password or a value read from the database: errors are reduced to a
 * stable code and a fixed sentence.
 */
import { escapeControl } from "../_internal/display.js";
import { isMoatError } from "../errors.js";

export { escapeControl };

/**
 * Writes `lines` through `write`, each with its control characters escaped and a newline after
 * it. Commands print with this (see {@link printOut}, {@link printErr}).
 */
export function writeLines(write: (text: string) => void, lines: readonly string[]): void {
  write(lines.map((line) => `${escapeControl(line)}\n`).join(""));
}

/** Prints `lines` on stdout, escaped. */
export function printOut(...lines: readonly string[]): void {
  writeLines((text) => process.stdout.write(text), lines);
}

/** Prints `lines` on stderr, escaped. */
export function printErr(...lines: readonly string[]): void {
  writeLines((text) => process.stderr.write(text), lines);
}

/** Exit statuses of the `moatkit` command. */
export const EXIT = {
  /** Done; nothing found. */
  ok: 0,
  /** The operation failed or found a problem (broken chain, RLS finding, unreadable rows). */
  failure: 1,
  /** The command line or the environment is wrong. */
  usage: 2,
  /** Stopped by Ctrl-C (SIGINT) after finishing the current batch. */
  interrupted: 130,
} as const;

/** A mistake on the command line or in the environment: exit status 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** A command that ran and failed with a message of its own (exit status 1 unless given). */
export class CommandFailure extends Error {
  override readonly name = "CommandFailure";
  readonly exitCode: number;

  constructor(message: string, exitCode: number = EXIT.failure) {
    super(message);
    this.exitCode = exitCode;
  }
}

const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@'"]*@/gi;
const OPTION_VALUE = /(--?[A-Za-z0-9][\w-]*)=[^\s'"]*/g;

/**
 * Takes out of a message anything that could be a secret a user typed: the credentials of a
 * URL, and the value of `--option=value`. Commander echoes unknown options as typed.
 */
export function scrubMessage(message: string): string {
  return message.replace(URL_CREDENTIALS, "$1***@").replace(OPTION_VALUE, "$1=***");
}

/** SQLSTATE codes worth a sentence; every other database error is reported by its code only. */
const SQLSTATE_MESSAGES: Readonly<Record<string, string>> = {
  "28P01": "the database refused the password",
  "28000": "the database refused the connection for this role",
  "3D000": "the database does not exist",
  "42P01": "a table does not exist (check --table, the schema, or that moatkit's migrations ran)",
  "42703": "a column does not exist (check --column and --id-column)",
  "42501": "the database role lacks a privilege this command needs",
  "22P02": "a value has the wrong type for its column (check --start-after)",
  "57014": "the database cancelled the statement",
};

const NETWORK_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "ETIMEDOUT", "ECONNRESET", "EHOSTUNREACH", "EAI_AGAIN"]);

function stringField(value: unknown, key: string): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const field: unknown = Reflect.get(value, key);
  return typeof field === "string" ? field : undefined;
}

/** The database error behind `err` (directly or as a MoatError's cause), if any. */
function databaseCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    const code = stringField(e, "code");
    if (code !== undefined && (/^[0-9A-Z]{5}$/.test(code) || NETWORK_CODES.has(code))) return code;
    e = typeof e === "object" ? Reflect.get(e, "cause") : undefined;
  }
  return undefined;
}

/** One line describing `err`, safe to print (control characters escaped), and the exit status it calls for. */
export function describeFailure(err: unknown): { readonly message: string; readonly exitCode: number } {
  const { message, exitCode } = describeUnescaped(err);
  return { message: escapeControl(message), exitCode };
}

function describeUnescaped(err: unknown): { readonly message: string; readonly exitCode: number } {
  if (err instanceof UsageError) return { message: scrubMessage(err.message), exitCode: EXIT.usage };
  if (err instanceof CommandFailure) return { message: scrubMessage(err.message), exitCode: err.exitCode };
  const dbCode = databaseCode(err);
  if (dbCode !== undefined && NETWORK_CODES.has(dbCode)) {
    return { message: `cannot reach the database (${dbCode})`, exitCode: EXIT.failure };
  }
  if (isMoatError(err)) {
    // Misconfiguration and bad input are the operator's to fix: usage errors.
    const exitCode = err.code === "ERR_CONFIG" || err.code === "ERR_INVALID_INPUT" ? EXIT.usage : EXIT.failure;
    const db = dbCode === undefined ? "" : ` (database: ${SQLSTATE_MESSAGES[dbCode] ?? `SQLSTATE ${dbCode}`})`;
    return { message: `${err.code}: ${scrubMessage(err.message)}${db}`, exitCode };
  }
  if (dbCode !== undefined) {
    return { message: `database error: ${SQLSTATE_MESSAGES[dbCode] ?? `SQLSTATE ${dbCode}`}`, exitCode: EXIT.failure };
  }
  // An unexpected error's message may quote anything (a row, a URL): print only its kind.
  const name = err instanceof Error ? err.name : typeof err;
  return { message: `unexpected error (${name})`, exitCode: EXIT.failure };
}
