/**
 * Reads `current_setting(…)` calls out of policy expressions as Postgres prints them
 * (`pg_get_expr`), for the RLS linter: which setting each reads, with which `missing_ok`, and
 * whether it is evaluated once (in a scalar subquery) and guarded against `''` (in `NULLIF`).
 */

/** One `current_setting(…)` call in a deparsed policy expression. */
interface SettingCall {
  /** The setting name, when it is a literal. */
  readonly name: string | undefined;
  /** The `missing_ok` argument: `true`, `false`, or `undefined` when absent or not a literal. */
  readonly missingOk: boolean | undefined;
  /** Whether an enclosing parenthesis is a scalar subquery `(SELECT …)`. */
  readonly wrapped: boolean;
  /** Whether the call is the first argument of `NULLIF(`. */
  readonly inNullif: boolean;
}

const CALL_RE = /current_setting\(\s*(?:'((?:[^']|'')*)'(?:::text)?)?[^,)]*?(?:,\s*(true|false))?\s*\)/iy;

/**
 * Finds the `current_setting` calls in an expression as `pg_get_expr` prints it, noting for
 * each whether it sits in a `(SELECT …)` and in `NULLIF(`. String literals are skipped, so a
 * parenthesis or the word inside one is not mistaken for syntax.
 * @internal
 */
export function findSettingCalls(expr: string): SettingCall[] {
  const calls: SettingCall[] = [];
  const parens: boolean[] = [];
  let i = 0;
  while (i < expr.length) {
    const ch = expr.charAt(i);
    if (ch === "'") {
      i++;
      while (i < expr.length) {
        if (expr.charAt(i) === "'") {
          if (expr.charAt(i + 1) === "'") i += 2;
          else break;
        } else i++;
      }
      i++;
      continue;
    }
    if (ch === "(") {
      parens.push(/^\(\s*select\b/i.test(expr.slice(i, i + 16)));
    } else if (ch === ")") {
      parens.pop();
    } else if (/^current_setting\(/i.test(expr.slice(i, i + 16)) && !/[a-z0-9_]/i.test(expr.charAt(i - 1))) {
      CALL_RE.lastIndex = i;
      const m = CALL_RE.exec(expr);
      calls.push({
        name: m?.[1]?.replaceAll("''", "'"),
        missingOk: m?.[2] === undefined ? undefined : m[2].toLowerCase() === "true",
        wrapped: parens.includes(true),
        inNullif: /nullif\(\s*$/i.test(expr.slice(Math.max(0, i - 12), i)),
      });
    }
    i++;
  }
  return calls;
}
