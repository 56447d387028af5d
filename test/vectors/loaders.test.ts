import { afterEach, describe, expect, it } from "vitest";
import {
  loadCardBrandCases,
  loadCards,
  loadE164Cases,
  loadNistSha256,
  loadPhoneExamples,
  loadPresidioCases,
  loadProviderCards,
  loadRfc,
  loadWycheproof,
  vectorsDir,
} from "./index.js";

describe("vector loaders", () => {
  const saved = process.env.MOATKIT_VECTORS_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.MOATKIT_VECTORS_DIR;
    else process.env.MOATKIT_VECTORS_DIR = saved;
  });

  it("find the shared vectors folder", () => {
    expect(vectorsDir()).toMatch(/shared[/\\]vectors$/);
  });

  it("load every Wycheproof file with its documented counts", () => {
    const counts: [Parameters<typeof loadWycheproof>[0], number][] = [
      ["aes_gcm_test.json", 316],
      ["chacha20_poly1305_test.json", 325],
      ["xchacha20_poly1305_test.json", 315],
      ["hmac_sha256_test.json", 174],
      ["hkdf_sha256_test.json", 86],
      ["json_web_signature_test.json", 401],
      ["rsa_signature_2048_sha256_test.json", 259],
    ];
    for (const [name, n] of counts) {
      const file = loadWycheproof(name);
      const total = file.testGroups.reduce((sum, g) => sum + g.tests.length, 0);
      expect(total, name).toBe(n);
      expect(file.numberOfTests, name).toBe(n);
    }
  });

  it("load the RFC, NIST, card, phone and Presidio files", () => {
    expect(loadRfc("rfc6238_totp.json").vectors).toHaveLength(18);
    expect(loadRfc("rfc4226_hotp.json").vectors).toHaveLength(10);
    expect(loadRfc("rfc4231_hmac_sha256.json").vectors).toHaveLength(7);
    expect(loadRfc("rfc7515_jws_hs256.json").vectors).toHaveLength(2);
    expect(loadNistSha256().vectors).toHaveLength(4);
    expect(loadCards().luhnValid).toHaveLength(67);
    expect(loadProviderCards().cards).toHaveLength(38);
    expect(loadCardBrandCases().single).toHaveLength(159);
    expect(loadPhoneExamples().valid).toHaveLength(201);
    expect(loadE164Cases().cases).toHaveLength(17);
    expect(loadPresidioCases().cases).toHaveLength(64);
  });

  it("fail with an error naming the path when the folder is missing", () => {
    process.env.MOATKIT_VECTORS_DIR = "/nonexistent/vectors-here";
    expect(() => loadCards()).toThrow(/test vectors not found; looked in: \/nonexistent\/vectors-here/);
  });
});
