/**
 * Reversible pseudonyms for LLM calls: each distinct value becomes a stable placeholder
 * (`<EMAIL_1>`), the prompt goes to the model, and the model's answer is mapped back. The
 * mapping lives only in this closure's memory; nothing is stored or logged.
 */
import { MoatError } from "../errors.js";
import type { DetectionEngine } from "./engine.js";

/** The result of pseudonymising text. */
export interface Pseudonymized {
  /** The text with every detected value replaced by a placeholder such as `<EMAIL_1>`. */
  readonly text: string;
  /**
   * Puts the original values back into text that uses the placeholders (typically the model's
   * answer). Placeholders this call did not create are left as they are.
   */
  restore(output: string): string;
}

/** A pseudonym table shared by several texts (the messages of one LLM call). */
interface PseudonymSession {
  /** Pseudonymises one text, reusing placeholders for values seen before. */
  apply(text: string): string;
  /** Restores placeholders in `output`. */
  restore(output: string): string;
}

const PLACEHOLDER = /<([A-Z][A-Z0-9_]*)_([1-9][0-9]{0,8})>/g;

/** A session over `engine`. Placeholders already present in the input are never reused. */
export function createPseudonymSession(engine: DetectionEngine): PseudonymSession {
  const byValue = new Map<string, string>();
  const byPlaceholder = new Map<string, string>();
  const nextNumber = new Map<string, number>();
  const taken = new Set<string>();

  const placeholderFor = (type: string, value: string): string => {
    // Keyed by the exact text, so restore() gives back exactly what was sent, formatting included.
    const key = `${type}\u0000${value}`;
    let placeholder = byValue.get(key);
    if (placeholder !== undefined) return placeholder;
    const prefix = type.toUpperCase();
    let n = nextNumber.get(prefix) ?? 1;
    while (taken.has(`<${prefix}_${String(n)}>`)) n++;
    placeholder = `<${prefix}_${String(n)}>`;
    nextNumber.set(prefix, n + 1);
    byValue.set(key, placeholder);
    byPlaceholder.set(placeholder, value);
    return placeholder;
  };

  return {
    apply(text) {
      if (typeof text !== "string") throw new MoatError("ERR_INVALID_INPUT", { message: "text must be a string" });
      // A user who types "<EMAIL_1>" must not get someone else's value back from restore().
      for (const m of text.matchAll(PLACEHOLDER)) if (!byPlaceholder.has(m[0])) taken.add(m[0]);
      const triples = engine.resolve(text);
      if (triples.length === 0) return text;
      let out = "";
      let last = 0;
      for (let k = 0; k < triples.length; k += 3) {
        const start = triples[k] ?? 0;
        const end = triples[k + 1] ?? 0;
        const type = engine.types[triples[k + 2] ?? 0] ?? "";
        out += text.slice(last, start) + placeholderFor(type, text.slice(start, end));
        last = end;
      }
      return out + text.slice(last);
    },
    restore(output) {
      if (typeof output !== "string") throw new MoatError("ERR_INVALID_INPUT", { message: "output must be a string" });
      if (byPlaceholder.size === 0) return output;
      return output.replace(PLACEHOLDER, (placeholder) => byPlaceholder.get(placeholder) ?? placeholder);
    },
  };
}
