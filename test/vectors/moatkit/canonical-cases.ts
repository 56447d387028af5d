/**
 * Canonical JSON vectors (canonical-json.json). These are written by hand, not computed: the
 * RFC 8785 examples come from the RFC's text (§3.2.2 primitive serialization example, §3.2.3
 * property sorting example, §3.2.4 UTF-8 bytes, Appendix B number samples); the others pin the
 * rules docs/format.md adds for moatkit (empty objects, nesting, refusals).
 *
 * `input` is JSON text: the value a test canonicalises is `JSON.parse(input)`, so the escapes in
 * it (lone surrogates included) are exactly those of JSON.
 */
const utf8Hex = (text: string): string => Buffer.from(text, "utf8").toString("hex");

const RFC_PRIMITIVES_OUTPUT =
  '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}';

const RFC_SORTING_OUTPUT =
  '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}';

export const CANONICAL_JSON_DOCUMENT = {
  rfc8785: [
    {
      name: "RFC 8785 §3.2.2 (primitive data types) and §3.2.4 (UTF-8 bytes)",
      input: String.raw`{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}`,
      output: RFC_PRIMITIVES_OUTPUT,
      outputUtf8Hex: utf8Hex(RFC_PRIMITIVES_OUTPUT),
    },
    {
      name: "RFC 8785 §3.2.3 (sorting of object properties by UTF-16 code units)",
      input: String.raw`{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}`,
      output: RFC_SORTING_OUTPUT,
      outputUtf8Hex: utf8Hex(RFC_SORTING_OUTPUT),
    },
  ],
  /** RFC 8785 Appendix B: IEEE 754 double (big-endian hex) → its canonical text; null = refused. */
  rfc8785Numbers: [
    { ieee754: "0000000000000000", output: "0" },
    { ieee754: "8000000000000000", output: "0" },
    { ieee754: "0000000000000001", output: "5e-324" },
    { ieee754: "8000000000000001", output: "-5e-324" },
    { ieee754: "7fefffffffffffff", output: "1.7976931348623157e+308" },
    { ieee754: "ffefffffffffffff", output: "-1.7976931348623157e+308" },
    { ieee754: "4340000000000000", output: "9007199254740992" },
    { ieee754: "c340000000000000", output: "-9007199254740992" },
    { ieee754: "4430000000000000", output: "295147905179352830000" },
    { ieee754: "7fffffffffffffff", output: null },
    { ieee754: "7ff0000000000000", output: null },
    { ieee754: "44b52d02c7e14af5", output: "9.999999999999997e+22" },
    { ieee754: "44b52d02c7e14af6", output: "1e+23" },
    { ieee754: "44b52d02c7e14af7", output: "1.0000000000000001e+23" },
    { ieee754: "444b1ae4d6e2ef4e", output: "999999999999999700000" },
    { ieee754: "444b1ae4d6e2ef4f", output: "999999999999999900000" },
    { ieee754: "444b1ae4d6e2ef50", output: "1e+21" },
    { ieee754: "3eb0c6f7a0b5ed8c", output: "9.999999999999997e-7" },
    { ieee754: "3eb0c6f7a0b5ed8d", output: "0.000001" },
    { ieee754: "41b3de4355555553", output: "333333333.3333332" },
    { ieee754: "41b3de4355555554", output: "333333333.33333325" },
    { ieee754: "41b3de4355555555", output: "333333333.3333333" },
    { ieee754: "41b3de4355555556", output: "333333333.3333334" },
    { ieee754: "41b3de4355555557", output: "333333333.33333343" },
    { ieee754: "becbf647612f3696", output: "-0.0000033333333333333333" },
    { ieee754: "43143ff3c1cb0959", output: "1424953923781206.2" },
  ],
  moatkit: [
    { name: "the empty context", input: "{}", output: "{}" },
    { name: "empty containers", input: '{"b":[],"a":{}}', output: '{"a":{},"b":[]}' },
    {
      name: "nested objects are sorted, arrays keep their order",
      input: '{"b":{"d":1,"c":2},"a":[{"z":1,"y":2},3,"x"]}',
      output: '{"a":[{"y":2,"z":1},3,"x"],"b":{"c":2,"d":1}}',
    },
    { name: "minus zero is 0", input: "[-0, -0.0, 0e10]", output: "[0,0,0]" },
    {
      name: "integers up to 2^53 and beyond",
      input: "[9007199254740993, 1e21, 123456789012345680000, 0.1, 100]",
      output: "[9007199254740992,1e+21,123456789012345680000,0.1,100]",
    },
    {
      name: "control characters use \\b \\t \\n \\f \\r or lower-case \\u00XX; DEL, U+2028 and non-ASCII are literal",
      input: String.raw`"\u0000\b\t\n\f\r\u001f\u007f\u2028é😀"`,
      output: '"\\u0000\\b\\t\\n\\f\\r\\u001f\u007f\u2028é😀"',
    },
    { name: "escaped slash and escaped letters become literal", input: String.raw`"\/\u0041"`, output: '"/A"' },
    {
      name: "keys compare by UTF-16 code unit, not code point or locale",
      input: String.raw`{"\ufb33":1,"\ud83d\ude00":2,"Z":3,"a":4,"aa":5,"":6}`,
      output: '{"":6,"Z":3,"a":4,"aa":5,"\ud83d\ude00":2,"\ufb33":1}',
    },
    {
      name: "a flat envelope context with every value type",
      input: '{"z":null,"b":true,"f":false,"n":-1.5e-7,"big":1e21,"s":"Z\\u00fcrich"}',
      output: '{"b":true,"big":1e+21,"f":false,"n":-1.5e-7,"s":"Zürich","z":null}',
    },
  ],
  /** JSON texts whose value has no canonical form: moatkit refuses them (ERR_INVALID_INPUT). */
  refused: [
    { name: "a lone high surrogate", input: String.raw`"\ud800"` },
    { name: "a lone low surrogate", input: String.raw`"\udfff"` },
    { name: "a reversed surrogate pair", input: String.raw`"\ude00\ud83d"` },
    { name: "a high surrogate at the end of a string in an array", input: String.raw`["ok", "x\ud83d"]` },
    { name: "a lone surrogate in a key", input: String.raw`{"\udc00a": 1}` },
    { name: "a number that overflows to Infinity", input: "[1e400]" },
  ],
};
