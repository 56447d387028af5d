/**
 * Whether a policy expression, as `pg_get_expr` prints it, ties every row it admits to the
 * tenant setting. It reads the boolean structure (OR, AND, NOT) and accepts only atoms it
 * recognises: `tenant_column = <the tenant setting>` and `<the admin setting> = 'on'`.
 * Anything else (a CASE, a function, `IS NULL`, a comparison it cannot read) is not tied: the
 * linter would rather report a policy it does not understand than pass it.
 */

/** What a tied expression must read. */
export interface TenantBinding {
  readonly column: string;
  readonly setting: string;
  readonly adminSetting?: string | undefined;
}

const MAX_DEPTH = 64;

/**
 * Splits `text` at the top-level occurrences of `separator` (outside parentheses, string
 * literals and quoted identifiers). Returns undefined when the text does not scan (unbalanced).
 */
function splitTopLevel(text: string, separator: string): string[] | undefined {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '"') {
      // pg_get_expr writes E'…' when a literal holds a backslash; there `\'` is an escaped quote.
      const escapes = c === "'" && (text[i - 1] === "E" || text[i - 1] === "e");
      let j = i + 1;
      for (; j < text.length; j++) {
        if (escapes && text[j] === "\\") j++;
        else if (text[j] === c) {
          if (text[j + 1] === c) j++;
          else break;
        }
      }
      if (j >= text.length) return undefined;
      i = j;
    } else if (c === "(") depth++;
    else if (c === ")") {
      depth--;
      if (depth < 0) return undefined;
    } else if (depth === 0 && text.startsWith(separator, i)) {
      parts.push(text.slice(start, i));
      start = i + separator.length;
      i += separator.length - 1;
    }
  }
  if (depth !== 0) return undefined;
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}

/** `text` without parentheses that enclose all of it. */
function stripParens(text: string): string {
  let t = text.trim();
  while (t.startsWith("(") && t.endsWith(")")) {
    const inner = t.slice(1, -1);
    // "(a) OR (b)" starts and ends with parentheses that are not a pair.
    const scan = splitTopLevel(inner, "\u0000");
    if (scan === undefined) break;
    t = inner.trim();
  }
  return t;
}

const CAST = /^(.*)::[a-z_][a-z0-9_ ]*(?:\([0-9, ]*\))?(?:\[\])?$/s;
const SUBQUERY = /^SELECT (.*) AS (?:"(?:[^"]|"")*"|[a-z_][a-z0-9_]*)$/s;
const NULLIF = /^NULLIF\((.*), ''::text\)$/s;
const CURRENT_SETTING = /^current_setting\('((?:[^']|'')*)'::text(?:, (true|false))?\)$/;

/** Whether `expr` is the value of `setting`: current_setting, maybe in NULLIF, a scalar subquery or a cast. */
function isSettingValue(expr: string, setting: string, depth = 0): boolean {
  if (depth > MAX_DEPTH) return false;
  const t = stripParens(expr);
  const call = CURRENT_SETTING.exec(t);
  if (call !== null) return call[1]?.replaceAll("''", "'") === setting;
  for (const wrapper of [SUBQUERY, NULLIF, CAST]) {
    const m = wrapper.exec(t);
    if (m?.[1] !== undefined && isSettingValue(m[1], setting, depth + 1)) return true;
  }
  return false;
}

/** Whether `expr` is the tenant column, maybe quoted or cast. */
function isColumn(expr: string, column: string): boolean {
  let t = stripParens(expr);
  for (let m = CAST.exec(t); m?.[1] !== undefined; m = CAST.exec(t)) t = stripParens(m[1]);
  return t === column || t === `"${column.replaceAll('"', '""')}"`;
}

function isTiedAtom(atom: string, b: TenantBinding): boolean {
  const sides = splitTopLevel(atom, " = ");
  if (sides?.length !== 2) return false;
  const [left = "", right = ""] = sides;
  for (const [a, c] of [
    [left, right],
    [right, left],
  ] as const) {
    if (isColumn(a, b.column) && isSettingValue(c, b.setting)) return true;
    if (b.adminSetting !== undefined && c === "'on'::text" && isSettingValue(a, b.adminSetting)) return true;
  }
  return false;
}

/**
 * Whether every row `expr` admits is tied to the tenant (or admin) setting: an AND is tied when
 * one of its parts is, an OR only when all of its branches are.
 */
export function isTenantBound(expr: string, b: TenantBinding, depth = 0): boolean {
  if (depth > MAX_DEPTH) return false;
  const t = stripParens(expr);
  const ors = splitTopLevel(t, " OR ");
  if (ors === undefined) return false;
  if (ors.length > 1) return ors.every((branch) => isTenantBound(branch, b, depth + 1));
  const ands = splitTopLevel(t, " AND ");
  if (ands === undefined) return false;
  if (ands.length > 1) return ands.some((part) => isTenantBound(part, b, depth + 1));
  return isTiedAtom(t, b);
}
