/**
 * parseMasterKeys wipes the key bytes it decoded from the environment value once the keyring
 * holds its own copies, so no second copy of a master key lingers in memory. The base64 decoder
 * is wrapped to capture the arrays it hands out.
 */
import { describe, expect, it, vi } from "vitest";
import type * as Encoding from "../../src/_internal/encoding.js";
import { masterKeyBytes } from "../../src/crypto/keyring.js";
import { parseMasterKeys } from "../../src/crypto/index.js";

const captured = vi.hoisted(() => ({ decoded: [] as Uint8Array[] }));

vi.mock("../../src/_internal/encoding.js", async (importOriginal) => {
  const actual = await importOriginal<typeof Encoding>();
  return {
    ...actual,
    base64Decode: (text: string): Uint8Array => {
      const bytes = actual.base64Decode(text);
      captured.decoded.push(bytes);
      return bytes;
    },
  };
});

describe("parseMasterKeys wiping", () => {
  it("zeroes the decoded key bytes after the keyring copied them", () => {
    captured.decoded.length = 0;
    const k1 = Buffer.alloc(32, 0xab).toString("base64");
    const k2 = Buffer.alloc(32, 0xcd).toString("base64");
    const keyring = parseMasterKeys(`a:${k1},b:${k2}`);
    expect(captured.decoded).toHaveLength(2);
    for (const bytes of captured.decoded) expect(bytes).toEqual(new Uint8Array(32));
    expect(masterKeyBytes(keyring, "a")).toEqual(new Uint8Array(32).fill(0xab));
    expect(masterKeyBytes(keyring, "b")).toEqual(new Uint8Array(32).fill(0xcd));
  });
});
