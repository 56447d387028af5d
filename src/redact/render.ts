/** Builds redacted text from resolved matches. */

/** Replaces a match: (type, value, start, end) → replacement text. */
export type Replacer = (type: string, value: string, start: number, end: number) => string;

/**
 * `text[from, to)` with every resolved match inside it replaced. `triples` are the engine's
 * sorted [start, end, typeIndex, …]; matches outside the range are skipped.
 */
export function renderRedacted(
  text: string,
  triples: readonly number[],
  types: readonly string[],
  replace: Replacer,
  from = 0,
  to: number = text.length,
): string {
  let out = "";
  let last = from;
  for (let k = 0; k < triples.length; k += 3) {
    const start = triples[k] ?? 0;
    const end = triples[k + 1] ?? 0;
    if (start < from) continue;
    if (end > to) break;
    const type = types[triples[k + 2] ?? 0] ?? "";
    out += text.slice(last, start) + replace(type, text.slice(start, end), start, end);
    last = end;
  }
  return last === from && to === text.length && from === 0 ? text : out + text.slice(last, to);
}

/**
 * `text` with every resolved match replaced by its type's label (`labels[typeIndex]`): the
 * default `"label"` mode of {@link renderRedacted}, without a call and a slice per match.
 */
export function renderLabels(text: string, triples: readonly number[], labels: readonly string[]): string {
  if (triples.length === 0) return text;
  let out = "";
  let last = 0;
  for (let k = 0; k < triples.length; k += 3) {
    const start = triples[k] ?? 0;
    out += text.slice(last, start) + (labels[triples[k + 2] ?? 0] ?? "");
    last = triples[k + 1] ?? 0;
  }
  return out + text.slice(last);
}
