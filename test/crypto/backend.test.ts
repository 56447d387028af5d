import { describe, expect, it } from "vitest";
import { nobleBackend } from "../../src/crypto/backend-noble.js";
import { loadNodeCrypto } from "../../src/crypto/backend-node.js";
import { nodeCryptoBackend, resolveBackend } from "../../src/crypto/backend-select.js";
import { expectMoatError } from "../helpers/assertions.js";
import { BACKENDS } from "./helpers.js";

describe("backend selection", () => {
  it("uses node:crypto by default where the runtime has it", () => {
    expect(loadNodeCrypto()).toBeDefined();
    expect(resolveBackend().name).toBe("node");
    expect(resolveBackend("noble").name).toBe("noble");
  });

  it("falls back to the pure-JS backend where node:crypto is missing, and refuses an explicit node", () => {
    expect(resolveBackend("auto", null)).toBe(nobleBackend);
    expectMoatError(() => resolveBackend("node", null), "ERR_CONFIG");
    expect(resolveBackend("node", nodeCryptoBackend() ?? null)).toBe(nodeCryptoBackend());
  });
});

describe.each(BACKENDS.map((b) => [b.name, b] as const))("%s backend edge cases", (_name, backend) => {
  it("rejects HKDF lengths outside 0..8160 and returns empty output for 0", () => {
    expect(backend.hkdf(new Uint8Array(32), new Uint8Array(0), new Uint8Array(0), 0)).toHaveLength(0);
    expect(backend.hkdf(new Uint8Array(32), new Uint8Array(0), new Uint8Array(0), 8160)).toHaveLength(8160);
    for (const n of [-1, 8161, 1.5, Number.NaN])
      expectMoatError(
        () => backend.hkdf(new Uint8Array(32), new Uint8Array(0), new Uint8Array(0), n),
        "ERR_INVALID_INPUT",
      );
  });

  it("returns undefined, never partial plaintext, for sealed input shorter than a tag", () => {
    for (const algorithm of ["aes-256-gcm", "xchacha20-poly1305"] as const) {
      const nonce = new Uint8Array(algorithm === "aes-256-gcm" ? 12 : 24);
      expect(backend.open(algorithm, new Uint8Array(32), nonce, new Uint8Array(0), new Uint8Array(15))).toBeUndefined();
    }
  });
});
