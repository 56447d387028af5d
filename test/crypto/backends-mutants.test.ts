import { afterEach, describe, expect, it, vi } from "vitest";
import { checkHkdfLength } from "../../src/crypto/backend.js";
import { createNodeBackend, loadNodeCrypto } from "../../src/crypto/backend-node.js";
import { nobleBackend } from "../../src/crypto/backend-noble.js";
import { resolveBackend } from "../../src/crypto/backend-select.js";
import type * as BackendSelect from "../../src/crypto/backend-select.js";
import { expectMoatError } from "../helpers/assertions.js";

type ProcessWithBuiltin = { getBuiltinModule?: unknown };

/** Runs `fn` with `process.getBuiltinModule` removed, restoring it afterwards. */
function withoutGetBuiltinModule<T>(fn: () => T): T {
  const proc = process as unknown as ProcessWithBuiltin;
  const saved = Object.getOwnPropertyDescriptor(proc, "getBuiltinModule");
  delete proc.getBuiltinModule;
  try {
    return fn();
  } finally {
    if (saved) Object.defineProperty(proc, "getBuiltinModule", saved);
  }
}

/** Runs `fn` with the global `process` undefined, restoring it afterwards. */
function withoutProcess<T>(fn: () => T): T {
  const saved = Object.getOwnPropertyDescriptor(globalThis, "process");
  Object.defineProperty(globalThis, "process", { value: undefined, configurable: true, writable: true });
  try {
    return fn();
  } finally {
    if (saved) Object.defineProperty(globalThis, "process", saved);
  }
}

// A fresh backend-select that ran without node:crypto caches that answer. Drop it from the module
// registry after each test, so no later import (vitest without isolation, as under mutation
// runs) receives it.
afterEach(() => {
  vi.resetModules();
});

async function freshSelect(): Promise<typeof BackendSelect> {
  vi.resetModules();
  return import("../../src/crypto/backend-select.js");
}

function bytes(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
}

describe("loadNodeCrypto", () => {
  it("returns node:crypto where process.getBuiltinModule exists", () => {
    const nodeCrypto = loadNodeCrypto();
    expect(nodeCrypto).toBeDefined();
    expect(typeof nodeCrypto?.createHmac).toBe("function");
  });

  it("returns undefined, without throwing, where the global process is missing", () => {
    expect(withoutProcess(() => loadNodeCrypto())).toBeUndefined();
  });

  it("returns undefined where process.getBuiltinModule is missing", () => {
    expect(withoutGetBuiltinModule(() => loadNodeCrypto())).toBeUndefined();
  });
});

describe("createNodeBackend", () => {
  it("is named node and produces the same XChaCha20-Poly1305 bytes as the noble backend", () => {
    const node = createNodeBackend(loadNodeCrypto()!);
    expect(node.name).toBe("node");
    const key = bytes(32, 1);
    const nonce = bytes(24, 2);
    const aad = bytes(7, 3);
    const plaintext = bytes(100, 4);
    const fromNode = new Uint8Array(plaintext.length + 16 + 3);
    const fromNoble = new Uint8Array(plaintext.length + 16 + 3);
    node.sealInto("xchacha20-poly1305", key, nonce, aad, plaintext, fromNode, 3);
    nobleBackend.sealInto("xchacha20-poly1305", key, nonce, aad, plaintext, fromNoble, 3);
    expect(Buffer.from(fromNode).toString("hex")).toBe(Buffer.from(fromNoble).toString("hex"));
    expect(node.open("xchacha20-poly1305", key, nonce, aad, fromNode.subarray(3))).toEqual(plaintext);
  });

  it("produces the same AES-256-GCM bytes as the noble backend and opens them", () => {
    const node = createNodeBackend(loadNodeCrypto()!);
    const key = bytes(32, 5);
    const nonce = bytes(12, 6);
    const aad = bytes(9, 7);
    const plaintext = bytes(77, 8);
    const fromNode = new Uint8Array(plaintext.length + 16);
    const fromNoble = new Uint8Array(plaintext.length + 16);
    node.sealInto("aes-256-gcm", key, nonce, aad, plaintext, fromNode, 0);
    nobleBackend.sealInto("aes-256-gcm", key, nonce, aad, plaintext, fromNoble, 0);
    expect(Buffer.from(fromNode).toString("hex")).toBe(Buffer.from(fromNoble).toString("hex"));
    expect(node.open("aes-256-gcm", key, nonce, aad, fromNode)).toEqual(plaintext);
    expect(node.hkdf(key, nonce, aad, 0)).toHaveLength(0);
    expect(nobleBackend.hkdf(key, nonce, aad, 0)).toHaveLength(0);
  });

  it("wraps an HKDF input node:crypto rejects as ERR_INVALID_INPUT with the cause", () => {
    const node = createNodeBackend(loadNodeCrypto()!);
    const notBytes = { not: "bytes" } as unknown as Uint8Array;
    const err = expectMoatError(
      () => node.hkdf(notBytes, new Uint8Array(0), new Uint8Array(0), 32),
      "ERR_INVALID_INPUT",
    );
    expect(err.message).toMatch(/HKDF rejected its input/);
    expect(err.cause).toBeInstanceOf(Error);
  });
});

describe("nobleBackend", () => {
  it("is named noble and derives HKDF-SHA-256 output (RFC 5869 test case 3)", () => {
    expect(nobleBackend.name).toBe("noble");
    const ikm = new Uint8Array(22).fill(0x0b);
    const okm = nobleBackend.hkdf(ikm, new Uint8Array(0), new Uint8Array(0), 42);
    expect(Buffer.from(okm).toString("hex")).toBe(
      "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
    );
  });
});

describe("backend selection (fresh module)", () => {
  it("nodeCryptoBackend gives the node backend where node:crypto exists", async () => {
    const select = await freshSelect();
    const backend = select.nodeCryptoBackend();
    expect(backend?.name).toBe("node");
    expect(select.resolveBackend().name).toBe("node");
  });

  it("nodeCryptoBackend gives undefined, without throwing, where node:crypto is missing", async () => {
    const select = await freshSelect();
    expect(withoutGetBuiltinModule(() => select.nodeCryptoBackend())).toBeUndefined();
    expect(select.resolveBackend("auto", null)).toBe(select.resolveBackend("noble"));
  });

  it("refuses an explicit node backend where node:crypto is missing, saying why", () => {
    const err = expectMoatError(() => resolveBackend("node", null), "ERR_CONFIG");
    expect(err.message).toMatch(/backend "node" was requested but node:crypto is not available here/);
  });
});

describe("checkHkdfLength", () => {
  it("explains the allowed range", () => {
    const err = expectMoatError(() => {
      checkHkdfLength(8161);
    }, "ERR_INVALID_INPUT");
    expect(err.message).toMatch(/HKDF output length must be between 0 and 8160 bytes/);
  });
});
