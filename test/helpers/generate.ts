/**
 * Seeded generation for test corpora and load mixes: the same seed gives the same data on every
 * run and machine, so a score or a failing line can be reproduced.
 */

/** mulberry32: a small, fast 32-bit PRNG, good enough for test data (not for anything secret). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random choices over one seeded source. Each method draws a fixed number of values per call. */
export class Gen {
  constructor(readonly rand: () => number) {}
  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.rand() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.rand() * items.length)] as T;
  }
  chance(p: number): boolean {
    return this.rand() < p;
  }
  /** `n` decimal digits, the first drawn from `first`. */
  digits(n: number, first = "0123456789"): string {
    let s = first.charAt(this.int(0, first.length - 1));
    for (let i = 1; i < n; i++) s += String(this.int(0, 9));
    return s;
  }
  hex(n: number): string {
    let s = "";
    for (let i = 0; i < n; i++) s += "0123456789abcdef".charAt(this.int(0, 15));
    return s;
  }
  /** `value` zero-padded to `width` (draws nothing). */
  pad(value: number, width: number): string {
    return String(value).padStart(width, "0");
  }
}

/** A labelled span of a generated line. */
export interface LabelledSpan<T extends string> {
  readonly type: T;
  readonly start: number;
  readonly end: number;
}

/** A line built piece by piece, remembering where each labelled value sits. */
export class SpanLine<T extends string> {
  text = "";
  readonly spans: LabelledSpan<T>[] = [];
  /** Appends unlabelled text. */
  t(s: string): this {
    this.text += s;
    return this;
  }
  /** Appends a value labelled `type`. */
  v(type: T, value: string): this {
    this.spans.push({ type, start: this.text.length, end: this.text.length + value.length });
    this.text += value;
    return this;
  }
}
