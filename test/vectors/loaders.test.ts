import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
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
  readVectorJson,
  VECTORS_DIR,
} from "./index.js";

describe("vector loaders", () => {
  it("read the copies inside the repository, each folder with its licence", () => {
    const repoRoot = resolve(VECTORS_DIR, "..", "..", "..");
    expect(relative(repoRoot, VECTORS_DIR)).toBe(join("test", "vectors", "data"));
    for (const folder of readdirSync(VECTORS_DIR)) {
      if (!statSync(join(VECTORS_DIR, folder)).isDirectory()) continue;
      expect(readFileSync(join(VECTORS_DIR, folder, "LICENSE"), "utf8").length, folder).toBeGreaterThan(100);
    }
    expect(readFileSync(join(VECTORS_DIR, "README.md"), "utf8")).toContain("Apache-2.0");
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

  it("fail with an error naming the path when a file is missing", () => {
    expect(() => readVectorJson("cards/no-such-file.json")).toThrow(/test vector file not found: .*no-such-file\.json/);
  });
});
