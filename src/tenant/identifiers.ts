/**
 * SQL identifiers and setting names. Values (tenant ids, user ids) are always bound parameters;
 * names cannot be bound (`SET ROLE`, `CREATE POLICY … ON`, `current_setting('…')` in DDL), so
 * every name a caller supplies is checked against a strict pattern and then quoted anyway.
 */
import { z } from "zod";
import { hasControl, replaceControl } from "../_internal/display.js";
import { MoatError } from "../errors.js";

/**
 * Letters, digits and `_`, not starting with a digit, at most 63 bytes (Postgres truncates
 * longer names silently, so two long names could collide). ASCII only, so characters = bytes.
 */
const IDENTIFIER_RE = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * A custom setting (GUC) name: two or more lower-case identifier parts joined by dots, as
 * Postgres requires for placeholder settings (`app.tenant_id`). Lower case because Postgres
 * folds setting names, so `App.Tenant_Id` and `app.tenant_id` would be the same setting.
 */
const SETTING_RE = /^[a-z_][a-z0-9_]{0,62}(?:\.[a-z_][a-z0-9_]{0,62})+$/;

/**
 * Words `SET ROLE` and `GRANT … TO` treat specially whatever the quoting: `SET ROLE "none"`
 * resets to the session user (often a superuser), and `pg_` roles are reserved.
 */
const RESERVED_ROLES = new Set(["none", "public", "current_user", "current_role", "session_user"]);

/** A table, column or schema name a caller may pass. */
export const identifierSchema: z.ZodString = z.string().regex(IDENTIFIER_RE);

/** A role name a caller may pass: an identifier that `SET ROLE` reads literally. */
export const roleSchema: z.ZodType<string> = identifierSchema.refine(
  (name) => !RESERVED_ROLES.has(name.toLowerCase()) && !name.toLowerCase().startsWith("pg_"),
  { message: "reserved role name" },
);

/** A custom setting name such as `app.tenant_id`. */
export const settingSchema: z.ZodType<string> = z.string().max(127).regex(SETTING_RE);

/** Whether `name` is an identifier moatkit accepts from a caller. */
export function isIdentifier(name: unknown): name is string {
  return typeof name === "string" && IDENTIFIER_RE.test(name);
}

/**
 * Quotes a name as a Postgres identifier. Names from callers are validated first; names read
 * from the catalog (which may hold any character but NUL) are quoted by doubling `"`, and
 * written as `U&"…"` with `\XXXX` escapes when they hold control characters.
 */
export function quoteIdent(name: string): string {
  if (name === "" || name.includes("\u0000")) {
    throw new MoatError("ERR_INVALID_INPUT", { message: "invalid SQL identifier" });
  }
  if (hasControl(name)) {
    // A Unicode-escaped identifier: the same name to Postgres, but printable on one line, so a
    // fix SQL for a table named with a newline or an ANSI escape can be shown and still runs.
    const doubled = name.replaceAll("\\", "\\\\").replaceAll('"', '""');
    const escaped = replaceControl(doubled, (code) => `\\${code.toString(16).padStart(4, "0")}`);
    return `U&"${escaped}"`;
  }
  return `"${name.replaceAll('"', '""')}"`;
}

/** `"schema"."table"`, or `"table"` when there is no schema. */
export function qualifiedName(table: string, schema?: string): string {
  return schema === undefined ? quoteIdent(table) : `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/**
 * A setting name as an SQL string literal, for DDL where it cannot be a parameter. The name has
 * passed {@link settingSchema}, so it holds no quote; the doubling is a second guard.
 */
export function settingLiteral(setting: string): string {
  if (!SETTING_RE.test(setting)) throw new MoatError("ERR_INVALID_INPUT", { message: "invalid setting name" });
  return `'${setting.replaceAll("'", "''")}'`;
}
