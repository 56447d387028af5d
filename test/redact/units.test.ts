/**
 * The scanners read a copy of the text's UTF-16 code units (`unitsOf` in src/redact/chars.ts):
 * texts up to 64 Ki units share one scratch buffer, rewritten by each call, and reads past the
 * end of a text stand for U+FFFF. What could go wrong with that, tried here:
 *
 * - a value of one text showing up in the next (stale units in the shared buffer, or a view of
 *   the wrong length), above all for texts of the same length, one after the other;
 * - a value cut at the end of a text, or one read on into whatever follows in the buffer;
 * - texts past the size of the view cache (2,048 units) and of the scratch buffer itself;
 * - U+FFFF (the stand-in for "past the end") and lone surrogates inside the text;
 * - re-entrancy: a custom detector that runs another redaction from inside `find`;
 * - Node's undocumented UTF-16 writer behaving otherwise than expected (it is then not used).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { END, probeUcs2Write, unitsOf } from "../../src/redact/chars.js";
import { type Detector, createRedactor } from "../../src/redact/index.js";

const redactor = createRedactor();
const CARD = "4111 1111 1111 1111";

describe("unitsOf", () => {
  it("gives the text's code units, lone surrogates and U+FFFF included", () => {
    const text = "a\uD800b\uDC00\uFFFF\u0000z4";
    expect([...unitsOf(text)]).toEqual(Array.from({ length: text.length }, (_, k) => text.charCodeAt(k)));
  });

  it("has the text's length at every size: empty, cached views, uncached views, own copies", () => {
    for (const n of [0, 1, 2048, 2049, 65_536, 65_537]) {
      const text = "7".repeat(n);
      const units = unitsOf(text);
      expect(units.length).toBe(n);
      expect(units[n]).toBeUndefined(); // a read past the end finds nothing, not stale data
      if (n > 0) expect(units[n - 1]).toBe(55);
    }
  });

  it("stands for reads past either end with a unit no scanner accepts", () => {
    const units = unitsOf("12");
    expect(units[-1] ?? END).toBe(0xffff);
    expect(units[2] ?? END).toBe(0xffff);
  });
});

describe("redaction on the shared scratch buffer", () => {
  it("never carries a value from one text into the next text of the same length", () => {
    const withCard = `card ${CARD}`;
    const without = `card ${"x".repeat(CARD.length)}`;
    expect(without.length).toBe(withCard.length);
    expect(redactor.redact(withCard)).toBe("card [CREDIT_CARD]");
    expect(redactor.redact(without)).toBe(without);
    expect(redactor.redact(withCard)).toBe("card [CREDIT_CARD]");
  });

  it("does not read on past the end of a shorter text into what a longer one left behind", () => {
    // The long text leaves the digits `1111` right after where the short one ends.
    expect(redactor.redact(`pan 4111 1111 1111 1111 and more`)).toBe("pan [CREDIT_CARD] and more");
    expect(redactor.redact("pan 4111 1111 1111")).toBe("pan 4111 1111 1111");
    expect(redactor.redact("call 415-555-013")).toBe("call 415-555-013");
    expect(redactor.redact("call 415-555-0132 x12")).toBe("call [PHONE]");
    expect(redactor.redact("call 415-555-0132 x")).toBe("call [PHONE] x");
  });

  it("finds values at both ends of texts past the view cache and past the scratch buffer", () => {
    for (const size of [3000, 70_000]) {
      const filler = "lorem ipsum ".repeat(Math.ceil(size / 12)).slice(0, size);
      const text = `${CARD} ${filler} bob@example.com`;
      expect(redactor.redact(text)).toBe(`[CREDIT_CARD] ${filler} [EMAIL]`);
      // A short text right after a long one still reads only its own units.
      expect(redactor.redact("ssn 527-68-3409")).toBe("ssn [SSN]");
    }
  });

  it("treats U+FFFF in the text as it treats the end of the text", () => {
    expect(redactor.redact(`${CARD}\uFFFF`)).toBe("[CREDIT_CARD]\uFFFF");
    expect(redactor.redact(`\uFFFF${CARD}`)).toBe("\uFFFF[CREDIT_CARD]");
    expect(redactor.redact("a@b.co\uFFFF")).toBe("[EMAIL]\uFFFF");
  });

  it("gives each text the same answer whatever was redacted before it", () => {
    // Redacting a text twice in a row is the reference: even a stale buffer would hold that same
    // text the second time. After another text (of the same length or not) nothing may change.
    const unit = fc.constantFrom(..."0123456789 -.()+@x\uFFFF\uD800ab".split(""));
    const text = fc.string({ unit, maxLength: 40 });
    fc.assert(
      fc.property(text, text, (before, t) => {
        redactor.redact(t);
        const reference = redactor.redact(t);
        redactor.redact(before);
        expect(redactor.redact(t)).toBe(reference);
        redactor.redact(before.padEnd(t.length, "4").slice(0, t.length));
        expect(redactor.redact(t)).toBe(reference);
      }),
      { numRuns: 500 },
    );
  });

  it("is not disturbed by a custom detector that redacts another text from inside find", () => {
    const inner = createRedactor();
    const reentrant: Detector = {
      type: "probe",
      find: (text) => {
        // Overwrites the scratch buffer with a text of the same length, full of values.
        inner.redact(CARD.padEnd(text.length, "9").slice(0, text.length));
        return [];
      },
    };
    const outer = createRedactor({ detectors: ["email", "ssn", "phone", "credit_card", reentrant] });
    const line = `user bob@example.com card ${CARD} ssn 527-68-3409 tel (415) 555-0132`;
    expect(outer.redact(line)).toBe(redactor.redact(line));
    expect(outer.redact(line)).toBe("user [EMAIL] card [CREDIT_CARD] ssn [SSN] tel [PHONE]");
  });
});

describe("Node's own UTF-16 writer, used only when it behaves", () => {
  const own = (Buffer.prototype as { ucs2Write?: unknown }).ucs2Write;

  it("is taken on this Node, where it writes the probe as Buffer#write does", () => {
    expect(probeUcs2Write(own)).toBe(own);
  });

  it("is refused when missing, not a function, throwing, or writing something else", () => {
    const impostors: unknown[] = [
      undefined,
      "not a function",
      () => 0,
      () => {
        throw new Error("gone");
      },
      // Writes one byte a unit (latin1) but claims the UTF-16 length.
      function (this: Buffer, text: string, offset: number): number {
        return this.write(text, offset, "latin1") * 2;
      },
    ];
    for (const impostor of impostors) expect(probeUcs2Write(impostor)).toBeUndefined();
  });
});
