import { describe, expect, it } from "vitest";
import { hexDecode, hexEncode, utf8Encode } from "../../src/_internal/encoding.js";
import { hmacSha256, hmacSha256Hex, sha256, sha256Hex } from "../../src/_internal/hash.js";
import { loadNistSha256, loadRfc, loadWycheproof } from "../vectors/index.js";

describe("sha256", () => {
  it("matches the FIPS 180 examples", () => {
    for (const v of loadNistSha256().vectors) {
      const message = v.messageAscii.repeat(v.repeat);
      expect(message.length).toBe(v.lengthBytes);
      expect(sha256Hex(message)).toBe(v.sha256);
      expect(hexEncode(sha256(utf8Encode(message)))).toBe(v.sha256);
    }
  });
});

describe("hmacSha256", () => {
  it("matches RFC 4231", () => {
    for (const v of loadRfc("rfc4231_hmac_sha256.json").vectors) {
      const tag = hmacSha256Hex(hexDecode(v.keyHex), hexDecode(v.dataHex));
      const bits = v.truncatedToBits ?? 256;
      expect(tag.slice(0, bits / 4)).toBe(v.hmacSha256.slice(0, bits / 4));
    }
  });

  it("matches Wycheproof's valid vectors and differs from the invalid tags", () => {
    for (const group of loadWycheproof("hmac_sha256_test.json").testGroups) {
      for (const t of group.tests) {
        const tag = hexEncode(hmacSha256(hexDecode(t.key), hexDecode(t.msg))).slice(0, group.tagSize / 4);
        if (t.result === "valid") expect(tag, `tcId ${String(t.tcId)}`).toBe(t.tag);
        else expect(tag, `tcId ${String(t.tcId)}`).not.toBe(t.tag);
      }
    }
  });
});
