/**
 * Every applicable Wycheproof vector through moatkit's AEAD/KDF/MAC layer, on both backends:
 * valid cases must give exactly the expected output, invalid cases must be rejected.
 */
import { describe, expect, it } from "vitest";
import type { AeadAlgorithm } from "../../src/crypto/backend.js";
import { loadWycheproof } from "../vectors/index.js";
import { BACKENDS, hex, toHex } from "./helpers.js";

const aesGcm = loadWycheproof("aes_gcm_test.json");
const xchacha = loadWycheproof("xchacha20_poly1305_test.json");
const hkdf = loadWycheproof("hkdf_sha256_test.json");
const hmac = loadWycheproof("hmac_sha256_test.json");

function aeadCases(file: typeof aesGcm, keySize: number, ivSize: number) {
  return file.testGroups
    .filter((g) => g.keySize === keySize && g.ivSize === ivSize && g.tagSize === 128)
    .flatMap((g) => g.tests);
}

const suites: [AeadAlgorithm, ReturnType<typeof aeadCases>][] = [
  ["aes-256-gcm", aeadCases(aesGcm, 256, 96)],
  ["xchacha20-poly1305", aeadCases(xchacha, 256, 192)],
];

describe.each(BACKENDS.map((b) => [b.name, b] as const))("Wycheproof on the %s backend", (_name, backend) => {
  for (const [algorithm, cases] of suites) {
    it(`${algorithm}: ${String(cases.length)} vectors`, () => {
      expect(cases.length).toBeGreaterThan(40);
      for (const t of cases) {
        const key = hex(t.key);
        const nonce = hex(t.iv);
        const aad = hex(t.aad);
        const msg = hex(t.msg);
        const sealed = hex(t.ct + t.tag);
        const opened = backend.open(algorithm, key, nonce, aad, sealed);
        if (t.result === "valid") {
          const out = new Uint8Array(msg.length + 16);
          backend.sealInto(algorithm, key, nonce, aad, msg, out, 0);
          expect(toHex(out), `tcId ${String(t.tcId)} seal`).toBe(t.ct + t.tag);
          expect(opened && toHex(opened), `tcId ${String(t.tcId)} open`).toBe(t.msg);
        } else {
          expect(opened, `tcId ${String(t.tcId)} (${t.comment}) must be rejected`).toBeUndefined();
        }
      }
    });
  }

  it(`hkdf_sha256: ${String(hkdf.numberOfTests)} vectors`, () => {
    let ran = 0;
    for (const g of hkdf.testGroups) {
      for (const t of g.tests) {
        ran++;
        const run = () => backend.hkdf(hex(t.ikm), hex(t.salt), hex(t.info), t.size);
        if (t.result === "valid") expect(toHex(run()), `tcId ${String(t.tcId)}`).toBe(t.okm);
        else expect(run, `tcId ${String(t.tcId)}`).toThrow();
      }
    }
    expect(ran).toBe(hkdf.numberOfTests);
  });

  it(`hmac_sha256: ${String(hmac.numberOfTests)} vectors (truncated tags compared on their prefix)`, () => {
    let ran = 0;
    for (const g of hmac.testGroups) {
      for (const t of g.tests) {
        ran++;
        const tag = toHex(backend.hmac(hex(t.key), hex(t.msg)).subarray(0, g.tagSize / 8));
        if (t.result === "valid") expect(tag, `tcId ${String(t.tcId)}`).toBe(t.tag);
        else expect(tag, `tcId ${String(t.tcId)}`).not.toBe(t.tag);
      }
    }
    expect(ran).toBe(hmac.numberOfTests);
  });
});
