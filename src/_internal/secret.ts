/**
 * `Secret<T>` keeps a value out of logs: every way Node or a logger turns an object into text
 * (`String()`, template literals, `JSON.stringify`, `util.inspect`/`console.log`) prints
 * `[secret]`. The value is held in a private field, invisible to `Object.keys`, spreading and
 * structured cloning, and comes out only through `reveal()`.
 */

const REDACTED = "[secret]";

/**
 * A value that must never be printed. Get it with {@link Secret.reveal} at the one place that
 * needs it.
 *
 * @example
 * ```ts
 * const s = new Secret("JBSWY3DPEHPK3PXP");
 * console.log(s);            // [secret]
 * `${s}`;                    // "[secret]"
 * JSON.stringify({ s });     // {"s":"[secret]"}
 * s.reveal();                // "JBSWY3DPEHPK3PXP"
 * ```
 */
export class Secret<T> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  /** The wrapped value. Keep the result out of logs, errors and responses. */
  reveal(): T {
    return this.#value;
  }

  /** Always `"[secret]"`. */
  toString(): string {
    return REDACTED;
  }

  /** Always `"[secret]"`, so `JSON.stringify` never serialises the value. */
  toJSON(): string {
    return REDACTED;
  }

  /** Always `"[secret]"` (template literals and string coercion). */
  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  static {
    // `util.inspect` and `console.log` look for this method. It is installed here rather than
    // declared as a method so the emitted .d.ts does not depend on Node's symbol.
    Object.defineProperty(this.prototype, Symbol.for("nodejs.util.inspect.custom"), {
      value: (): string => REDACTED,
    });
  }
}

/** Whether `value` is a {@link Secret}. */
export function isSecret(value: unknown): value is Secret<unknown> {
  return value instanceof Secret;
}
