import { format, inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { Secret, isSecret } from "../../src/index.js";

const VALUE = "JBSWY3DPEHPK3PXP-super-secret";

describe("Secret", () => {
  const s = new Secret(VALUE);

  it("gives its value only through reveal()", () => {
    expect(s.reveal()).toBe(VALUE);
    expect(Object.keys(s)).toEqual([]);
    // eslint-disable-next-line @typescript-eslint/no-misused-spread -- spreading is what we check
    expect({ ...s }).toEqual({});
  });

  it("never prints its value through inspect, console formatting, JSON or string coercion", () => {
    /* eslint-disable @typescript-eslint/restrict-template-expressions -- template literals are a rendering under test */
    const renderings = [
      inspect(s),
      inspect({ nested: { s } }, { depth: 10, showHidden: true }),
      format("%s %o %O %j", s, s, s, s),
      JSON.stringify(s),
      JSON.stringify({ s, list: [s] }),
      String(s),
      `${s}`,
      String([s]),
      s.toString(),
      "prefix " + String(s),
    ];
    for (const text of renderings) expect(text).not.toContain(VALUE);
    expect(inspect(s)).toBe("[secret]");
    expect(`${s}`).toBe("[secret]");
    /* eslint-enable @typescript-eslint/restrict-template-expressions */
    expect(JSON.stringify({ s })).toBe('{"s":"[secret]"}');
  });

  it("does not leak through structuredClone", () => {
    expect(JSON.stringify(structuredClone({ s }))).not.toContain(VALUE);
  });

  it("wraps non-string values too", () => {
    const bytes = new Secret(new Uint8Array([1, 2, 3]));
    expect(inspect(bytes)).toBe("[secret]");
    expect(bytes.reveal()).toEqual(new Uint8Array([1, 2, 3]));
  });

  it("isSecret recognises instances only", () => {
    expect(isSecret(s)).toBe(true);
    expect(isSecret("[secret]")).toBe(false);
    expect(isSecret({ reveal: () => 1 })).toBe(false);
  });
});
