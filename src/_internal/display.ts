/**
 * Names read from a database (tables, roles, policies) may hold any character but NUL. Printed
 * raw, a newline starts a line of the name's choosing and an ANSI escape rewrites the terminal,
 * so a table could print a fake "✓ 0 errors". Everything shown to a person goes through here.
 */

/**
 * C0 controls (newline and tab included), DEL and C1 controls (CSI U+009B among them), and the
 * Unicode line/paragraph separators and bidirectional overrides that reorder or break a line.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** `text` with every control character replaced by what `replace` gives for its code. */
export function replaceControl(text: string, replace: (code: number) => string): string {
  return text.replace(UNSAFE, (c) => replace(c.charCodeAt(0)));
}

/**
 * `text` with every control character written as a visible escape (`\n`, `\x1b`, `\u202e`),
 * so it prints on one line and cannot move the cursor or change colours.
 */
export function escapeControl(text: string): string {
  return replaceControl(text, (code) => {
    const named = NAMED[String.fromCharCode(code)];
    if (named !== undefined) return named;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** Whether `text` holds a character {@link escapeControl} would escape. */
export function hasControl(text: string): boolean {
  UNSAFE.lastIndex = 0;
  const found = UNSAFE.test(text);
  UNSAFE.lastIndex = 0;
  return found;
}
